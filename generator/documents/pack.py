"""The whole candidature for one bid: forms, pieces, attestations, and one folder / ZIP to upload.

`prepare` gathers everything from the library and the bid file; `gaps` lists what is
missing (as `Problem`s, the same shape as every other gap: `--final` refuses on them);
`pack` writes `outputs/<consultation>/` and its ZIP, named by the bid's pattern, with a
bordereau saying where each piece the RC asks for is — or that it is missing.
"""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.documents import build as documents
from generator.documents.context import Appel, BuildOptions
from generator.documents.forms import render_forms
from generator.documents.gaps import Request as DocumentRequest, find_gaps
from generator.documents.pdf import to_pdf
from generator.errors import DataError, OutputError, Problem, os_reason
from generator.library.bid import DEFAULT_NAMING, DOCUMENT_PIECES, Bid, load_bid
from generator.library.candidature import Candidate, candidates, form_gaps
from generator.library.formatting import format_long_date
from generator.library.loader import Library, display_path
from generator.library.models import Mission
from generator.library import pieces as admin
from generator.output import write_atomic

MANQUANT = "manquant"
DEFAULT_REQUEST = ("dc1", "dc2", "dc4", "dossier", "kbis", "urssaf", "fiscale", "assurance", "attestations")
_SHORT = {"kbis": "Kbis", "urssaf": "URSSAF", "fiscale": "Attestation-fiscale", "assurance": "Assurance-RC",
          "dc1": "DC1", "dc2": "DC2", "dc4": "DC4", "dossier": "Dossier-candidature", "tableau": "Tableau-references",
          "attestations": "Attestations-bonne-execution"}


@dataclass
class Candidature:
    library: Library
    bid: Bid
    bid_path: Path
    people: list[Candidate]
    selected: list[Mission]
    today: date
    deadline: date
    statuses: list[admin.PieceStatus]
    piece_problems: list[Problem]
    pieces: list[admin.LoadedPiece] = field(default_factory=list)

    @property
    def requested(self) -> list[str]:
        asked = [admin.kind_key(p) for p in self.bid.pieces_demandees]
        if asked:
            return list(dict.fromkeys(asked))
        return [k for k in DEFAULT_REQUEST if k != "dc4" or self.bid.sous_traitants]

    @property
    def folder_name(self) -> str:
        return _safe(self.bid.numero_consultation or self.bid.titre or "candidature")


def _safe(text: str) -> str:
    """A file or folder name every platform accepts."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_text).strip("-.")
    return cleaned[:60].strip("-.") or "candidature"


def prepare(library: Library, bid_path: Path, today: date, selected: list[Mission]) -> Candidature:
    bid = load_bid(bid_path)
    deadline = bid.date_limite or today
    people = candidates(library, bid, bid_path)
    loaded, problems = admin.load_pieces(library.root, today)
    statuses = [admin.status_at(loaded, key, deadline, today) for key in admin.requested_kinds(bid.pieces_demandees)]
    return Candidature(library, bid, bid_path, people, selected, today, deadline, statuses, problems, loaded)


def select_references(library: Library, bid_path: Path, today: date) -> list[Mission]:
    """The references the bid's criteria pick, ranked against its need (as `build --bid`)."""
    from generator.request import Request, prepare  # the request layer imports documents: not at the top

    # explain: an empty selection is not an error here (the forms are written without references)
    request = Request(references=library.root, bid=bid_path, day=today, explain=True)
    return prepare(request, library).selected


def piece_gaps(c: Candidature) -> list[Problem]:
    """The pieces' own errors, and the pieces asked for that are not valid at the deadline."""
    return sorted(c.piece_problems + admin.pieces_gaps(c.statuses, display_path(c.bid_path),
                                                         display_path(c.library.root / admin.FOLDER) + "/"), key=lambda p: p.sort_key())


def document_options(c: Candidature) -> BuildOptions:
    """The options of the dossier and table the pack holds: the tender of the bid file."""
    appel = Appel(titre=c.bid.titre or "", acheteur=c.bid.acheteur or "", date_limite=c.bid.date_limite,
                  acheteur_public=c.bid.acheteur_public,
                  lots=[f"{lot.numero} : {lot.intitule}" if lot.numero else lot.intitule for lot in c.bid.lots])
    return BuildOptions(document_date=c.today, appel=appel,
                        selection_description="références retenues pour cette consultation")


def gaps(c: Candidature) -> list[Problem]:
    """Everything `--final` refuses: the pieces' own errors, pieces not valid at the deadline,
    data the forms print « à compléter », attestations asked for and missing, and what the
    dossier and table in the pack would print « à compléter » (the gaps `build --final` refuses)."""
    bid_name = display_path(c.bid_path)
    found = piece_gaps(c) + form_gaps(c.people, c.bid, c.bid_path)
    if {"dossier", "tableau"} & set(c.requested):
        found += find_gaps(DocumentRequest(c.library, c.selected, document_options(c)))
    if "attestations" in c.requested:
        for mission in c.selected:
            if not _attestation_file(c.library, mission):
                found.append(Problem(bid_name, None, "attestations",
                                     f"référence {mission.id} : pas d'attestation de bonne exécution (fichier PDF)"))
    return sorted(set(found), key=lambda p: p.sort_key())


def refuse_gaps(c: Candidature, what: str) -> None:
    found = gaps(c)
    if found:
        count = len(found)
        raise DataError(f"{count} manque{'s' if count > 1 else ''} dans la candidature (--final) : {what}", found)


def _attestation_file(library: Library, mission: Mission) -> Path | None:
    if mission.attestation and mission.attestation.fichier:
        path = library.root / mission.attestation.fichier
        if path.is_file():
            return path
    return None


# --- the folder to upload ----------------------------------------------------------------------

@dataclass
class Entry:
    """One line of the bordereau: what the RC asks, and the files that answer it."""

    key: str
    label: str
    files: list[str] = field(default_factory=list)
    note: str = ""


def _file_name(pattern: str, number: int, piece: str, sigle: str, suffix: str) -> str:
    return _safe(pattern.format(numero=number, piece=piece, sigle=_safe(sigle))) + suffix


BORDEREAU = "00_Bordereau.txt"


def check_targets(folder: Path, archive: Path, keep: tuple[Path, ...]) -> None:
    """Neither the folder nor the ZIP may replace what the user keeps: the library, the
    templates, a folder `dossier pack` did not make (it has no bordereau)."""
    from generator.output import check_replaceable

    check_replaceable(folder / BORDEREAU, keep)
    check_replaceable(archive, keep)
    if folder.exists() and (not folder.is_dir() or not (folder / BORDEREAU).is_file()):
        raise OutputError(f"{folder} : ce dossier existe et n'a pas été préparé par dossier pack (pas de {BORDEREAU}) ; "
                          "il est conservé : choisissez un autre dossier avec -o")


def pack(c: Candidature, out_dir: Path, templates_dir: Path | None, with_pdf: bool,
         keep: tuple[Path, ...] = ()) -> tuple[Path, Path, list[Entry]]:
    """Write the folder and its ZIP; return (folder, zip, bordereau entries)."""
    folder = out_dir / c.folder_name
    check_targets(folder, out_dir / f"{c.folder_name}.zip", keep)
    pattern = c.bid.nommage or DEFAULT_NAMING
    firm = c.people[0].data
    sigle = firm.sigle or firm.nom
    forms = render_forms(c.library, c.bid, c.people, c.selected, c.today, templates_dir)
    files: dict[str, bytes] = {}  # name in the folder → bytes
    docx_names: list[str] = []
    entries: list[Entry] = []
    number = 0

    def add(name_piece: str, who: str, data: bytes, suffix: str) -> str:
        nonlocal number
        number += 1
        name = _file_name(pattern, number, name_piece, who, suffix)
        files[name] = data
        if suffix == ".docx":
            docx_names.append(name)
        return name

    for key in c.requested:
        label = DOCUMENT_PIECES.get(key) or admin.kind_label(key)
        entry = Entry(key, label)
        entries.append(entry)
        if key in ("dc1", "dc2", "dc4"):
            for form in (f for f in forms if f.kind == key):
                entry.files.append(add(_SHORT[key], form.who, form.data, ".docx"))
            if not entry.files:
                entry.note = "sans objet (aucun sous-traitant)" if key == "dc4" else MANQUANT
        elif key in ("dossier", "tableau"):
            template = documents.find_template(key, templates_dir)
            render = documents.dossier if key == "dossier" else documents.table
            entry.files.append(add(_SHORT[key], sigle, render(c.library, c.selected, document_options(c), template),
                                   ".docx"))
        elif key == "attestations":
            pdfs = attestation_files(c.library, c.selected)
            if pdfs:
                entry.files.append(add(_SHORT[key], sigle, merge_pdfs(pdfs), ".pdf"))
                entry.note = f"{len(pdfs)} attestation(s) en un seul fichier"
            else:
                entry.note = MANQUANT
        else:
            status = next((s for s in c.statuses if s.key == key), None)
            if status is None or status.piece is None:
                entry.note = MANQUANT
            else:
                entry.files.append(add(_SHORT.get(key, key), sigle, status.piece.path.read_bytes(), ".pdf"))
                entry.note = "" if status.ok else status.status
    staging = _stage(folder, files)
    try:
        if with_pdf:
            for written in to_pdf([staging / name for name in docx_names]):
                files[written.name] = normalize_pdf(written.read_bytes())
            for entry in entries:
                entry.files = [n for name in entry.files
                               for n in ((name, name[:-5] + ".pdf") if name.endswith(".docx") else (name,))]
        bordereau = bordereau_text(c, entries)
        files[BORDEREAU] = bordereau.encode("utf-8")
        _replace_folder(folder, staging, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    archive = out_dir / f"{c.folder_name}.zip"
    write_atomic(archive, zip_bytes(c.folder_name, files))
    return folder, archive, entries


def _stage(folder: Path, files: dict[str, bytes]) -> Path:
    staging = folder.with_name(f".{folder.name}.tmp")
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, data in files.items():
            (staging / name).write_bytes(data)
    except OSError as exc:
        raise OutputError(f"{folder} : écriture impossible ({os_reason(exc)})") from None
    return staging


def _replace_folder(folder: Path, staging: Path, files: dict[str, bytes]) -> None:
    """The folder holds exactly `files` when this returns, or is left as it was."""
    ready = folder.with_name(f".{folder.name}.new")
    old = folder.with_name(f".{folder.name}.old")
    try:
        shutil.rmtree(ready, ignore_errors=True)
        ready.mkdir(parents=True)
        for name, data in sorted(files.items()):
            (ready / name).write_bytes(data)
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        ready.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(ready, ignore_errors=True)
        if old.exists() and not folder.exists():
            old.rename(folder)
        raise OutputError(f"{folder} : écriture impossible ({os_reason(exc)}) ; le dossier précédent est conservé") from None


_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_bytes(root: str, files: dict[str, bytes]) -> bytes:
    """The same files give the same bytes: sorted names, fixed dates and permissions."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{root}/{name}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()


def merge_pdfs(paths: list[Path]) -> bytes:
    """Several PDFs as one, in order (pypdf)."""
    from pypdf import PdfWriter  # only when attestations are merged: pypdf is not loaded otherwise

    writer = PdfWriter()
    for path in paths:
        try:
            writer.append(str(path))
        except Exception as exc:  # pypdf raises many types for a damaged file
            raise DataError(f"{display_path(path)} : PDF illisible ({type(exc).__name__}) ; "
                            "ouvrez-le et enregistrez-le de nouveau en PDF") from None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attestation_files(library: Library, selected: list[Mission]) -> list[Path]:
    """The attestations de bonne exécution of the selected references that have a file."""
    return [p for p in (_attestation_file(library, m) for m in selected) if p]


def append_attestations(pdf: Path, library: Library, selected: list[Mission]) -> int:
    """The dossier's PDF followed by the attestations of its references (build --annexes --pdf)."""
    files = attestation_files(library, selected)
    if files:
        write_atomic(pdf, merge_pdfs([pdf, *files]))
    return len(files)


_PDF_STAMPS = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)([^)]*)(\))|(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)"
                         rb"|(/DocChecksum\s*/)([0-9A-Fa-f]+)")


def normalize_pdf(data: bytes) -> bytes:
    """LibreOffice's PDF with its dates, identifier and checksum fixed, same lengths (offsets unchanged)."""
    def fixed(match: re.Match) -> bytes:
        if match.group(9):
            return match.group(9) + b"0" * len(match.group(10))
        if match.group(1):
            stamp = match.group(2)
            return match.group(1) + (b"19800101000000" + b"0" * max(len(stamp) - 14, 0))[:len(stamp)] + match.group(3)
        return (match.group(4) + b"0" * len(match.group(5)) + match.group(6) + b"0" * len(match.group(7))
                + match.group(8))

    return _PDF_STAMPS.sub(fixed, data)


def bordereau_text(c: Candidature, entries: list[Entry]) -> str:
    """What the RC asks and where it is in the folder, for the bid team and the buyer."""
    bid, firm = c.bid, c.people[0].data
    lines = ["BORDEREAU DES PIÈCES DE LA CANDIDATURE", ""]
    lines.append(f"Consultation : {bid.titre or 'à compléter'}"
                 + (f" (n° {bid.numero_consultation})" if bid.numero_consultation else ""))
    lines.append(f"Acheteur : {bid.acheteur or 'à compléter'}")
    if bid.date_limite:
        lines.append(f"Date limite de remise : {format_long_date(bid.date_limite)}")
    who = firm.nom if bid.groupement is None else "groupement " + bid.groupement.forme + " : " + ", ".join(
        p.data.nom + (" (mandataire)" if p.is_mandataire else "") for p in c.people)
    lines += [f"Candidat : {who}", ""]
    for number, entry in enumerate(entries, 1):
        where = ", ".join(entry.files) if entry.files else MANQUANT.upper()
        note = f" — {entry.note}" if entry.note and entry.note != MANQUANT else ""
        lines.append(f"{number}. {entry.label} : {where}{note}")
    return "\n".join(lines) + "\n"
