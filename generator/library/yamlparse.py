"""Composing a YAML text: PyYAML's safe C parser, then the data built by us (see yamlio).

Only this module imports PyYAML; yamlio loads it on the first text to parse, so that a
command finding the whole library in the cache does not pay for it at start-up.
"""

from __future__ import annotations

import re
from decimal import Decimal

import yaml

from generator.errors import ERROR, WARNING, Problem
from generator.library.yamlio import (_INVALID_XML, _RESERVED, COMMENT_CUT, DUPLICATE_KEY, Loc, YamlDocument,
                                      _char_label, loc_text)

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

def compose_into(doc: YamlDocument, text: str, name: str, source_lines: list[str]) -> None:
    """Compose `text` (already checked for forbidden characters) into `doc`: its data and the
    line of every key, or the problems that stop it."""
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
            return
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        doc.problems.append(Problem(name, None, None, f"syntaxe YAML invalide ; message d'origine : « {exc} »"))
        return
    if deep is not None:
        doc.problems.append(
            Problem(name, deep, None, f"plus de {MAX_DEPTH} listes ou groupes imbriqués les uns dans les autres : fichier refusé")
        )
        return
    if node is None:
        doc.problems.append(Problem(name, 1, None, "le fichier ne contient que des commentaires"))
        return
    if isinstance(node, yaml.ScalarNode) and node.style in _PLAIN and node.value in _NULLS:
        doc.problems.append(Problem(name, 1, None, "le fichier ne contient aucune valeur"))
        return
    builder = _Builder(name, source_lines, doc)
    try:
        doc.data = builder.build(node, ())
    except _TooLarge:
        doc.data = None
        doc.problems.append(
            Problem(name, node.start_mark.line + 1, None, "trop d'alias YAML (« & » / « * ») imbriqués : fichier refusé")
        )


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
    scalar = yaml.ScalarNode
    if node is None or isinstance(node, scalar):
        return None
    seen: set[int] = set()
    stack = [(node, 1)]
    while stack:  # only collections are stacked: most nodes are scalars
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            return node.start_mark.line + 1
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        stack.extend([(child, depth + 1) for child in reversed(children) if not isinstance(child, scalar)])
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
        # Escapes in double quotes ("\0", "\v") make characters the raw-text scan cannot see;
        # no other style has escapes.
        for char in sorted(set(_INVALID_XML.findall(node.value))) if node.style == '"' else ():
            self.problem(node, loc, f"{_char_label(char)} U+{ord(char):04X} interdit dans un document Word : supprimez-le")
        for sequence in _RESERVED if "_" in node.value else ():
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
