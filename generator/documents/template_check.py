"""A static check of a Word template before any rendering: broken tags, tags cut across
runs, unknown variables — each located by the paragraph that holds it.

The template's text is read with python-docx, one line per paragraph (body, table cells,
headers and footers), docxtpl's `{%p …%}`/`{%tr …%}` prefixes removed, and parsed with
Jinja; variables are then checked against the documented context (context.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import nodes

from generator.documents.context import DOCUMENT_VARIABLES, TEMPLATE_VARIABLES as DOCUMENT_TEMPLATES
from generator.documents.forms import FORM_VARIABLES

TEMPLATE_VARIABLES = {**DOCUMENT_TEMPLATES, **FORM_VARIABLES}
from generator.errors import Problem, TemplateError
from generator.documents.render import jinja_env
from generator.documents.sandbox import MAX_RANGE
from generator.library.vocabulary import nearest

_DOCXTPL_PREFIX = re.compile(r"(\{%|\{\{)(?:p|tr|tc|r)(?=\s)")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_ENV = jinja_env()  # the renderer's own environment: the same filters and tests
_MUTATING = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "add",
             "discard", "sort", "reverse", "difference_update", "intersection_update", "symmetric_difference_update"}
_LOOP = object()  # a name whose attributes are not checked (loop, set variables, macros)


@dataclass(frozen=True)
class Paragraph:
    where: str  # « paragraphe 12 », « pied de page »…
    text: str
    runs: tuple[str, ...]

    def label(self) -> str:
        excerpt = self.text if len(self.text) <= 60 else self.text[:57] + "…"
        return f"{self.where} « {excerpt} »"


def read_paragraphs(path: Path) -> list[Paragraph]:
    from docx import Document

    try:
        document = Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for a bad package
        raise TemplateError(f"{path} : modèle Word illisible ({type(exc).__name__}) ; est-ce bien un fichier .docx ?") from None
    out: list[Paragraph] = []

    def walk(container, where: str) -> None:
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell, where)
            else:
                number = sum(1 for p in out if p.where.startswith(where)) + 1
                out.append(Paragraph(f"{where} {number}", block.text, tuple(r.text for r in block.runs)))

    walk(document, "paragraphe")
    for section in document.sections:
        for part, name in ((section.header, "en-tête, paragraphe"), (section.footer, "pied de page, paragraphe"),
                           (section.first_page_header, "en-tête de première page, paragraphe"),
                           (section.first_page_footer, "pied de première page, paragraphe"),
                           (section.even_page_header, "en-tête de page paire, paragraphe"),
                           (section.even_page_footer, "pied de page paire, paragraphe")):
            if not part.is_linked_to_previous:
                walk(part, name)
    return out


def _split_tags(paragraph: Paragraph) -> list[str]:
    """Tags whose characters lie in more than one run (Word's spell-checker or an edit cut them)."""
    bounds, position = [], 0
    for run in paragraph.runs:
        position += len(run)
        bounds.append(position)
    split = []
    for match in _TAG.finditer(paragraph.text):
        if any(match.start() < b < match.end() for b in bounds[:-1]):
            split.append(match.group())
    return split


def _unbalanced(text: str) -> str | None:
    for opening, closing in (("{{", "}}"), ("{%", "%}"), ("{#", "#}")):
        if text.count(opening) != text.count(closing):
            return f"balise « {opening} … {closing} » non refermée ({text.count(opening)} ouverture(s), {text.count(closing)} fermeture(s))"
    return None


def variables_for(path: Path, kind: str | None) -> dict[str, str]:
    """The documented variables of the template kind, guessed when not given: from the file
    name, else (a renamed copy such as « cv-cabinet.docx ») the set it fits best."""
    if kind:
        return TEMPLATE_VARIABLES[kind]
    if path.stem in TEMPLATE_VARIABLES:
        return TEMPLATE_VARIABLES[path.stem]
    sets = list({id(v): v for v in TEMPLATE_VARIABLES.values()}.values())
    return min(sets, key=lambda v: (len(check_template(path, v)), v is not DOCUMENT_VARIABLES))


def check_template(path: Path, variables: dict[str, str]) -> list[Problem]:
    paragraphs = read_paragraphs(path)
    shown = str(path)
    problems = []
    for paragraph in paragraphs:
        broken = _unbalanced(paragraph.text)
        if broken:
            problems.append(Problem(shown, None, None, f"{paragraph.label()} : {broken}"))
        for tag in _split_tags(paragraph):
            problems.append(Problem(shown, None, None, f"{paragraph.label()} : balise « {tag} » coupée entre plusieurs "
                                    "mises en forme ; sélectionnez-la, effacez-la et retapez-la d'un seul tenant"))
    if problems:
        return problems
    source = "\n".join(_DOCXTPL_PREFIX.sub(r"\1", p.text) for p in paragraphs)
    try:
        tree = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [Problem(shown, None, None, _syntax_message(exc, paragraphs))]
    checker = _Checker(variables)
    checker.visit(tree, {})
    return [Problem(shown, None, None, f"{paragraphs[line - 1].label()} : {message}") for line, message in checker.found]


_BLOCK = re.compile(r"\{%-?\s*(?:(?:p|tr|tc|r)\s+)?(end)?(for|if|with|macro|call|filter|block|raw)\b")


def _syntax_message(exc: jinja2.TemplateSyntaxError, paragraphs: list[Paragraph]) -> str:
    """Jinja's syntax error in French, at the paragraph that opened an unclosed block when it is one."""
    stack: list[tuple[str, Paragraph]] = []
    for paragraph in paragraphs:
        for match in _BLOCK.finditer(paragraph.text):
            closing, keyword = match.groups()
            if not closing:
                stack.append((keyword, paragraph))
            elif stack and stack[-1][0] == keyword:
                stack.pop()
            else:
                return f"{paragraph.label()} : « end{keyword} » sans « {keyword} » ouvert avant lui"
    if stack and "end of template" in exc.message:
        keyword, paragraph = stack[-1]
        return f"{paragraph.label()} : bloc « {keyword} » jamais refermé (il manque {{%p end{keyword} %}})"
    line = exc.lineno or 0
    where = paragraphs[line - 1].label() if 0 < line <= len(paragraphs) else "modèle"
    return f"{where} : balise Jinja invalide ({exc.message})"


_OPERATORS = {nodes.Add: int.__add__, nodes.Sub: int.__sub__, nodes.Mul: int.__mul__, nodes.FloorDiv: int.__floordiv__}


def _constant(node) -> int:
    """The value of a number written in a tag (« 10**12 », « 5 * 1000 »); TypeError when not one."""
    if isinstance(node, nodes.Const) and isinstance(node.value, int):
        return node.value
    if isinstance(node, nodes.Neg):
        return -_constant(node.node)
    if isinstance(node, nodes.Pow):
        base, exponent = _constant(node.left), _constant(node.right)
        if not 0 <= exponent <= 64:
            raise OverflowError
        return base ** exponent
    if type(node) in _OPERATORS:
        return _OPERATORS[type(node)](_constant(node.left), _constant(node.right))
    raise TypeError


class _Checker:
    """Walks the Jinja tree, following loop variables to the documented path they stand for."""

    def __init__(self, variables: dict[str, str]):
        self.paths = set(variables)
        self.prefixes = {p.rsplit(".", 1)[0] for p in self.paths if "." in p} | {
            p[: i] for p in self.paths for i in range(len(p)) if p.startswith("[]", i)
        }
        self.found: list[tuple[int, str]] = []
        self._reported: set[tuple[int, str]] = set()

    def known(self, path: str) -> bool:
        return path in self.paths or path in self.prefixes

    def report(self, node, path: str, shown: str) -> None:
        parent, _, last = path.rpartition(".")
        siblings = [p.rpartition(".")[2] for p in self.paths | self.prefixes if p.rpartition(".")[0] == parent]
        guess = nearest(last, siblings)
        written = shown.rpartition(".")[0]
        hint = f" ; vouliez-vous dire « {written + '.' if written else ''}{guess[0]} » ?" if guess else ""
        key = (node.lineno, shown)
        if key not in self._reported:
            self._reported.add(key)
            self.found.append((node.lineno, f"variable inconnue « {shown} »{hint} (voir « dossier templates variables »)"))

    def resolve(self, node, scope: dict):
        """(documented path or _LOOP or None, the expression as written) of a variable expression."""
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            self.sandbox(node)
        else:
            self.visit(node, scope)
            return None, ""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name], node.name
            if node.name in {"loop", "range", "dict", "cycler", "joiner", "namespace", "true", "false", "none"}:
                return _LOOP, node.name
            if self.known(node.name):
                return node.name, node.name
            self.report(node, node.name, node.name)
            return _LOOP, node.name
        if isinstance(node, nodes.Getattr):
            base, shown = self.resolve(node.node, scope)
            return self.extend(node, base, f".{node.attr}", f"{shown}.{node.attr}")
        if isinstance(node, nodes.Getitem):
            base, shown = self.resolve(node.node, scope)
            self.visit(node.arg, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.extend(node, base, f".{node.arg.value}", f"{shown}.{node.arg.value}")
            if base in (None, _LOOP):
                return base, shown
            return (base + "[]" if self.known(base + "[]") else None), f"{shown}[…]"

    def extend(self, node, base, suffix: str, shown: str):
        if base in (None, _LOOP):
            return base, shown
        path = base + suffix
        if self.known(path):
            return path, shown
        if base in self.paths and base not in self.prefixes:
            return None, shown  # attribute of a plain value (a string method…): not ours to judge
        self.report(node, path, shown)
        return _LOOP, shown

    def bind(self, target, path, scope: dict) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = path
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                inner = path + "[]" if isinstance(path, str) and self.known(path + "[]") else _LOOP
                self.bind(item, inner, scope)

    def refuse(self, node, what: str) -> None:
        """What the renderer's sandbox would refuse, found before any rendering."""
        self.found.append((node.lineno, f"{what} : refusé par le bac à sable des modèles (rien ne serait écrit)"))

    def sandbox(self, node) -> None:
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            self.refuse(node, f"accès à « {node.attr} », interdit dans un modèle")
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and str(node.arg.value).startswith("_"):
            self.refuse(node, f"accès à « {node.arg.value} », interdit dans un modèle")
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args and isinstance(node.args[0], nodes.Const) \
                and str(node.args[0].value).startswith("_"):
            self.refuse(node, f"accès à « {node.args[0].value} », interdit dans un modèle")
        elif isinstance(node, nodes.Name) and node.name == "lipsum":
            self.refuse(node, "« lipsum » (texte de remplissage)")
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and node.node.attr in _MUTATING:
            self.refuse(node, f"« .{node.node.attr}() » modifie les données")
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == "range":
            try:
                count = len(range(*(_constant(arg) for arg in node.args)))
            except (TypeError, ValueError, OverflowError):  # known only when rendering: the renderer checks it
                return
            if count > MAX_RANGE:
                self.refuse(node, f"boucle sur {count} nombres (au plus {MAX_RANGE})")

    def visit(self, node, scope: dict) -> None:
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            self.resolve(node, scope)
            return
        self.sandbox(node)
        if isinstance(node, nodes.For):
            path, _ = self.resolve(node.iter, scope)
            inner = dict(scope)
            element = path + "[]" if isinstance(path, str) and self.known(path + "[]") else (
                None if isinstance(path, str) else _LOOP)
            self.bind(node.target, element, inner)
            for child in (node.test, *node.body):
                if child is not None:
                    self.visit(child, inner)
            for child in node.else_:
                self.visit(child, scope)
            return
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            if isinstance(node, nodes.Assign):
                self.visit(node.node, scope)
            self.bind(node.target, _LOOP, scope)
            return
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = dict(scope)
            for arg in getattr(node, "args", []):
                self.bind(arg, _LOOP, inner)
            for child in node.body:
                self.visit(child, inner)
            return
        if isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values):
                self.visit(value, scope)
                self.bind(target, _LOOP, inner)
            for child in node.body:
                self.visit(child, inner)
            return
        if isinstance(node, (nodes.Filter, nodes.Test)):
            known = _ENV.filters if isinstance(node, nodes.Filter) else _ENV.tests
            if node.name not in known:
                kind = "filtre" if isinstance(node, nodes.Filter) else "test"
                guess = nearest(node.name, list(known))
                hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
                self.found.append((node.lineno, f"{kind} Jinja inconnu « {node.name} »{hint}"))
        for child in node.iter_child_nodes():
            self.visit(child, scope)


def variables_markdown() -> str:
    """The README's list of template variables, generated from context.py so it cannot drift."""
    groups: dict[int, tuple[list[str], dict[str, str]]] = {}
    for name, variables in TEMPLATE_VARIABLES.items():
        groups.setdefault(id(variables), ([], variables))[0].append(name)
    lines = []
    for names, variables in groups.values():
        lines += ["", f"Templates {', '.join(f'`{n}`' for n in names)}:", "", "| variable | content |", "|---|---|"]
        lines += [f"| `{path}` | {text} |" for path, text in variables.items()]
    return "\n".join(lines[1:]) + "\n"
