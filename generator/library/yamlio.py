"""Strict YAML reading: text in, plain Python data and the line of every key out.

PyYAML's own constructor is never used. We compose the node tree with the safe C
parser and build the data ourselves, so that:

- every scalar stays the text the user typed (no `no` → False, no `2018-2021` →
  date, no octal or sexagesimal numbers); pydantic converts it where the schema
  wants a number, a date or a yes/no;
- duplicate keys, explicit tags (`!!python/object`) and runaway aliases are refused;
- every key and list item keeps the line it was written on, for error messages.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"

try:
    from yaml.cyaml import CParser

    class _Loader(CParser):
        """The C parser without PyYAML's implicit typing, which we would throw away.

        Every scalar is kept as text anyway, so guessing int / bool / date for each of
        them (a Python regex walk per value, a quarter of the load time) is skipped; an
        explicit tag still arrives as written, and a plain « << » is still a merge key.
        """

        def descend_resolver(self, current_node, current_index):
            pass

        def ascend_resolver(self):
            pass

        def resolve(self, kind, value, implicit):
            if kind is yaml.ScalarNode:
                return _MERGE if implicit[0] and value == "<<" else _STR
            return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"

except ImportError:  # pragma: no cover - libyaml is bundled with PyYAML wheels
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# From PyYAML 6.0.4 on, libyaml stops at 1,000 levels of nesting: a document is composed first
# and its depth measured on the nodes. Before, and with the pure-Python composer, composing
# recurses without limit (a crash on a hostile file): the depth is measured on the event
# stream first, a second parse of every file.
_BOUNDED_COMPOSER = _Loader is not yaml.SafeLoader and tuple(int(n) for n in re.findall(r"\d+", yaml.__version__)[:3]) >= (6, 0, 4)

from generator.errors import ERROR, WARNING, Problem, os_reason
from generator.library.textfile import guess_encoding

Loc = tuple  # a path into the data: keys (str) and list indexes (int, from 0)

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:value",
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_PLAIN = (None, "")  # the C parser reports a plain scalar's style as "", the Python one as None
# A library file is a few hundred nodes; this bounds a "billion laughs" file to an instant.
MAX_NODES = 100_000
# Real files nest three or four levels; far deeper nesting is an attack or an accident.
MAX_DEPTH = 50
# A reference is a few kilobytes; beyond this the file is not one (and Word's XML parser would
# silently drop a text node over 10 MB).
MAX_BYTES = 2_000_000

# A duplicate key is skipped (the first value kept), so the rest of the file can still be checked.
DUPLICATE_KEY = "clé en double"

# The start of the warning for a value cut by « # »: text lost, so a build shows it even unasked.
COMMENT_CUT = "le texte après « # » est ignoré"

# Invisible characters pasted with text: legal, but « Étude\u200burbaine » no longer matches a search.
# (The joiners U+200C/U+200D are left alone: emoji and some scripts need them.)
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_INVISIBLE_NAMES = {"\u00ad": "trait d'union conditionnel", "\u200b": "espace de largeur nulle",
                    "\u2060": "gluon de mots", "\ufeff": "BOM au milieu du texte"}

# Characters Word cannot hold in a document (XML 1.0), and other invisible troublemakers.
# The line separators NEL, U+2028 and U+2029 end a line for the YAML parser (so its line numbers
# drift from the editor's) and show as nothing or a box in Word.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x85\u2028\u2029\ufffe\uffff\ud800-\udfff]")

# The Word template engine (docxtpl) rewrites these into « {{ », « %} »… in any text it prints.
_RESERVED = ("{_{", "}_}", "{_%", "%_}")

# C1 controls (but NEL) that YAML refuses in a file although XML would take them.
_UNPRINTABLE = re.compile("[\x7f-\x84\x86-\x9f]")

_CHAR_NAMES = {
    "\x00": "caractère nul",
    "\x0b": "tabulation verticale (saut de ligne manuel copié depuis Word)",
    "\x0c": "saut de page",
    "\x85": "saut de ligne invisible (NEL, copié depuis un PDF ou une page web)",
    "\u2028": "séparateur de ligne invisible (copié depuis un PDF ou une page web)",
    "\u2029": "séparateur de paragraphe invisible (copié depuis un PDF ou une page web)",
}


def _char_label(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "demi-caractère Unicode isolé (surrogate)"
    return _CHAR_NAMES.get(char, "caractère de contrôle")


def option_text_problem(value: str) -> str | None:
    """Why a text given on the command line cannot be used, as the YAML would say; None if it can.

    Invalid UTF-8 in an argument reaches Python as lone surrogates (surrogateescape)."""
    found = _INVALID_XML.search(value) or _UNPRINTABLE.search(value)
    if found:
        char = found.group(0)
        if "\udc80" <= char <= "\udcff":
            return "octets qui ne sont pas du texte UTF-8 (nom ou texte copié d'un autre encodage)"
        return f"{_char_label(char)} (U+{ord(char):04X}) interdit dans un texte"
    for reserved in _RESERVED:
        if reserved in value:
            return f"« {reserved} » est réservé au moteur des modèles Word ; retirez le « _ »"
    return None


@dataclass
class YamlDocument:
    data: object
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest enclosing key when it is absent."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            # A single value where a list is allowed is validated as item 0 of a list.
            single = tuple(part for part in loc if part != 0)
            if single != loc and single in self.lines:
                return self.lines[single]
            loc = loc[:-1]
        return self.lines.get((), None)


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text (BOM accepted), NFC-normalised with LF line ends; or a problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        guess = ""
        head = raw[:4000]
        encoding = guess_encoding(raw)
        if encoding == "utf-32":
            guess = " ; il est enregistré en UTF-32"
        elif encoding.startswith("utf-16"):
            guess = " ; il est enregistré en UTF-16 (« Unicode » dans le Bloc-notes)"
        elif b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xd0\xcf\x11\xe0", b"\xff\xd8")):
            return None, [Problem(path, None, None, "fichier binaire (document Word, PDF, image…) et non un texte "
                                  "YAML : ce n'est pas une fiche de la bibliothèque")]
        elif encoding == "cp1252":
            guess = " ; il semble enregistré en Windows-1252 (ANSI)"
        return None, [
            Problem(
                path,
                line,
                None,
                f"le fichier n'est pas en UTF-8 (octet 0x{byte:02X}){guess} : "
                "réenregistrez-le en UTF-8",
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), []


def read_yaml(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse one YAML file; problems are returned, never raised."""
    name = display or str(path)
    try:
        mode = os.stat(path).st_mode  # one call: a large library is ten thousand files
    except OSError as exc:
        if path.is_symlink():
            reason = "lien symbolique vers un fichier absent" if exc.errno == errno.ENOENT else os_reason(exc)
            return YamlDocument(None, problems=[Problem(name, None, None, f"lecture impossible : {reason}")])
        mode = None  # reading says why
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        # Reading a named pipe would wait forever.
        return YamlDocument(None, problems=[Problem(name, None, None, "lecture impossible : fichier spécial (tube, "
                                                    "périphérique), pas un fichier ordinaire")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return YamlDocument(None, problems=[Problem(name, None, None, f"lecture impossible : {os_reason(exc)}")])
    if len(raw) > MAX_BYTES:
        size = f"{len(raw) / 1e6:.1f}".replace(".", ",")
        return YamlDocument(None, problems=[Problem(
            name, None, None, f"fichier trop volumineux ({size} Mo ; au plus {MAX_BYTES // 1_000_000} Mo) : "
            "une référence tient en quelques Ko, est-ce le bon fichier ?")])
    text, problems = decode(raw, name)
    if text is None:
        return YamlDocument(None, problems=problems)
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> YamlDocument:
    doc = YamlDocument(None)
    source_lines = text.split("\n")
    if _INVALID_XML.search(text) or _UNPRINTABLE.search(text):
        for lineno, line in enumerate(source_lines, 1):
            for char in _INVALID_XML.findall(line):
                doc.problems.append(
                    Problem(name, lineno, None, f"{_char_label(char)} U+{ord(char):04X} interdit dans un document Word : supprimez-le")
                )
            for char in _UNPRINTABLE.findall(line):
                doc.problems.append(
                    Problem(name, lineno, None, f"caractère de contrôle U+{ord(char):04X} refusé en YAML "
                            "(souvent un texte mal converti depuis Windows-1252) : supprimez-le ou retapez le caractère")
                )
        return doc
    if not text.strip():
        doc.problems.append(Problem(name, 1, None, "le fichier est vide"))
        return doc
    if _INVISIBLE.search(text):
        for lineno, line in enumerate(source_lines, 1):
            for char in sorted(set(_INVISIBLE.findall(line))):
                what = _INVISIBLE_NAMES.get(char, "marque de direction du texte")
                doc.problems.append(Problem(
                    name, lineno, None, f"caractère invisible U+{ord(char):04X} ({what}) : il empêche de retrouver "
                    "le texte tapé normalement ; supprimez-le s'il n'est pas voulu", WARNING))
    try:
        deep = None if _BOUNDED_COMPOSER else _too_deep(text, _Loader)
        if deep is None:
            node = yaml.compose(text, Loader=_Loader)
            deep = _too_deep_tree(node) if _BOUNDED_COMPOSER else None
    except yaml.MarkedYAMLError as exc:
        # libyaml has its own nesting limit, which can fire before ours is reached; the
        # pure-Python parser has none, so it measures the depth where the C one gave up.
        deep = _too_deep_anyway(text)
        if deep is None:
            doc.problems.append(_syntax_problem(name, exc, text, source_lines))
            return doc
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        doc.problems.append(Problem(name, None, None, f"syntaxe YAML invalide ; message d'origine : « {exc} »"))
        return doc
    if deep is not None:
        doc.problems.append(
            Problem(name, deep, None, f"plus de {MAX_DEPTH} listes ou groupes imbriqués les uns dans les autres : fichier refusé")
        )
        return doc
    if node is None:
        doc.problems.append(Problem(name, 1, None, "le fichier ne contient que des commentaires"))
        return doc
    if isinstance(node, yaml.ScalarNode) and node.style in _PLAIN and node.value in _NULLS:
        doc.problems.append(Problem(name, 1, None, "le fichier ne contient aucune valeur"))
        return doc
    builder = _Builder(name, source_lines, doc)
    try:
        doc.data = builder.build(node, ())
    except _TooLarge:
        doc.data = None
        doc.problems.append(
            Problem(name, node.start_mark.line + 1, None, "trop d'alias YAML (« & » / « * ») imbriqués : fichier refusé")
        )
    return doc


def _too_deep(text: str, loader) -> int | None:
    """The line where nesting passes MAX_DEPTH, found on the event stream (which has no
    recursion) before the composer recurses into it and overflows the C stack."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark.line + 1
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return None


def _too_deep_tree(node) -> int | None:
    """`_too_deep` on a composed document: the first collection, in the order of the file, more
    than MAX_DEPTH levels down (an alias is not entered again, as on the event stream)."""
    seen: set[int] = set()
    stack = [(node, 1)] if node is not None else []
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or isinstance(node, yaml.ScalarNode):
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            return node.start_mark.line + 1
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        stack.extend((child, depth + 1) for child in reversed(children))
    return None


def _too_deep_anyway(text: str) -> int | None:
    """`_too_deep` with the pure-Python parser, which stops at no nesting limit of its own."""
    try:
        return _too_deep(text, yaml.SafeLoader)
    except yaml.YAMLError:
        return None


class _TooLarge(Exception):
    pass


class _Builder:
    def __init__(self, name: str, source_lines: list[str], doc: YamlDocument):
        self.name = name
        self.source_lines = source_lines
        self.doc = doc
        self.count = 0

    def problem(self, node, loc: Loc, message: str, severity: str = ERROR) -> None:
        self.doc.problems.append(Problem(self.name, node.start_mark.line + 1, loc_text(loc), message, severity))

    def build(self, node, loc: Loc):
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        self.doc.lines.setdefault(loc, node.start_mark.line + 1)
        if node.tag not in _STANDARD_TAGS:
            short = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(node, loc, f"balise YAML « {short} » refusée : écrivez la valeur sans balise")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        return self.mapping(node, loc)

    def scalar(self, node, loc: Loc):
        if node.style in _PLAIN:
            if node.value in _NULLS:
                return None
            self.check_comment(node, loc)
        # Escapes in double quotes ("\0", "\v") make characters the raw-text scan cannot see.
        for char in sorted(set(_INVALID_XML.findall(node.value))):
            self.problem(node, loc, f"{_char_label(char)} U+{ord(char):04X} interdit dans un document Word : supprimez-le")
        for sequence in _RESERVED:
            if sequence in node.value:
                self.problem(node, loc, f"la suite « {sequence} » est réservée par le moteur des modèles Word, "
                             "qui la changerait en balise : séparez ces caractères")
        return node.value

    def check_comment(self, node, loc: Loc) -> None:
        """Warn when an unquoted value is cut by a ` #` the user meant as text."""
        end = node.end_mark
        # Nearly every line has no « # » at all: a plain search first spares the regex.
        if end.line >= len(self.source_lines) or "#" not in self.source_lines[end.line]:
            return
        rest = self.source_lines[end.line][end.column :]
        if re.match(r"\s+#", rest) and loc and isinstance(loc[-1], str):
            self.problem(
                node,
                loc,
                f"{COMMENT_CUT} (commentaire YAML) : « {rest.strip()[1:].strip()} » ; "
                "mettez toute la valeur entre guillemets pour le garder",
                WARNING,
            )

    def mapping(self, node, loc: Loc) -> dict:
        result: dict = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.problem(key_node, loc, "la fusion YAML « << » n'est pas prise en charge")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, loc, "une clé doit être un simple mot")
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in first_line:
                self.problem(
                    key_node,
                    loc + (key,),
                    f"{DUPLICATE_KEY} (déjà définie ligne {first_line[key]}) : la seconde écraserait la première",
                )
                continue
            first_line[key] = line
            self.doc.lines[loc + (key,)] = line
            result[key] = self.build(value_node, loc + (key,))
        return result


def loc_text(loc: Loc) -> str | None:
    """`('montant', 0, 'valeur')` → "montant[1].valeur" (list items counted from 1)."""
    text = ""
    for part in loc:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


# The few PyYAML errors told apart by their English wording, for want of a type or a position
# that says what went wrong. Each entry is pinned by a test (tests/test_yaml_reading.py) with a
# file that produces it, so a PyYAML release that rewords one fails the suite rather than
# showing the user English; a wording not listed is shown quoted after a French message.
_YAML_ERRORS = (
    (yaml.scanner.ScannerError, "could not find expected ':'", "« : » manquant après une clé, ou ligne mal indentée"),
    (yaml.parser.ParserError, "did not find expected key", "indentation incohérente : une clé n'est pas alignée avec les autres"),
    (yaml.parser.ParserError, "did not find expected '-' indicator", "élément de liste mal aligné"),
    (yaml.parser.ParserError, "did not find expected node content",
     "valeur attendue manquante : un « - », « ... » ou « : » est mal placé"),
    (yaml.scanner.ScannerError, "block sequence entries are not allowed",
     "élément de liste « - » inattendu : vérifiez l'indentation"),
)

# Characters YAML reserves at the start of a plain value.
_RESERVED_START = "@`%"


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError, text: str, source_lines: list[str]) -> Problem:
    """A French message for a PyYAML syntax error, at the line it points to."""
    mark = exc.problem_mark or exc.context_mark
    return Problem(name, mark.line + 1 if mark else None, None,
                   f"syntaxe YAML invalide {_explain_yaml_error(exc, text, source_lines)}")


def _explain_yaml_error(exc: yaml.MarkedYAMLError, text: str, source_lines: list[str]) -> str:
    """What went wrong, told by the error's type and the characters its marks point at."""

    def char_at(mark) -> str:
        if mark is None or mark.line >= len(source_lines) or mark.column >= len(source_lines[mark.line]):
            return ""
        return source_lines[mark.line][mark.column]

    problem, context = exc.problem_mark, exc.context_mark
    char, opening = char_at(problem), char_at(context)
    before = source_lines[problem.line][: problem.column] if problem and problem.line < len(source_lines) else ""
    at_end = problem is not None and problem.index >= len(text.rstrip())
    scanner = isinstance(exc, yaml.scanner.ScannerError)
    if char == "\t":
        return ": tabulation interdite en YAML, indentez avec des espaces"
    if isinstance(exc, yaml.parser.ParserError) and before.rstrip().endswith(("\"", "'")):
        return ": texte après le guillemet fermant ; mettez toute la valeur entre guillemets"
    if scanner and opening in ("\"", "'"):
        if at_end:
            return ": guillemet ou crochet non refermé"
        escape = before.rfind("\\")
        if char == "\\":
            return (": « \\ » suivi d'un caractère inconnu entre guillemets doubles : doublez-le (\\\\) "
                    "ou utilisez des guillemets simples")
        if escape >= 0 and before[escape + 1: escape + 2] in ("u", "U", "x"):
            return ": code « \\u » invalide entre guillemets (caractère Unicode impossible)"
    if isinstance(exc, yaml.parser.ParserError) and opening in ("[", "{") and at_end:
        return ": crochet ou accolade non refermé"
    if isinstance(exc, yaml.composer.ComposerError):
        if char == "*":
            return ": alias « * » sans ancre « & » correspondante"
        if before == "" and source_lines[problem.line].startswith("---"):
            return ": un seul document YAML par fichier (retirez les « --- » en trop)"
    if scanner and char == ":" and context is None:
        return ": « : » inattendu ; si la valeur contient « : », mettez-la entre guillemets"
    if scanner and char and char in _RESERVED_START and (problem.line, problem.column) == (context.line, context.column):
        return f": « {char} » ne peut pas commencer une valeur : mettez-la entre guillemets"
    english = " ".join(filter(None, [exc.context, exc.problem]))
    for kind, needle, french in _YAML_ERRORS:
        if isinstance(exc, kind) and needle in english:
            return f": {french}"
    return f"; message d'origine : « {english} »"


def dump_yaml(data: dict) -> str:
    """Human-friendly YAML: keys in the given order, unicode kept, long text as blocks."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=float("inf"))


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Lists indented under their key, as people write them by hand.
        return super().increase_indent(flow, False)


def _str_representer(dumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_representer)
# An amount is written as the digits it holds (« 99999.995 »), never through a float.
def _decimal_representer(dumper, value: Decimal):
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


_Dumper.add_representer(Decimal, _decimal_representer)
# An empty field is written empty (`programme:`), as the fiche had it.
_Dumper.add_representer(type(None), lambda dumper, _: dumper.represent_scalar("tag:yaml.org,2002:null", ""))
