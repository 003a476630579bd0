"""The Jinja environment templates render in: sandboxed, with bounded work and output.

A Word template is an input from outside (a partner's model in a groupement, one found on
a shared drive): its tags must not reach Python's internals, change the data, run for ever
or fill the memory. `SandboxedTemplates` refuses, with a `Refused` error a person can read:

- any attribute of a value that is not plain data (strings, numbers, dates, lists, dicts,
  Jinja's loop helpers) and anything starting with « _ » (the usual escapes,
  `cycler.__init__.__globals__…`, go through such attributes);
- methods that change a list or a dict (Jinja's immutable sandbox);
- more than `MAX_STEPS` loop turns and calls in one document, a loop over more than
  `MAX_RANGE` numbers, a text longer than `MAX_TEXT` characters built by a tag, an output
  larger than `MAX_OUTPUT`, and a render longer than `MAX_SECONDS`.

The limits are far above what a real document needs (a dossier of 300 references takes a
few thousand loop turns and a few megabytes of XML).
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup

MAX_STEPS = 2_000_000
MAX_RANGE = 10_000
MAX_TEXT = 5_000_000
MAX_OUTPUT = 200_000_000
MAX_SECONDS = 60.0
MAX_WIDTH = 10_000  # the width of a padded or indented text (center, indent, format…)

_PLAIN = (str, int, float, Decimal, bool, type(None), date, datetime, list, tuple, dict, Markup, range,
          LoopContext, Namespace, Cycler, Joiner)


class Refused(SecurityError):
    """What the sandbox refuses, in French, for the person who edits the template."""


def _too_long(what: str) -> Refused:
    return Refused(f"{what} : le texte produit dépasserait {MAX_TEXT:,} caractères".replace(",", " "))


class _Generator(CodeGenerator):
    """Jinja's code generator, with every `for` loop and every `~` concatenation counted."""

    _guarded: nodes.Node | None = None

    def visit_For(self, node: nodes.For, frame) -> None:
        outer, self._guarded = self._guarded, node.iter
        try:
            super().visit_For(node, frame)
        finally:
            self._guarded = outer

    def visit(self, node, *args, **kwargs):
        if node is not None and node is self._guarded:
            self._guarded = None
            self.write("environment.guard_loop(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.guard_text(")
        super().visit_Concat(node, frame)
        self.write(")")


class _Template(jinja2.Template):
    def render(self, *args, **kwargs) -> str:
        """The template's output, refused as soon as it grows beyond MAX_OUTPUT."""
        environment = self.environment
        context = self.new_context(dict(*args, **kwargs))
        chunks, size = [], 0
        for chunk in self.root_render_func(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise Refused(f"le document produit dépasserait {MAX_OUTPUT // 1_000_000} millions de caractères")
            chunks.append(chunk)
        environment.tick()
        return "".join(chunks)


def _safe_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise Refused(f"range{args} : une boucle ne peut pas parcourir plus de {MAX_RANGE:,} nombres".replace(",", " "))
    return numbers


_WIDTH_FORMAT = re.compile(r"%[-+ #0]*(\d+)|\{[^{}]*?:[^{}]*?(\d+)[^{}]*\}")


def _check_format(text: str) -> None:
    for match in _WIDTH_FORMAT.finditer(text):
        width = match.group(1) or match.group(2)
        if width and int(width) > MAX_WIDTH:
            raise Refused(f"largeur {width} dans « {match.group(0)} » : au plus {MAX_WIDTH}")


def _check_amplifier(name: str, value, args: tuple, kwargs: dict) -> None:
    """Refuse, before computing it, a text that padding, indenting or replacing would blow up."""
    text = str(value) if isinstance(value, str) else None
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
    if name in ("center", "ljust", "rjust", "zfill", "indent", "wordwrap", "truncate", "expandtabs", "batch", "slice"):
        for number in numbers:
            if abs(number) > MAX_WIDTH:
                raise Refused(f"« {name}({number}) » : au plus {MAX_WIDTH}")
        if text is not None and name in ("indent", "expandtabs"):
            width = max(numbers, default=8)
            if len(text) * (max(width, 1) + 1) > MAX_TEXT:
                raise _too_long(name)
    if name == "replace" and text is not None and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        count = text.count(old) if old else len(text) + 1
        if len(text) + count * len(new) > MAX_TEXT:
            raise _too_long("replace")
    if name in ("format", "__mod__") and text is not None:
        _check_format(text)


# The code of the template sources compiled in this process, by (source, autoescape).
_COMPILED: dict = {}
_COMPILED_KEPT = 32


class SandboxedTemplates(ImmutableSandboxedEnvironment):
    """StrictUndefined and autoescape, as before, inside Jinja's immutable sandbox with limits."""

    code_generator_class = _Generator
    template_class = _Template
    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def __init__(self, **options):
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True, **options)
        self._plain = not options  # compiled as every other default environment (from_string)
        self.globals["range"] = _safe_range
        self.globals.pop("lipsum", None)  # random filler text, never wanted in a candidature
        for name, function in list(self.filters.items()):
            self.filters[name] = self._guard_filter(name, function)
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def from_string(self, source, globals=None, template_class=None):
        """Jinja's from_string, compiling a source once per process: `fiches` renders one file per
        mission from the same template, each in a fresh environment (its own budgets), and the
        compilation was most of the time of each. The code is the same for every environment
        built alike, and it is kept in memory only, never on disk."""
        if not self._plain or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = (source, self.autoescape)
        code = _COMPILED.get(key)
        if code is None:
            code = self.compile(source)
            while len(_COMPILED) >= _COMPILED_KEPT:
                del _COMPILED[next(iter(_COMPILED))]
            _COMPILED[key] = code
        return self.template_class.from_code(self, code, self.make_globals(globals), None)

    # --- counting the work -------------------------------------------------------------------

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise Refused(f"le modèle demande plus de {MAX_STEPS:,} tours de boucle ou appels".replace(",", " "))
        if self.steps % 1024 == 0 and time.monotonic() > self.deadline:
            raise Refused(f"le modèle tourne depuis plus de {MAX_SECONDS:.0f} secondes")

    def guard_loop(self, iterable: Iterable):
        if isinstance(iterable, range) and len(iterable) > MAX_RANGE:
            _safe_range(iterable.start, iterable.stop, iterable.step)
        for item in iterable:
            self.tick()
            yield item

    def guard_text(self, text):
        if isinstance(text, str) and len(text) > MAX_TEXT:
            raise _too_long("~")
        return text

    # --- what a tag may reach ----------------------------------------------------------------

    def is_safe_attribute(self, obj, attr: str, value) -> bool:
        if attr.startswith("_") or not isinstance(obj, _PLAIN):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def unsafe_undefined(self, obj, attribute: str):
        return self.undefined(
            f"« {attribute} » n'est pas accessible depuis un modèle ({type(obj).__name__})",
            name=attribute, obj=obj, exc=Refused,
        )

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        __self.tick()
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        name, owner = getattr(target, "__name__", ""), getattr(target, "__self__", None)
        if isinstance(owner, str):
            _check_amplifier("format" if name == "format_map" else name, owner, args, kwargs)
            if name == "join" and args:
                items = list(args[0])
                if len(owner) * len(items) + sum(len(str(i)) for i in items) > MAX_TEXT:
                    raise _too_long("join")
                args = (items, *args[1:])
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context, operator_name: str, left, right):
        if operator_name == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) and len(sequence) * count > MAX_TEXT:
                    raise _too_long("*")
        if operator_name == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and max(abs(left), 2).bit_length() * right > 100_000:
                raise Refused(f"{left} ** {right} : nombre trop grand")
        if operator_name == "%" and isinstance(left, str):
            _check_format(left)
        result = {"*": operator.mul, "**": operator.pow, "%": operator.mod, "+": operator.add,
                  "//": operator.floordiv}[operator_name](left, right)
        return self.guard_text(result) if isinstance(result, str) else result

    def _guard_filter(self, name: str, function):
        def guarded(*args, **kwargs):
            self.tick()
            # Filters receive the environment or context first when they ask for it.
            values = [a for a in args if not isinstance(a, (jinja2.Environment, jinja2.runtime.Context,
                                                           jinja2.nodes.EvalContext))]
            if values:
                _check_amplifier(name, values[0], tuple(values[1:]), kwargs)
                if name == "join":
                    items = list(values[0])
                    separator = str(values[1]) if len(values) > 1 else str(kwargs.get("d", ""))
                    if len(separator) * len(items) + sum(len(str(i)) for i in items) > MAX_TEXT:
                        raise _too_long("join")
                    args = tuple(items if a is values[0] else a for a in args)
            result = function(*args, **kwargs)
            return self.guard_text(result) if isinstance(result, str) else result

        for attribute in ("jinja_pass_arg",):  # pass_context / pass_environment / pass_eval_context
            if hasattr(function, attribute):
                setattr(guarded, attribute, getattr(function, attribute))
        guarded.__name__ = getattr(function, "__name__", name)
        return guarded


def refusal_message(exc: BaseException) -> str:
    """Why the sandbox stopped a template, in French."""
    if isinstance(exc, Refused):
        return f"refusé par le bac à sable des modèles : {exc}"
    if isinstance(exc, MemoryError):
        return "refusé : le modèle demande trop de mémoire"
    if isinstance(exc, RecursionError):
        return "refusé : une macro du modèle s'appelle elle-même sans fin"
    text = str(exc)
    if "is not safely callable" in text or "access to attribute" in text or "unsafe" in text:
        return "refusé par le bac à sable des modèles : accès à l'intérieur de Python interdit dans un modèle"
    if "Range too big" in text:
        return f"refusé par le bac à sable des modèles : une boucle ne peut pas parcourir plus de {MAX_RANGE} nombres"
    return f"refusé par le bac à sable des modèles : {type(exc).__name__}"
