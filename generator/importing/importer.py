"""`dossier import`: a firm's existing fiches (text exports, Word files) become library YAML.

Reading goes in three steps: the file's bytes become `Line`s
(text decoded with the encoding it was written in, or the paragraphs and tables of a
.docx); the lines are read as a mission fiche (labelled fields, « Enjeux » / « Contenu »
sections, title and client at the top) or as a work sample (seed 004's layout); the
values are parsed (years, amounts, teams, lists, composantes). Nothing is guessed:
what cannot be read is reported, and kept as a comment in the YAML file.

Results are values (`Imported`); only the CLI prints them and writes the files.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from generator.errors import os_reason
from generator.library.formatting import format_annees, format_euros, format_montant
from generator.library.ids import mission_id, production_id
from generator.library.models import Annees, Montant, parse_years
from generator.library.validation import validate
from generator.library.vocabulary import COMPOSANTES, canonical_composante, fold, nearest
from generator.library.yamlio import MAX_BYTES, YamlDocument, dump_yaml, parse_yaml, read_yaml

MISSIONS = "missions"
PRODUCTIONS = "productions"

# Words left out of ids: the shipped library's file names follow this rule.

# Key order of a mission file, as in the shipped library.
MISSION_KEYS = (
    "titre", "maitre_ouvrage", "type", "annees", "sites", "cout_projet", "directeur", "equipe",
    "referent", "programme", "acteurs", "consultants", "montant", "composantes", "composantes_a_confirmer", "enjeux",
    "contenu", "source",
)
# Fields a usable reference needs: reported when the fiche leaves them empty.
ESSENTIAL = ("maitre_ouvrage", "type", "annees", "montant", "enjeux", "contenu")

# The labels of the firm's fiches (and of other firms' usual ones), per field.
_LABELS = {
    "titre": ("Titre", "Intitulé", "Intitulé de la mission", "Objet de la mission", "Nom de la mission"),
    "maitre_ouvrage": ("Maître d'ouvrage", "Maîtrise d'ouvrage", "Maître de l'ouvrage", "Client",
                       "Commanditaire", "Donneur d'ordre"),
    "type": ("Type de mission", "Type", "Type de prestation", "Nature de la mission"),
    "annees": ("Année", "Date", "Période", "Année de réalisation", "Date de réalisation", "Date de la mission",
               "Dates de la mission", "Période de réalisation", "Année de la mission"),
    "cout_projet": ("Coût du projet", "Coût de l'opération", "Coût des travaux", "Montant des travaux",
                    "Montant du projet"),
    "directeur": ("Directeur de mission", "Directrice de mission", "Direction de mission",
                  "Directeur de projet", "Directrice de projet"),
    "referent": ("Référent", "Référente", "Référent de la mission"),
    "equipe": ("Equipe", "Equipe projet", "Groupement", "Composition de l'équipe", "Composition du groupement",
               "Membres de l'équipe", "Equipe mobilisée"),
    "programme": ("Programme",),
    "acteurs": ("Acteurs", "Partenaires", "Acteurs associés", "Partenaires associés"),
    "consultants": ("Consultants mobilisés", "Consultants", "Intervenants", "Consultants intervenants"),
    "sites": ("Site", "Lieu", "Territoire", "Quartier", "Localisation", "Lieu d'intervention", "Lieu de la mission",
              "Territoire d'intervention", "Site d'intervention"),
    "montant": ("Montant de la mission", "Montant", "Montant des honoraires", "Honoraires", "Montant HT",
                "Montant TTC", "Montant de la prestation", "Budget de la mission", "Coût de la mission",
                "Coût de l'étude", "Coût de la prestation"),
    "composantes": ("Composantes de la mission", "Composantes", "Composantes de la prestation"),
    "enjeux": ("Enjeux de la mission", "Enjeux", "Contexte et enjeux", "Contexte", "Contexte de la mission",
               "Objectifs de la mission", "Objectifs", "Enjeux et objectifs"),
    "contenu": ("Contenu de la mission", "Contenu", "Description de la mission", "Prestations",
                "Missions réalisées", "Contenu de la prestation", "Prestations réalisées", "Description",
                "Démarche", "Méthodologie", "Déroulement de la mission"),
    "source": ("Source",),
}
# Team members listed under their role: « Mandataire : Tracés urbains ».
_ROLE_LABELS = {"Mandataire": "mandataire", "Cotraitant": "cotraitant", "Co-traitant": "cotraitant",
                "Sous-traitant": "sous-traitant", "Cotraitance": "cotraitant", "Sous-traitance": "sous-traitant"}
LIST_FIELDS = {"sites", "acteurs", "consultants", "equipe"}
AMOUNT_FIELDS = {"montant", "cout_projet"}


def _label_key(text: str) -> str:
    """Folded, each word singular, no leading article: « Les années » and « Année » match."""
    words = fold(re.sub(r"\([^)]*\)", " ", text)).split()
    if words and words[0] in ("le", "la", "les", "l"):
        words = words[1:]
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words)


def _known_label(label: str, prefix: bool) -> str | None:
    """The field a label names; with `prefix`, « Acteurs associés au projet » names `acteurs`."""
    key = _label_key(label)
    if key in _LABEL_FIELDS:
        return _LABEL_FIELDS[key]
    if prefix:
        for known in sorted(_LABEL_FIELDS, key=len, reverse=True):
            if key.startswith(known + " ") and len(known) > 4:
                return _LABEL_FIELDS[known]
    return None


_LABEL_FIELDS = {_label_key(label): key for key, labels in _LABELS.items() for label in labels}
_ROLE_OF_LABEL = {_label_key(label): role for label, role in _ROLE_LABELS.items()}
_LABEL_FIELDS.update({key: "equipe" for key in _ROLE_OF_LABEL})

NBSP = "\u00a0"
# Line separators left inside a line (NEL, U+2028/2029 from a PDF) count as spaces: Word cannot hold them.
_SPACES = re.compile(r"[ \t\u00a0\u202f\x85\u2028\u2029]+")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
_TICK = re.compile(r"^\s*(☒|☑|✓|✔|✅|\[[xX]\]|\([xX]\)|☐|□|❏|❑|\[ \]|\( \))\s*")
_TICKED = ("☒", "☑", "✓", "✔", "✅", "[x]", "[X]", "(x)", "(X)")
_BULLET = re.compile(r"^\s*(?:(?:[-–—•·▪■◾▶►➢➤❖◆●*]|o(?=\t))\s*)+")
_LABEL_LINE = re.compile(r"^(?P<label>[^:\t]{1,60}?)[ \t\u00a0\u202f]*(?::|\t)[ \t\u00a0\u202f]*(?P<value>.*)$")


def clean(text: str, keep_nbsp: bool = False) -> str:
    """Runs of spaces and tabs become one space; no-break spaces are kept in prose only."""
    text = _BOOKMARK.sub("", text)
    if keep_nbsp:
        text = _SPACES.sub(lambda m: NBSP if set(m.group()) == {NBSP} else " ", text)
    else:
        text = _SPACES.sub(" ", text)
    return text.strip()


# --- results ---------------------------------------------------------------------------------

@dataclass
class Imported:
    """What one input file gave: a record to write, or the reason it could not be read."""

    source: Path
    kind: str | None = None  # MISSIONS or PRODUCTIONS
    ident: str | None = None
    record: dict | None = None
    read_as: str = ""  # "texte utf-8", "Word (.docx)"…
    found: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # labelled in the fiche, with no value
    absent: list[str] = field(default_factory=list)  # essential fields the fiche does not have
    warnings: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # text not imported, kept as comments
    error: str | None = None
    incomplete: bool = False
    # set by `plan`: where it goes and what happens there
    target: Path | None = None
    status: str = ""
    write: bool = False

    def yaml_text(self) -> str:
        schema = "mission" if self.kind == MISSIONS else "production"
        lines = [f"# yaml-language-server: $schema=../../schema/{schema}.schema.json"]
        if self.incomplete:
            lines.append(f"# Fiche incomplète : à compléter : {', '.join(self.empty_essentials)}")
        lines += [f"# Non importé (à vérifier) : {text}" for text in self.kept]
        return "\n".join(lines) + "\n" + dump_yaml(self.record)

    @property
    def empty_essentials(self) -> list[str]:
        return [k for k in ESSENTIAL if not (self.record or {}).get(k)]


# --- bytes → lines ---------------------------------------------------------------------------

@dataclass
class Line:
    text: str
    bullet: bool = False  # a real Word bullet or numbered paragraph
    cell: bool = False  # first paragraph of a table cell (a leading tab in text exports)
    label_row: bool = False  # the left cell of a label | value table row (with a value)
    value: bool = False  # a paragraph of a value cell: never read as a label
    footer: bool = False  # the page footer of a Word file
    wrapped: bool = False  # after a manual line break (or right under a text line): the paragraph goes on


# What `check` accepts for one library file (yamlio.MAX_BYTES): a bigger text is no fiche.
MAX_TEXT_BYTES = MAX_BYTES


class Unreadable(Exception):
    """The file is not a fiche we can read; the message says why, in French."""


_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€")
_C1 = re.compile("[\u0080-\u0084\u0086-\u009f]")  # (NEL, U+0085, is a line break)
_CONTROLS = re.compile("[\x01-\x08\x0e-\x1f\x7f]")


def _french_letters(raw: bytes, encoding: str) -> int:
    try:
        return len(re.findall("[éèêëàâçîïôûùœ€’«»]", raw.decode(encoding)))
    except UnicodeDecodeError:
        return -1


def _mixed_lines(raw: bytes) -> tuple[bytes, int] | None:
    """A UTF-8 file with some lines pasted from a Windows-1252 one: (all in UTF-8, lines
    converted); None when no line is genuine non-ASCII UTF-8 (the whole file is cp1252)."""
    lines = raw.split(b"\n")
    utf8, converted = 0, []
    for line in lines:
        try:
            line.decode("utf-8")
            utf8 += not line.isascii()
            converted.append(line)
        except UnicodeDecodeError:
            converted.append(None)
    bad = converted.count(None)
    if not utf8 or not bad:
        return None
    out = [line if line is not None else lines[i].decode("cp1252", errors="replace").encode("utf-8")
           for i, line in enumerate(converted)]
    return b"\n".join(out), bad


def decode_text(raw: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding used, warnings): UTF-8 with or without BOM, UTF-16, else cp1252 or Mac Roman."""
    warnings = []
    head = raw[:4000]
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in head and head[1::2].count(0) > len(head) * 2 // 5:
        encoding = "utf-16-le"  # without its BOM: every other byte of French text is zero
    elif b"\x00" in head and head[0::2].count(0) > len(head) * 2 // 5:
        encoding = "utf-16-be"
    else:
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            mixed = _mixed_lines(raw)
            if mixed is not None:
                raw, count = mixed
                encoding = "utf-8"
                warnings.append(f"fichier mélangeant deux encodages : {count} ligne{'s' if count > 1 else ''} lue"
                                f"{'s' if count > 1 else ''} en Windows-1252, le reste en UTF-8 ; vérifiez les accents")
            else:
                # Windows export, or an old Mac one (« é » is byte 0x8E there, « Ž » in cp1252):
                # the reading with more French accented letters is the right one.
                encoding = max(("cp1252", "mac_roman"), key=lambda name: _french_letters(raw, name))
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise Unreadable("encodage non reconnu (ni UTF-8 ni Windows-1252) : réenregistrez le fichier en UTF-8") from None
    if encoding.startswith("utf-8") and _MOJIBAKE.search(text):
        # Text that went through cp1252 and back ("Ã©" for "é"): undo it when that is exact.
        try:
            text = text.encode("cp1252").decode("utf-8")
            warnings.append("texte doublement encodé (« Ã© » pour « é ») : corrigé")
        except UnicodeError:
            warnings.append("caractères suspects (« Ã© », « â€ ») : vérifiez les accents")
    if "\x00" in text:
        raise Unreadable("fichier binaire : ce n'est pas une fiche texte")
    if _C1.search(text):
        # « l\u0092offre »: Windows-1252 bytes read as Latin-1 on the way; their characters are known.
        text = _C1.sub(lambda m: bytes([ord(m.group())]).decode("cp1252", errors="replace").replace("\ufffd", ""), text)
        warnings.append("caractères Windows-1252 mal convertis (« \\u0092 » pour « ’ ») : corrigés")
    if len(_CONTROLS.findall(text)) > 8:
        raise Unreadable("fichier binaire : ce n'est pas une fiche texte")
    if _CONTROLS.search(text):
        # Word cannot hold them and `check` would refuse the file: nothing visible is lost.
        text = _CONTROLS.sub("", text)
        warnings.append("caractères de contrôle invisibles supprimés")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text, encoding, warnings


def text_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    for paragraph in re.split(r"[\n\x0c\x85\u2029]", text):
        # Word writes a manual line break as a vertical tab (or U+2028) in its text exports;
        # exports put a blank line between paragraphs, so a line right under another one goes on
        # with it (a title over two lines, then a blank line, then the client).
        follows = bool(lines) and bool(clean(lines[-1].text))
        for i, raw in enumerate(re.split(r"[\x0b\u2028]", paragraph)):
            lines.append(Line(raw, cell=raw.startswith("\t") and not i, wrapped=i > 0 or follows))
    return lines


# What a Word fiche can be: a few pages, perhaps photos. Beyond, it is a bomb or not a fiche,
# refused before anything is inflated (the sizes zipfile inflates to are the declared ones).
MAX_MEMBERS = 1000
MAX_UNCOMPRESSED = 100_000_000  # the whole package, photos included
MAX_XML = 10_000_000  # one XML part (a fiche's document.xml is a few hundred kilobytes)
MAX_RATIO = 100  # deflate on real XML stays under ~30; a bomb is in the hundreds or thousands

_MACRO_TYPE = b"application/vnd.ms-word.document.macroEnabled.main+xml"
_DOCUMENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def checked_package(raw: bytes) -> tuple[bytes, list[str]]:
    """The Word package, once its declared sizes are those of a fiche; a macro-enabled one
    (.docm) without its macros, which are never run. Unreadable otherwise."""
    import zipfile

    try:
        package = zipfile.ZipFile(io.BytesIO(raw))
        members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Unreadable("fichier Word endommagé ou illisible : ouvrez-le dans Word et réenregistrez-le") from None
    if len(members) > MAX_MEMBERS:
        raise Unreadable(f"fichier Word de {len(members)} parties (au plus {MAX_MEMBERS}) : ce n'est pas une fiche")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise Unreadable(f"fichier Word qui se décompresse en {total // 1_000_000} Mo (au plus "
                         f"{MAX_UNCOMPRESSED // 1_000_000} Mo) : refusé avant lecture")
    for member in members:
        if member.filename.endswith((".xml", ".rels")) and member.file_size > MAX_XML:
            raise Unreadable(f"fichier Word dont le texte ({member.filename}) se décompresse en "
                             f"{member.file_size // 1_000_000} Mo (au plus {MAX_XML // 1_000_000} Mo) : ce n'est pas une fiche")
        if member.file_size > 1_000_000 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise Unreadable(f"fichier Word anormalement compressé ({member.filename} : "
                             f"{member.file_size // max(member.compress_size, 1)} fois) : refusé avant lecture (bombe de décompression)")
    names = {m.filename for m in members}
    try:
        types = package.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
        raise Unreadable("fichier Word endommagé ou illisible : ouvrez-le dans Word et réenregistrez-le") from None
    if _MACRO_TYPE not in types and "word/vbaProject.bin" not in names:
        return raw, []
    # python-docx opens only plain documents: the same package, marked as one, macros left out.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as plain:
        for member in members:
            if "vba" in member.filename.lower():
                continue
            data = package.read(member)
            if member.filename == "[Content_Types].xml":
                data = data.replace(_MACRO_TYPE, _DOCUMENT_TYPE)
            plain.writestr(member, data)
    return out.getvalue(), ["document Word avec macros (.docm) : lu sans ses macros, qui ne sont jamais exécutées"]


def docx_lines(source: Path | bytes) -> list[Line]:
    import docx

    from generator.documents.docx_xml import footer_blocks, read_blocks

    try:
        document = docx.Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
        blocks, footer = read_blocks(document), footer_blocks(document)
    except Exception:  # python-docx raises many kinds on a damaged package
        raise Unreadable("fichier Word endommagé ou illisible : ouvrez-le dans Word et réenregistrez-le") from None
    footer_lines = [line for line in _block_lines(footer) if clean(line.text)]
    for line in footer_lines:
        line.footer = True
    return _block_lines(blocks) + footer_lines


def _block_lines(blocks) -> list[Line]:
    lines: list[Line] = []
    for block in blocks:
        if block[0] == "p":
            _, text, bullet = block
            lines.extend(Line(part, bullet=bullet, wrapped=i > 0) for i, part in enumerate(text.split("\n")))
        else:
            for row in block[1]:
                lines.extend(_row_lines(row))
            lines.append(Line(""))
    return lines


def _cell_text(cell) -> str:
    return " ".join(clean(b[1]) for b in cell if b[0] == "p").strip()


def _row_lines(row) -> list[Line]:
    texts = [_cell_text(cell) for cell in row]
    filled = [i for i, t in enumerate(texts) if t]
    # « Type de mission | Concertation »: a composante's name as another field's value is no grid.
    is_grid = any(_TICK.match(t) for t in texts if t) or (
        any(canonical_composante(t) for t in texts if t)
        and _known_label(texts[0].rstrip(" :"), prefix=False) in (None, "composantes"))
    if is_grid:
        # A grid of composantes: a cell holding only a box goes with the next one.
        lines, pending = [], ""
        for text in texts:
            if _TICK.fullmatch(text.strip() + " ") or text.strip() in ("☒", "☐"):
                pending = text.strip()
            elif text:
                lines.append(Line(f"{pending} {text}".strip(), cell=True))
                pending = ""
        return lines
    if len(row) >= 4 and len(row) % 2 == 0 and all(_known_label(t, prefix=False) for t in texts[::2] if t):
        # « Type de mission | X | Année | 2018 »: two label | value pairs side by side
        return [line for i in range(0, len(row), 2) if texts[i] for line in _label_row_lines(row[i:i + 2])]
    first_paragraphs = [b for b in row[0] if b[0] == "p" and clean(b[1])] if row else []
    if (len(row) >= 2 and filled and filled[0] == 0 and len(first_paragraphs) == 1 and len(texts[0]) <= 60
            and not first_paragraphs[0][2]):
        return _label_row_lines(row)
    lines = []
    for cell in row:
        cell_lines = _block_lines(cell)
        if cell_lines:
            cell_lines[0].cell = True
        lines.extend(cell_lines)
    return lines


def _label_row_lines(row) -> list[Line]:
    # Without a value, the left cell may as well be a title beside a logo: read as a plain line,
    # where a known label is still recognised.
    lines = [Line(_cell_text(row[0]), cell=True, label_row=any(_cell_text(c) for c in row[1:]))]
    for n, cell in enumerate(row[1:]):
        cell_lines = _block_lines(cell)
        if n and _cell_text(cell):
            # A third column (a photo's caption, a merged side cell) is not part of the value:
            # after a gap it is reported as stray text rather than glued to it.
            lines += [Line("")] + [Line(line.text, cell=i == 0) for i, line in enumerate(cell_lines)]
            continue
        for i, line in enumerate(cell_lines):
            line.value = True
            line.cell = i == 0
        lines.extend(cell_lines)
    return lines


def read_lines(path: Path) -> tuple[list[Line], str, list[str]]:
    """The file's lines, how it was read ("texte utf-8", "Word (.docx)") and warnings."""
    if path.exists() and not path.is_file() and not path.is_dir():
        raise Unreadable("fichier spécial (tube, périphérique), pas un fichier ordinaire")  # reading would wait
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise Unreadable("c'est un dossier, pas un fichier") from None
    except FileNotFoundError:
        raise Unreadable("fichier introuvable") from None
    except PermissionError:
        raise Unreadable("lecture refusée (droits insuffisants ou fichier verrouillé)") from None
    except OSError as exc:
        raise Unreadable(f"lecture impossible ({os_reason(exc)})") from None
    suffix = path.suffix.lower()
    if not raw.strip():
        raise Unreadable("fichier vide")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        # A password-protected .docx is an OLE container holding the encrypted package.
        if "EncryptedPackage".encode("utf-16-le") in raw or (suffix == ".docx" and b"WordDocument" not in raw
                                                              and "WordDocument".encode("utf-16-le") not in raw):
            raise Unreadable("document Word protégé par mot de passe (chiffré) : enregistrez-le sans mot de passe")
        raise Unreadable("ancien format Word (.doc) : ouvrez-le dans Word et enregistrez-le au format .docx")
    if raw.startswith(b"%PDF"):
        raise Unreadable("fichier PDF non pris en charge : exportez la fiche en .docx ou en texte")
    if raw.startswith(b"PK\x03\x04") or suffix == ".docx":
        if suffix not in (".docx", ".docm"):
            raise Unreadable(f"format {suffix or 'inconnu'} non pris en charge : seules les fiches .docx et .txt sont lues")
        package, warnings = checked_package(raw)
        lines = docx_lines(package)
        size = sum(len(line.text.encode("utf-8")) + 1 for line in lines)
        if size > MAX_TEXT_BYTES:
            raise Unreadable(f"fichier Word de {size // 1_000_000} Mo de texte : une fiche en fait quelques pages, "
                             f"et la bibliothèque refuse un fichier de plus de {MAX_TEXT_BYTES // 1_000_000} Mo")
        return lines, "Word (.docm)" if warnings else "Word (.docx)", warnings
    if suffix in (".doc", ".odt", ".rtf", ".xlsx", ".xls", ".pptx"):
        raise Unreadable(f"format {suffix} non pris en charge : enregistrez la fiche en .docx")
    if raw.startswith(b"{\\rtf"):
        raise Unreadable("fichier RTF non pris en charge : enregistrez la fiche en .docx")
    if len(raw) > MAX_TEXT_BYTES:
        size = f"{len(raw) / 1e6:.1f}".replace(".", ",")
        raise Unreadable(f"fichier texte trop volumineux pour une fiche ({size} Mo ; au plus "
                         f"{MAX_TEXT_BYTES // 1_000_000} Mo, comme un fichier de la bibliothèque)")
    text, encoding, warnings = decode_text(raw)
    if not text.strip():
        raise Unreadable("fichier vide")
    return text_lines(text), f"texte {encoding}", warnings


# --- lines → a mission ------------------------------------------------------------------------

def label_of(line: Line, prefix: bool = True) -> tuple[str | None, str | None, str] | None:
    """(field, label as written, inline value) when the line starts with a label, else None.

    The field is None for a label we do not know (only reported where a label is expected).
    """
    if line.value or line.bullet or _BULLET.match(line.text) or _TICK.match(line.text):
        return None
    text = clean(line.text)
    if not text:
        return None
    whole = text.rstrip(" :").strip()
    key = _known_label(whole, prefix=prefix and (text.endswith(":") or line.label_row))
    if key:
        return key, whole, ""
    match = _LABEL_LINE.match(line.text.strip())
    if match:
        label = clean(match.group("label"))
        key = _known_label(label, prefix=prefix and len(label.split()) <= 6)
        if key:
            return key, label, match.group("value")
        if line.label_row or (len(label.split()) <= 4 and label[:1].isupper() and ":" in line.text):
            return None, label, match.group("value")
    if line.label_row:
        return None, whole, ""
    return None


@dataclass
class _Field:
    key: str | None
    label: str
    lines: list[Line] = field(default_factory=list)


def split_fiche(lines: list[Line]) -> tuple[list[list[str]], list[_Field]]:
    """(header paragraphs, each its lines; labelled fields in order): the fiche's structure."""
    header: list[list[str]] = []
    fields: list[_Field] = []
    current: _Field | None = None
    grid: _Field | None = None
    for line in lines:
        if line.footer:
            continue
        tick = _TICK.match(line.text)
        if tick and canonical_composante(_strip_bullet(line.text[tick.end():])) and (
                current is None or current.key != "composantes"):
            # A ticked grid away from its label (a text box, a side table) is still the grid.
            grid = grid or next((f for f in fields if f.key == "composantes"), None)
            if grid is None:
                grid = _Field("composantes", "Composantes")
                fields.append(grid)
            grid.lines.append(line)
            continue
        in_prose = current is not None and current.key in ("enjeux", "contenu")
        found = label_of(line, prefix=not in_prose)
        if found:
            key, label, value = found
            if (key is None or (in_prose and key in ("enjeux", "contenu") and clean(value))) and (
                    in_prose or current is None) and not line.label_row:
                # « Objectif : … » inside the prose (even when « Objectifs » heads a section elsewhere),
                # or a subtitle: plain text
                found = None
            else:
                current = _Field(key, label)
                fields.append(current)
                if clean(value):
                    current.lines.append(Line(value))
                continue
        if current is None:
            if clean(line.text) and line.wrapped and header:
                header[-1].append(clean(line.text))
            elif clean(line.text):
                header.append([clean(line.text)])
        else:
            current.lines.append(line)
    return header, fields


def read_mission(lines: list[Line], firm_names: list[str]) -> tuple[dict, list[str], list[str]]:
    """(record, warnings, text kept aside) — or Unreadable when it is no fiche."""
    header, fields = split_fiche(lines)
    known = [f for f in fields if f.key]
    if not known:
        raise Unreadable("ce n'est pas une fiche référence : aucun des libellés attendus "
                         "(Type de mission, Maître d'ouvrage, Année, Enjeux de la mission…)")
    values: dict = {}
    warnings: list[str] = []
    kept: list[str] = []
    fields = _merge_prose(fields)
    for f in fields:
        if f.key is None:
            text = " ".join(clean(l.text) for l in f.lines if clean(l.text))
            warnings.append(f"libellé inconnu « {f.label} » : non importé, gardé en commentaire dans le fichier")
            kept.append(f"{f.label} : {text}".rstrip(" :"))
            continue
        if f.key == "equipe" and values.get("equipe"):
            values["equipe"] += _field_value(f, firm_names, warnings, kept) or []
            continue
        if f.key in values and values[f.key] not in (None, [], ""):
            warnings.append(f"« {f.label} » apparaît deux fois : la seconde valeur est gardée en commentaire")
            kept.append(f"{f.label} : " + " ".join(clean(l.text) for l in f.lines if clean(l.text)))
            continue
        values[f.key] = _field_value(f, firm_names, warnings, kept)
    _header_fields(header, values, firm_names, warnings, kept)
    if values.get("composantes") == UNKNOWN_GRID:
        del values["composantes"]
        values["composantes_a_confirmer"] = "oui"
    record = {key: values[key] for key in MISSION_KEYS if key in values}
    return record, warnings, kept


def _merge_prose(fields: list[_Field]) -> list[_Field]:
    """« Contexte » then « Enjeux », or contenu in two parts: one field, subheadings kept as text."""
    merged: list[_Field] = []
    for f in fields:
        first = next((m for m in merged if f.key in ("enjeux", "contenu") and m.key == f.key), None)
        if first is None:
            merged.append(f)
        else:
            first.lines += ([Line(f.label)] if f.key == "enjeux" else []) + f.lines
    return merged


def _header_fields(header: list[list[str]], values: dict, firm_names: list[str], warnings: list[str],
                   kept: list[str]) -> None:
    """Title and client at the top of the fiche; a labelled field wins over the header line."""
    # A manual line break inside the title when the client has its own paragraph; « title ↵
    # client » in one paragraph otherwise.
    joined = [" ".join(p) for p in header] if len(header) > 1 else [line for p in header for line in p]
    lines = []
    for line in joined:
        if _BANNER.match(fold(line)) or fold(line) in {fold(n) for n in firm_names}:
            warnings.append(f"en-tête « {line} » ignoré")
        else:
            lines.append(line)
    labelled = values.get("maitre_ouvrage")
    at = next((i for i, line in enumerate(lines) if labelled and fold(line) == fold(labelled)), None)
    if not values.get("titre") and at and at > 1:
        # A title over several lines, then the client (as its field names it).
        lines[:at] = [" ".join(lines[:at])]
    elif not values.get("titre") and len(lines) > 2 and _starts_lower(lines[1]):
        lines[:2] = [f"{lines[0]} {lines[1]}"]
    if not values.get("titre"):
        if not lines:
            raise Unreadable("ce n'est pas une fiche référence : pas de titre en tête de fiche")
        values["titre"] = lines.pop(0)
    elif lines and fold(lines[0]) == fold(values["titre"]):
        lines.pop(0)
    if lines:
        top = lines.pop(0)
        if labelled and fold(top) != fold(labelled):
            warnings.append(f"maître d'ouvrage : le libellé « {labelled} » est retenu ; l'en-tête dit « {top} »")
        elif not labelled:
            if "maitre_ouvrage" in values:
                warnings.append(f"maître d'ouvrage vide : celui de l'en-tête est retenu, « {top} »")
            values["maitre_ouvrage"] = top
    for extra in lines:
        warnings.append(f"ligne d'en-tête non reconnue « {extra} » : gardée en commentaire")
        kept.append(extra)


_BANNER = re.compile(r"^(fiche )?(reference|mission)s?( n \d+| \d+)?$|^fiche (reference|mission)s?\b")


def _field_value(f: _Field, firm_names: list[str], warnings: list[str], kept: list[str]):
    texts = [l for l in f.lines if clean(l.text)]
    if f.key == "enjeux":
        paras = _paragraphs(texts)
        return "\n\n".join(paras) + "\n" if paras else None
    if f.key == "contenu":
        return _items(texts) or None
    if f.key == "composantes":
        return _composantes(texts, warnings, kept)
    texts, stray = _value_paragraph(f.lines)
    if stray:
        text = " ".join(clean(l.text) for l in stray)
        warnings.append(f"texte isolé après « {f.label} », non rattaché : « {text} » : gardé en commentaire")
        kept.append(text)
    joined = " ".join(clean(l.text) for l in texts)
    if not joined:
        return None
    if f.key == "annees":
        return _annees(joined, warnings, kept)
    if f.key in AMOUNT_FIELDS:
        joined = " ; ".join(clean(l.text) for l in texts)
        default_tax = "HT" if re.search(r"\bht\b", fold(f.label)) else ("TTC" if "ttc" in fold(f.label) else None)
        return _montants(joined, f.label, default_tax, firm_names, warnings, kept)
    if f.key == "equipe":
        return _equipe(texts, f.label, firm_names, warnings) or None
    if f.key in LIST_FIELDS:
        items = []
        for line in texts:
            items += split_list(_strip_bullet(line.text), protected=firm_names,
                                on_et=f.key == "consultants", label=f.label, warnings=warnings)
        return _drop_final_dot(items) or None
    return joined


# « Mandataire : A ; Cotraitants : B, C » inside the team's value: each role names the names after it.
_INLINE_ROLE = re.compile(r"(?:^|(?<=[;,.\s]))(" + "|".join(
    re.escape(label) + "s?" for label in sorted(_ROLE_LABELS, key=len, reverse=True)) + r")\s*:\s*", re.IGNORECASE)


def _equipe(lines: list[Line], label: str, firm_names: list[str], warnings: list[str]) -> list[dict]:
    members = []
    for line in lines:
        text = _strip_bullet(line.text)
        role = _ROLE_OF_LABEL.get(_label_key(label))
        pieces = _INLINE_ROLE.split(text)
        # split() gives [before the first role, role, names, role, names…]
        for i, piece in enumerate(pieces):
            if i % 2:
                role = _ROLE_OF_LABEL.get(_label_key(piece))
                continue
            names = _drop_final_dot(split_list(piece.strip(" ;,.–—-"), protected=firm_names, on_et=True, label=label,
                                               warnings=warnings))
            for name in names:
                member = _member(name)
                # a role written beside the name, « X (cotraitant) », wins over the heading's
                if role and "role" not in member:
                    member["role"] = role
                members.append(member)
    return members


def _value_paragraph(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """(value, stray text): a short field's value ends at the first blank line, bullets and
    table cells excepted; what follows is not silently glued to it."""
    value: list[Line] = []
    for i, line in enumerate(lines):
        if not clean(line.text):
            continue
        after_gap = value and not clean(lines[i - 1].text)
        if after_gap and not (line.value or line.bullet or _BULLET.match(line.text)):
            return value, [l for l in lines[i:] if clean(l.text)]
        value.append(line)
    return value, []


def _strip_bullet(text: str) -> str:
    return clean(_BULLET.sub("", text, count=1))


def _starts_lower(text: str) -> bool:
    return bool(text) and text[0].islower()


def _paragraphs(lines: list[Line]) -> list[str]:
    """One paragraph per line (a Word paragraph); a hard-wrapped line goes on with the next."""
    paras: list[str] = []
    for line in lines:
        bullet = line.bullet or bool(_BULLET.match(line.text))
        text = _strip_bullet(line.text) if bullet else clean(line.text, keep_nbsp=True)
        if bullet:
            paras.append(f"- {text}")
        elif paras and _starts_lower(text) and not paras[-1].endswith((".", "!", "?", ":", "…", "»")):
            paras[-1] += " " + text
        else:
            paras.append(text)
    return paras


# « 1. », « 2) », « 3 - », « a) » before a typed numbered item (Word's own numbers are not text)
_NUMBER = re.compile(r"^\s*(?:\d{1,2}\s*[.)/]|\d{1,2}\s+[-–—]|[a-z]\))\s+")


def _items(lines: list[Line]) -> list[str]:
    """Bullets without their markers (« - ▶ », « • », « 1. »…); a lower-case line continues the item."""
    items: list[str] = []
    for line in lines:
        number = _NUMBER.match(line.text)
        bullet = line.bullet or bool(_BULLET.match(line.text)) or bool(number)
        text = clean(_BULLET.sub("", line.text[number.end():] if number else line.text, count=1), keep_nbsp=True)
        if not bullet and items and _starts_lower(text):
            items[-1] += " " + text
        elif text:
            items.append(text)
    return items


def split_list(text: str, protected: list[str] = (), on_et: bool = False, label: str = "",
               warnings: list[str] | None = None) -> list[str]:
    """Items of « A, B et C », commas inside brackets kept; protected names never split."""
    text = clean(text)
    slots: dict[str, str] = {}
    for i, name in enumerate(sorted((n for n in protected if n), key=len, reverse=True)):
        token = f"\x00{i}\x00"
        pattern = re.compile(re.escape(name), re.IGNORECASE)
        text = pattern.sub(lambda m, t=token: slots.setdefault(t, m.group()) and t, text)
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char in ",;" and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    items = []
    for part in parts:
        pieces = _split_et(part, label, warnings, slots) if on_et else [part]
        if len(pieces) > 1 and warnings is not None:
            shown = " ; ".join(_restore(p, slots).strip().rstrip(".") for p in pieces)
            warnings.append(f"{label} : « {_restore(part, slots).strip()} » compris comme {len(pieces)} noms : {shown}")
        items += [_restore(p, slots).strip() for p in pieces]
    return [i for i in items if i]


def _split_et(part: str, label: str, warnings: list[str] | None, slots: dict[str, str]) -> list[str]:
    """« A et B » is two names, except when B is one capitalised word (« Urbaines et Sociales »,
    « Dupont et Associés »): that « et » belongs to a firm's name."""
    pieces: list[str] = []
    for piece in (p.strip() for p in re.split(r"\s+et\s+", part) if p.strip()):
        word = piece.rstrip(".")
        if pieces and " " not in word and word[:1].isupper() and not word.isupper() and "\x00" not in word:
            pieces[-1] = f"{pieces[-1]} et {piece}"
            if warnings is not None:
                warnings.append(f"{label} : « {_restore(pieces[-1], slots).rstrip('.')} » gardé comme un seul nom")
        else:
            pieces.append(piece)
    return pieces


def _restore(text: str, slots: dict[str, str]) -> str:
    for token, name in slots.items():
        text = text.replace(token, name)
    return text


def _drop_final_dot(items: list[str]) -> list[str]:
    """The sentence's final full stop is not part of the last name; « etc. » keeps its own."""
    if items and items[-1].endswith(".") and not items[-1].endswith(("etc.", "..")):
        items[-1] = items[-1][:-1].rstrip()
    return [i for i in items if i]


_ROLES = re.compile(r"\(\s*(mandataire|co-?traitant|sous-?traitant)[^)]*\)", re.IGNORECASE)


def _member(item: str) -> dict:
    match = _ROLES.search(item)
    if not match:
        return {"nom": item}
    role = fold(match.group(1)).replace(" ", "")
    role = {"cotraitant": "cotraitant", "soustraitant": "sous-traitant"}.get(role, "mandataire")
    name = clean(item[: match.start()] + item[match.end():])
    return {"nom": name, "role": role}


# --- values -------------------------------------------------------------------------------

_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_SHORT_END = re.compile(r"\b((?:19|20)\d\d)\s*[-–—/]\s*(\d\d)\b(?!\d)")
_ONGOING = re.compile(r"en cours|aujourd hui|a ce jour|actuellement|depuis|present")


def parse_annees(text: str) -> tuple[dict | None, str | None]:
    """The `annees` mapping of a fiche's « Année(s) » field, and a warning when unsure."""
    text = clean(text).rstrip(".")
    try:
        return parse_years(text), None
    except ValueError:
        pass
    folded = fold(text)
    years = [int(y) for y in _YEAR.findall(text)]
    short = _SHORT_END.search(text)
    if short and len(years) == 1:
        years.append(int(short.group(1)[:2] + short.group(2)))
    ongoing = bool(_ONGOING.search(folded))
    if not years:
        if ongoing:
            return None, f"« {text} » : année de début absente, années laissées vides"
        return None, f"années non reconnues « {text} » : laissées vides"
    result = {"debut": min(years)}
    if max(years) != min(years):
        result["fin"] = max(years)
    elif ongoing:
        result["en_cours"] = True
    warning = f"années « {text} » lues comme {format_annees(Annees(**result))}"
    if len(years) > 2:
        warning = f"années « {text} » lues comme {min(years)} – {max(years)}"
    elif len(years) == 2 and years[0] > years[1]:
        warning = f"années inversées dans la fiche « {text} » : lues comme {min(years)} – {max(years)}"
    elif "fin" in result and ongoing:
        warning = f"années « {text} » : « en cours » ignoré, une fin est indiquée"
    return result, warning


def _annees(text: str, warnings: list[str], kept: list[str]):
    value, warning = parse_annees(text)
    if warning:
        warnings.append(warning)
        if value is None:
            kept.append(f"Années : {text}")
    return value


_AMOUNT = re.compile(
    r"(?<![\d,.])(\d{1,3}(?:[ .]\d{3})+|\d+)(?:,(\d+))?\s*"
    r"(k\s*€|K\s*€|M\s*€|Md\s*€|€|euros?\b|EUR\b|keuros?\b|(?:millions?|milliards?)\s+d['’]\s*euros\b)?"
)
_UNITS = {"k€": 1000, "keuro": 1000, "keuros": 1000, "m€": 10**6, "md€": 10**9}
# Between two amounts: a separator, or else the label of the next one (« … HT TO : 5 000 € »).
_SEPARATORS = re.compile(r"\+|;|,|/|\(|\bet\b|\n|(?=\bdont\b)|(?=\b(?:TF|TO|TC|[Tt]ranche)\b[^€\d]*:)")
_TAXES = ((r"\bH\.?\s?T\b\.?|hors[- ]tax\w*", "HT"), (r"\bT\.?T\.?C\b\.?|toutes taxes comprises", "TTC"))
_TRANCHES = ((r"\bT\.?F\b\.?|tranche ferme|\bferme\b", "ferme"),
             (r"\bT\.?[OC]\b\.?|\bT[OC](?=\d)|tranche (?:optionnelle|conditionnelle)|\b(?:optionnelle|conditionnelle)\b",
              "optionnelle"))
_FILLER = re.compile(r"\b(?:soit|dont|montant|de la mission|euros?|EUR)\b|€", re.IGNORECASE)


# Between the two figures of a range: « 20 000 à 30 000 € », « 20 000 € - 30 000 € », « de 20 à 30 k€ ».
_RANGE_GAP = re.compile(r"\s*(?:k?\s*€|euros?)?\s*(?:HT|TTC)?\s*(?:à|au|-|–|—|et)\s*$", re.IGNORECASE)
# A minus sign right before a figure (not the dash of « 2018-2021 » or of a range).
_MINUS = re.compile(r"(?:^|[\s(:])[-−–]\s*$")


def parse_montants(text: str, default_tax: str | None = None, firm_names: list[str] = ()) -> list[dict]:
    """Each amount of the text with its own basis (HT/TTC, tranche, share): never summed. A range
    (« de 20 000 à 30 000 € ») is one amount with its two ends; a sign is kept (« -5 000 € »)."""
    text = _SPACES.sub(" ", text)
    found = list(_AMOUNT.finditer(text))

    def figure(i: int) -> bool:  # an amount, or the low end of a range whose high end is one (« 20 à 30 k€ »)
        m = found[i]
        if m.group(3) or re.search(r"[ .]\d{3}", m.group(1)):
            return True
        return i + 1 < len(found) and bool(found[i + 1].group(3)) and bool(
            _RANGE_GAP.fullmatch(text[m.end(): found[i + 1].start()]))

    matches = [m for i, m in enumerate(found) if figure(i)]
    if not matches:
        matches = [m for m in found if int(re.sub(r"\D", "", m.group(1))) >= 100]
    # A range's two figures are one amount: the second becomes the first's high end.
    groups: list[list] = []
    for match in matches:
        if groups and len(groups[-1]) == 1 and _RANGE_GAP.fullmatch(text[groups[-1][0].end(): match.start()]) \
                and (text[groups[-1][0].end(): match.start()].strip().lower() != "et"
                     or re.search(r"\bentre\s*$", text[: groups[-1][0].start()], re.IGNORECASE)):
            groups[-1].append(match)
        else:
            groups.append([match])
    amounts = []
    for i, group in enumerate(groups):
        first, last = group[0], group[-1]
        start = groups[i - 1][-1].end() if i else 0
        end = groups[i + 1][0].start() if i + 1 < len(groups) else len(text)
        before, after = text[start: first.start()], text[last.end(): end]
        # A gap between two amounts is shared at its last separator: « HT (TF) + » | « TO : ».
        if i:
            cuts = list(_SEPARATORS.finditer(before))
            before = before[cuts[-1].end():] if cuts else ""
        if i + 1 < len(groups):
            cuts = list(_SEPARATORS.finditer(after))
            after = after[: cuts[-1].start()] if cuts else after
        negative = bool(_MINUS.search(text[start: first.start()]))
        amount = _amount(first, f"{before} {after}", default_tax, firm_names, negative, high=last if len(group) > 1 else None)
        amounts.append(amount)
    return amounts


def _figure(match, unit_of=None) -> Decimal:
    """The exact value a figure says, with its unit (« 12,5 k€ » = 12500) or the one of `unit_of`."""
    digits = re.sub(r"\D", "", match.group(1))
    value = Decimal(digits + ("." + match.group(2) if match.group(2) else ""))
    unit = (match.group(3) or (unit_of.group(3) if unit_of is not None else "") or "").replace(" ", "").lower()
    value *= _UNITS.get(unit, 10**9 if unit.startswith("milliard") else 10**6 if unit.startswith("million") else 1)
    return _exact(value)


def _exact(value: Decimal):
    """An int when whole (« 12 500 », not « 12500.0 »), else the Decimal: never a float."""
    return int(value) if value == value.to_integral_value() else value


def _amount(match, context: str, default_tax: str | None, firm_names: list[str], negative: bool = False,
            high=None) -> dict:
    value = _figure(match, unit_of=high)
    amount: dict = {"valeur": -value if negative else value}
    if high is not None:
        amount["valeur_haute"] = _figure(high)
        context = re.sub(r"\b(?:de|entre)\b", " ", context, flags=re.IGNORECASE)
    rest = context

    def take(pattern: str) -> bool:
        nonlocal rest
        found = re.search(pattern, rest, re.IGNORECASE)
        if found:
            rest = re.sub(pattern, " ", rest, flags=re.IGNORECASE)
        return bool(found)

    tax = next((name for pattern, name in _TAXES if take(pattern)), None) or default_tax
    if tax:
        amount["taxe"] = tax
    tranche = next((name for pattern, name in _TRANCHES if take(pattern)), None)
    if tranche:
        amount["tranche"] = tranche
    firm = "|".join(re.escape(n) for n in firm_names if n) or "cabinet"
    # « 45 000 € HT (part PUS : 60 %) »: the figure is the whole, the firm's part a percentage
    # kept in the label.
    if take(r"(?:montant\s+)?(?:total\s+)?(?:du\s+)?groupement|\btotal\b"):
        amount["perimetre"] = "groupement"
    elif not re.search(r"\d\s*%", rest) and take(rf"quote[- ]part(?:\s+(?:de|du)\s+(?:{firm}|cabinet))?|\bpart\s+(?:du\s+cabinet|(?:de\s+|d['’]\s*)?(?:{firm}))"
              rf"|\b(?:pour|dont)\s+(?:le\s+cabinet|{firm})\b"):
        amount["perimetre"] = "cabinet"
    if take(r"\bmax(?:imum)?\b\.?|accord[- ]cadre"):
        amount["maximum"] = True
    rest = _FILLER.sub(" ", rest)
    # « 3 x 10 000 € HT » keeps its « 3 x »: a figure beside the amount is never dropped
    if re.search(r"[^\W\d_]{2,}", rest) or re.search(r"\d", rest):
        amount["libelle"] = clean(rest).strip(" ():;,-+.")
        if tranche and amount["libelle"].isdigit():
            amount["libelle"] = f"n° {amount['libelle']}"  # « tranche optionnelle 1 »
    return amount


def _montants(text: str, label: str, default_tax, firm_names, warnings: list[str], kept: list[str]):
    amounts = parse_montants(text, default_tax, firm_names)
    if not amounts:
        warnings.append(f"{label} : aucun montant lisible dans « {text} » : laissé vide")
        kept.append(f"{label} : {text}")
        return None
    # What the library would refuse (a negative, an implausible amount) is said and left in the notes,
    # never written as a figure `check` would reject, never with its sign dropped.
    valid = []
    for amount in amounts:
        montant, refused = validate(YamlDocument(amount), Montant, label)
        if montant is None:
            reason = "; ".join(problem.message for problem in refused)
            warnings.append(f"{label} : {reason} : montant laissé de côté, gardé dans les notes")
            kept.append(f"{label} : {text}")
        else:
            valid.append((amount, montant))
    if not valid:
        return None
    if len(valid) > 1:
        warnings.append(f"{label} : {len(valid)} montants gardés séparément, jamais additionnés")
    for amount, montant in valid:
        if "taxe" not in amount:
            warnings.append(f"{label} : ni HT ni TTC indiqué pour {format_montant(montant)} : base laissée vide")
    return [amount for amount, _ in valid]


def _tab_pieces(text: str) -> list[str]:
    pieces, pending = [], ""
    for part in re.split(r"\t+", text):
        if not _strip_bullet(_TICK.sub("", part)) and part.strip():
            pending += part.strip() + " "  # a box or bullet alone: it goes with the next name
        elif part.strip():
            pieces.append(pending + part.strip())
            pending = ""
    return pieces or [text]


UNKNOWN_GRID = "à confirmer"  # what _composantes returns for a grid without its ticks


def _composantes(lines: list[Line], warnings: list[str], kept: list[str]):
    """The ticked composantes when the fiche has boxes; the listed ones otherwise."""
    entries: list[tuple[str, bool | None]] = []
    for line in lines:
        text = line.text.strip()
        pieces = re.split(r"(?=☒|☑|☐|□|\[[ xX]\])", text) if len(re.findall(r"☒|☑|☐|□|\[[ xX]\]", text)) > 1 else [text]
        # « ■<TAB>A<TAB>■<TAB>B »: several boxes on one exported line
        pieces = [p for piece in pieces for p in _tab_pieces(piece)]
        for piece in pieces:
            tick = _TICK.match(piece)
            state = None if tick is None else tick.group(1) in _TICKED
            body = _strip_bullet(piece[tick.end():] if tick else piece)
            for term in (split_list(body) if not tick and not line.bullet and "," in body else [body]):
                term = term.rstrip(".;, ")
                if term:
                    entries.append((term, state))
    if not entries:
        return None
    has_boxes = any(state is not None for _, state in entries)
    # Empty boxes beside plain bullets (« ■ A », « □ B »): the bullets are the ticked ones.
    plain_is_ticked = not any(state for _, state in entries)
    chosen = [term for term, state in entries if state or (state is None and plain_is_ticked)]
    for term, state in entries:
        if state is None and not plain_is_ticked and not canonical_composante(term):
            # Text without a box in a ticked grid (an unticked ✓ list leaves its names bare): a
            # composante is unticked, other text is neither a composante nor to be lost.
            warnings.append(f"texte sans case dans la grille des composantes « {term} » : non retenu, "
                            "gardé en commentaire")
            kept.append(f"Composantes : {term}")
    result: list[str] = []
    for term in chosen:
        canonical = canonical_composante(term)
        if canonical is None:
            guess = nearest(term, COMPOSANTES)
            hint = f" (la plus proche : « {guess[0]} », non retenue)" if guess else ""
            warnings.append(f"composante non reconnue « {term} »{hint} : gardée en commentaire")
            kept.append(f"Composante : {term}")
            continue
        if canonical != term:
            warnings.append(f"composante « {term} » lue comme « {canonical} »")
        if canonical not in result:
            result.append(canonical)
    if not has_boxes and set(result) == set(COMPOSANTES):
        warnings.append("composantes : la grille entière est listée sans ses coches : enregistrée comme « à confirmer » "
                        "(composantes_a_confirmer) ; remplacez-la par les composantes réellement mobilisées")
        return UNKNOWN_GRID
    if has_boxes:
        warnings.append(f"composantes : {len(chosen)} cochée(s) sur {len(entries)} cases")
    return result or None


# --- lines → a work sample (seed 004: a « Fiche orientation opérationnelle ») ---------------------

_FICHE_NUMBER = re.compile(r"^\s*FICHE\s+(\d+(?:\.\d+)*)\s*$", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^[A-Za-zÀ-ÿ]+(?: [A-Za-zÀ-ÿ]+)? [\dIVX]+(?:\.\d+)*$")
_PUCE = re.compile(r"^\s*[·•▪●◦-]\s*")


def is_production(lines: list[Line]) -> bool:
    filled = [l.text for l in lines if clean(l.text)]
    return bool(filled) and bool(_FICHE_NUMBER.match(clean(filled[0])))


def read_production(lines: list[Line]) -> tuple[dict, list[str], list[str]]:
    """A work sample laid out as a table: a heading cell, then its content cell, row after row.

    Returns (record, warnings, text kept aside)."""
    warnings: list[str] = []
    filled = [i for i, l in enumerate(lines) if clean(l.text)]
    numero = _FICHE_NUMBER.match(clean(lines[filled[0]].text)).group(1)
    body = lines[filled[0] + 1:]
    # The page footer (« Contrat de ville / Fiche orientation… ») closes the export after blank lines.
    footer = [clean(l.text) for l in body if l.footer]
    body = [l for l in body if not l.footer]
    end = len(body)
    while end and not clean(body[end - 1].text):
        end -= 1
    start = end
    while start and clean(body[start - 1].text) and not body[start - 1].cell:
        start -= 1
    blanks = start
    while blanks and not clean(body[blanks - 1].text):
        blanks -= 1
    if not footer and start - blanks >= 2 and end - start <= 3:
        footer = [clean(l.text) for l in body[start:end]]
        body = body[:blanks]
    cells: list[list[Line]] = [[]]
    for line in body:
        if line.cell and cells[-1]:
            cells.append([])
        cells[-1].append(line)
    pre = [clean(l.text) for l in cells.pop(0) if clean(l.text)] if cells[0] and not cells[0][0].cell else []
    titre = pre.pop(0) if pre else ""
    entete: list[str] = []
    sections: list[dict] = []
    index = 0
    while index < len(cells):
        texts = [clean(l.text) for l in cells[index] if clean(l.text)]
        if not texts:
            index += 1
            continue
        if not sections and all(_HEADER_LINE.match(t) for t in texts):
            entete += texts
            index += 1
            continue
        label = _LABEL_LINE.match(texts[0])
        if label and ":" in texts[0] and len(label.group("label").split()) <= 4 and label.group("value"):
            first = clean(cells[index][0].text, keep_nbsp=True)
            value = clean(re.split(r"[ \u00a0]*:[ \u00a0]*", first, maxsplit=1)[1], keep_nbsp=True)
            rest = [l for l in cells[index][1:] if clean(l.text)]
            section = {"titre": clean(label.group("label"))}
            _fill(section, [Line(value)] + rest)
            sections.append(section)
            index += 1
            continue
        heading, *subheadings = texts
        content = cells[index + 1] if index + 1 < len(cells) else []
        index += 2
        current = {"titre": heading}
        sections.append(current)
        block: list[Line] = []
        for line in content:
            if subheadings and fold(clean(line.text)) == fold(subheadings[0]):
                _fill(current, block)
                current = {"titre": subheadings.pop(0)}
                sections.append(current)
                block = []
            else:
                block.append(line)
        _fill(current, block)
        if subheadings:
            current["titre"] = " – ".join([current["titre"], *subheadings])
    if not titre:
        raise Unreadable("fiche sans titre : la ligne qui suit « FICHE n » est vide")
    record = {
        "titre": titre,
        "nature": " – ".join(footer) or None,
        "numero": numero,
        "maitre_ouvrage": None,
        "annee": None,
        "missions": None,
        "entete": entete or None,
        "sections": sections or None,
        "source": None,
    }
    if pre:
        warnings.append("lignes d'en-tête non reconnues : " + " ; ".join(pre) + " : gardées en commentaire")
    return record, warnings, pre


def _fill(section: dict, lines: list[Line]) -> None:
    paragraphs, bullets = [], []
    for line in lines:
        text = clean(line.text, keep_nbsp=True)
        if not text:
            continue
        if line.bullet or _PUCE.match(text):
            bullets.append(clean(_PUCE.sub("", text, count=1), keep_nbsp=True))
        else:
            paragraphs.append(text)
    if paragraphs:
        section["paragraphes"] = paragraphs
    if bullets:
        section["puces"] = bullets


# --- one file, then a whole import -----------------------------------------------------------

def import_file(path: Path, firm_names: list[str]) -> Imported:
    result = Imported(path)
    try:
        lines, result.read_as, result.warnings = read_lines(path)
        if is_production(lines):
            result.kind = PRODUCTIONS
            result.record, warnings, result.kept = read_production(lines)
            result.ident = production_id(result.record)
        else:
            result.kind = MISSIONS
            result.record, warnings, result.kept = read_mission(lines, firm_names)
            result.ident = mission_id(result.record)
    except Unreadable as exc:
        result.error = str(exc)
        return result
    result.warnings += warnings
    _keep_valid(result)
    record = result.record
    result.found = [k for k, v in record.items() if v not in (None, [], "")]
    result.empty = [k for k, v in record.items() if v in (None, [], "")]
    if result.kind == MISSIONS:
        result.absent = [k for k in ESSENTIAL if k not in record]
        missing = result.empty_essentials
        # Incomplete: nothing but the title and the client could be read.
        result.incomplete = not set(result.found) - {"titre", "maitre_ouvrage"}
        if result.incomplete:
            result.warnings.append(f"fiche incomplète, rien d'inventé : à compléter : {', '.join(missing)}")

    return result


def _keep_valid(result: Imported) -> None:
    """A value the library would refuse is set aside (comment + warning), so `build` still works."""
    from generator.library.models import Mission, Production

    model = Mission if result.kind == MISSIONS else Production
    for _ in range(len(result.record)):
        # What the loader refuses in a value (a character Word cannot hold…) counts as well.
        doc = parse_yaml(dump_yaml(result.record), str(result.source))
        item, problems = validate(doc, model, str(result.source))
        if item is not None:
            return
        for problem in problems:
            key = (problem.field or "").split(".")[0].split("[")[0]
            if key in result.record and key != "titre" and result.record[key] is not None:
                shown = dump_yaml({key: result.record[key]}).strip().replace("\n", " ")
                result.warnings.append(f"champ « {key} » refusé ({problem.message}) : gardé en commentaire")
                result.kept.append(shown)
                result.record[key] = None


def firm_names(references: Path) -> list[str]:
    """The firm's name and acronym (cabinet.yaml), never split as two team members."""
    path = references / "cabinet.yaml"
    if not path.is_file():
        return []
    data = read_yaml(path).data
    if not isinstance(data, dict):
        return []
    return [str(data[k]) for k in ("nom", "sigle") if data.get(k)]


def _identities(kind: str, data) -> list[tuple]:
    """What makes two records the same fiche: a production's title and number; a mission's
    title, client and years, or the same source. A different mission whose id happens to
    be the same (same year, same first words) is not the same fiche."""
    if not isinstance(data, dict) or not data.get("titre"):
        return []
    if kind == PRODUCTIONS:
        return [(fold(str(data["titre"])), str(data.get("numero") or ""))]
    annees = data.get("annees")
    if isinstance(annees, (str, int)):
        try:
            annees = parse_years(str(annees))
        except ValueError:
            annees = {"texte": str(annees)}
    years = tuple(sorted((str(k), str(v)) for k, v in annees.items())) if isinstance(annees, dict) else ()
    keys = [(fold(str(data["titre"])), fold(str(data.get("maitre_ouvrage") or "")), years)]
    if data.get("source"):
        keys.append(("source", fold(str(data["source"]))))
    return keys


def plan(results: list[Imported], references: Path, overwrite: bool) -> None:
    """Decide where each record goes and whether it is written; existing files are kept,
    and replaced (--overwrite) only by the same fiche, never by another that shares its id."""
    existing: dict[str, dict[tuple, Path]] = {}
    for kind in (MISSIONS, PRODUCTIONS):
        existing[kind] = {}
        for path in sorted((references / kind).glob("*.y*ml")):
            for key in _identities(kind, read_yaml(path).data):
                existing[kind].setdefault(key, path)
    taken: dict[Path, Imported] = {}
    for result in results:
        if not result.error and len(result.yaml_text().encode("utf-8")) > MAX_BYTES:
            result.error = (f"fiche de plus de {MAX_BYTES // 1_000_000} Mo une fois convertie : la bibliothèque la "
                            "refuserait, rien n'est écrit")
        if result.error:
            result.status = "erreur"
            continue
        folder = references / result.kind
        keys = _identities(result.kind, result.record)
        earlier = next((r for r in taken.values() if r.kind == result.kind
                        and set(_identities(r.kind, r.record)) & set(keys)), None)
        if earlier is not None:
            result.status = f"même fiche que {earlier.source.name} : ignorée"
            continue
        same = next((existing[result.kind][key] for key in keys if key in existing[result.kind]), None)
        if same is not None and same not in taken:
            result.target, result.ident = same, same.stem
            there = read_yaml(same).data
            if there == parse_yaml(result.yaml_text(), str(same)).data:
                result.status = "déjà importée, identique : rien à écrire"
            elif overwrite:
                result.status, result.write = "déjà importée : remplacée (--overwrite)", True
            else:
                result.status = "déjà importée, différente : fichier conservé (--overwrite pour le remplacer)"
            taken[same] = result
            continue
        # A new fiche: its id must name a file of its own, never one of another fiche.
        target, n = folder / f"{result.ident}.yaml", 2
        while target in taken or target.exists():
            target, n = folder / f"{result.ident}-{n}.yaml", n + 1
        if n > 2:
            owner = taken.get(folder / f"{result.ident}.yaml")
            there = read_yaml(folder / f"{result.ident}.yaml").data if owner is None else owner.record
            shown = there.get("titre") if isinstance(there, dict) else None
            result.warnings.append(f"identifiant « {result.ident} » déjà pris par « {shown or result.ident} » "
                                   f"(une autre mission) : « {target.stem} » utilisé")
            result.ident = target.stem
        result.target, result.status, result.write = target, "créée", True
        taken[target] = result


def import_files(paths: list[Path], references: Path, overwrite: bool = False,
                 firm_library: Path | None = None) -> list[Imported]:
    """Read every file and plan its writing into `references`; the firm is named by the
    target's cabinet.yaml, or else by `firm_library`'s (the project's own library)."""
    names = firm_names(references) or (firm_names(firm_library) if firm_library else [])
    results = [import_file(path, names) for path in paths]
    plan(results, references, overwrite)
    return results
