"""Changing one library file in place: the user's comments, key order and layout kept.

A record edited elsewhere (a web form) arrives as plain data. Only the keys whose value
changed are rewritten, through a round-trip YAML library, so a comment, a quoted value or
the order of the keys stays as the user wrote it. The new text is then read back with the
library's own strict reader and schema, and checked for what `check` calls an error: a
file is never written that the library would refuse. The version of a file is the hash of
its bytes; a save names the version it started from, and is refused when the file moved
on since (another person, an editor, git).
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import LiteralScalarString

from generator.errors import DataError, Problem
from generator.library.loader import Library
from generator.library.models import Cabinet, Mission, Model
from generator.library.validation import validate
from generator.library.yamlio import YamlDocument, decode, parse_yaml
from generator.output import write_atomic

SCHEMA_HEADER = "# yaml-language-server: $schema={prefix}schema/{name}.schema.json\n"

# Saves are few and short: one lock for the whole library keeps « check the version, then
# write » a single step when two people press « Enregistrer » at the same moment.
_WRITE_LOCK = threading.Lock()


def version_of(raw: bytes | None) -> str:
    """The version a form remembers: a hash of the file's bytes (empty for a new file)."""
    return "" if raw is None else hashlib.sha256(raw).hexdigest()[:20]


class Conflict(DataError):
    """The file changed since the form was opened: nothing written."""

    def __init__(self, message: str, current: bytes | None):
        super().__init__(message)
        self.current = current


@dataclass
class Draft:
    """The text a save would write, and why it cannot be written (errors), if so."""

    text: str
    problems: list[Problem] = field(default_factory=list)
    item: Model | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 10**9  # never fold a long value the user wrote on one line
    yaml.indent(mapping=2, sequence=4, offset=2)  # the library's own layout (lists under their key)
    yaml.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", ""))
    return yaml


def _rt_value(value):
    """Plain data → what the round-trip writer prints the library's way (long text as a block)."""
    if isinstance(value, str):
        return LiteralScalarString(value) if "\n" in value else value
    if isinstance(value, list):
        return [_rt_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _rt_value(v) for k, v in value.items()}
    return value


def empty(value) -> bool:
    return value in (None, "", [], {}, False)


def apply_changes(original: str | None, changes: dict, order: list[str], header: str = "") -> str:
    """`original` with each key of `changes` set (or removed when empty); other keys untouched.

    A new key goes where the schema's `order` puts it among the keys already there.
    """
    yaml = _yaml()
    doc = yaml.load(original) if original and original.strip() else None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
        original = None
    for key, value in changes.items():
        if empty(value):
            doc.pop(key, None)
            continue
        if key in doc:
            doc[key] = _rt_value(value)
            continue
        rank = order.index(key) if key in order else len(order)
        position = sum(1 for k in doc if k in order and order.index(k) < rank)
        doc.insert(position, key, _rt_value(value))
    out = io.StringIO()
    if doc:
        yaml.dump(doc, out)
    return (header if original is None else "") + out.getvalue()


def validate_text(text: str, name: str, model: type[Model], library: Library | None, path: Path,
                  today: date) -> Draft:
    """The record the text describes, with every problem the library would report on it."""
    draft = Draft(text)
    doc = parse_yaml(text, name)
    item, draft.problems = validate(doc, model, name)
    if item is None:
        return draft
    if hasattr(item, "id") and item.id is None:
        item.id = path.stem
    draft.item = item
    if library is not None:
        draft.problems = _domain_errors(item, doc, name, library, path, today)
    return draft


def _domain_errors(item: Model, doc: YamlDocument, name: str, library: Library, path: Path,
                   today: date) -> list[Problem]:
    from generator.library.checks import check_library
    from generator.library.loader import source_of

    problems = []
    if isinstance(item, Mission):  # the domain errors of check are about missions
        alone = Library(root=library.root, missions=[item])
        alone.sources[(type(item).__name__, id(item))] = (name, doc)
        problems += check_library(alone, today, errors_only=True)
    if getattr(item, "id", None) is not None and not isinstance(item, Cabinet):
        for other in getattr(library, _kind_of(item), []):
            where = source_of(library, other)
            if other.id == item.id and where and Path(where[0]).name != path.name:
                problems.append(Problem(name, doc.line_of(("id",)), "id",
                                        f"identifiant « {item.id} » déjà utilisé par {where[0]}"))
    return problems


def _kind_of(item: Model) -> str:
    from generator.library.models import KINDS

    return next(k for k, m in KINDS.items() if isinstance(item, m))


def read_current(path: Path) -> tuple[bytes | None, str | None]:
    """The file's bytes and text as it is on disk now (None, None when absent)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    text, _ = decode(raw, str(path))
    return raw, text


def save(path: Path, text: str, expected_version: str) -> str:
    """Write `text` atomically unless the file changed since `expected_version`; the new version.

    Conflict when someone else saved first (or created the file, for a new record).
    """
    with _WRITE_LOCK:
        current, _ = read_current(path)
        if version_of(current) != expected_version:
            if current is None:
                raise Conflict(f"{path.name} a été supprimé depuis l'ouverture du formulaire : rien n'a été enregistré",
                               None)
            if not expected_version:
                raise Conflict(f"{path.name} existe déjà : choisissez un autre identifiant ; rien n'a été enregistré",
                               current)
            raise Conflict(f"{path.name} a été modifié par quelqu'un d'autre (ou dans un éditeur) depuis l'ouverture "
                           "du formulaire : rien n'a été enregistré", current)
        data = text.encode("utf-8")
        write_atomic(path, data)
        return version_of(data)
