"""An on-disk cache of parsed and validated library files, so that a command on a large
library only re-reads the files that changed since the last run.

One JSON file per library folder, in the user's cache folder (`$DOSSIER_CACHE_DIR`, else
`$XDG_CACHE_HOME/dossier`, else `~/.cache/dossier`), never inside the project. An entry
is reused only when the file's content is the one recorded (a BLAKE2 hash of its bytes:
an edit that keeps the size and the timestamp is still seen), and only by the same
version of the code: the cache can never change what a command reports, only how fast.
`DOSSIER_NO_CACHE=1` (or `load_library(..., use_cache=False)`, for a `check --no-cache`)
reads every file afresh.

The cache holds plain data (JSON), validated again by the models when read: nothing in
it is ever executed or unpickled, whoever wrote it. A missing, corrupt or unwritable
cache is not an error: it is rebuilt or skipped.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import stat
import json
import os
import sys
from pathlib import Path

import pydantic

from generator import __version__
from generator.errors import OutputError, Problem
from generator.output import write_atomic
from generator.library.yamlio import YamlDocument, read_yaml

SHALLOW = 2  # depth of the key paths whose lines are cached (see StoredDocument)
_CODE = ("cache.py", "loader.py", "models.py", "vocabulary.py", "yamlio.py", "checks.py")
# Cached files larger than this are read afresh (the library refuses them anyway).
_MAX_CACHE_BYTES = 200_000_000


def cache_dir() -> Path:
    if os.environ.get("DOSSIER_CACHE_DIR"):
        return Path(os.environ["DOSSIER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dossier"


def enabled() -> bool:
    return os.environ.get("DOSSIER_NO_CACHE", "") in ("", "0")


def _code_stamp() -> str:
    """Changes whenever the code that produced an entry changes (an upgrade, a local edit)."""
    here = Path(__file__).parent
    stamps = []
    for name in _CODE:
        try:
            info = (here / name).stat()
            stamps.append((name, info.st_mtime_ns, info.st_size))
        except OSError:
            stamps.append((name, None, None))
    return json.dumps([__version__, pydantic.VERSION, sys.version, stamps])


class StoredDocument(YamlDocument):
    """The parsed document of an unchanged file (data and line of every key), read again
    only if something asks for it: most commands never do once the items are validated,
    and kept for 10,000 files it would weigh a third of the library's memory.

    The lines of the top two levels of keys (`annees`, `annees.fin`, `consultants[2]`…)
    are kept apart, loaded only when asked: `check` names a line for thousands of
    warnings and must not parse thousands of files again for them.
    """

    def __init__(self, path: Path, name: str, cache: FileCache | None = None):
        self._path = path
        self._name = name
        self._cache = cache
        self._doc: YamlDocument | None = None

    def _loaded(self) -> YamlDocument:
        if self._doc is None:
            self._doc = read_yaml(self._path, self._name)
        return self._doc

    data = property(lambda self: self._loaded().data)
    lines = property(lambda self: self._loaded().lines)
    problems = property(lambda self: self._loaded().problems)

    def line_of(self, loc) -> int | None:
        loc = tuple(loc)
        shallow = self._cache.shallow_lines(self._path) if self._cache and len(loc) <= SHALLOW else None
        if shallow is None:
            return self._loaded().line_of(loc)
        # Every key `line_of` may look at for such a short path is of the top levels too.
        return YamlDocument(None, shallow).line_of(loc)


def shallow(lines: dict) -> dict:
    return {loc: line for loc, line in lines.items() if len(loc) <= SHALLOW}


def _models() -> dict[str, type]:
    from generator.library.loader import KINDS
    from generator.library.models import Cabinet

    return {model.__name__: model for model in (*KINDS.values(), Cabinet)}


@contextlib.contextmanager
def paused_gc():
    """Without the cyclic collector: for a burst of objects that all live on (a decoded cache
    file, a library's tokens). It would rescan them, and the library already loaded, several
    times over: 4/5 of the time of such a step at 10,000 references."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def read_entries(path: Path) -> dict | None:
    """The entries of a cache file, or None when absent, foreign, damaged or from other code."""
    try:
        if path.stat().st_size > _MAX_CACHE_BYTES:
            return None
        with paused_gc(), path.open("rb") as file:
            stamp, entries = json.load(file)
    except Exception:  # a cache from elsewhere or half-written: start afresh
        return None
    return entries if isinstance(entries, dict) and stamp == _code_stamp() else None


def write_entries(path: Path, entries: dict, stamp: str | None = None) -> None:
    """Keep `entries` in a cache file, stamped with the code that made them (`stamp`, taken when
    they were made, else now); a cache that cannot be written only costs time."""
    try:
        write_atomic(path, json.dumps([stamp or _code_stamp(), entries], ensure_ascii=False).encode("utf-8"),
                     record=False)
    except (OutputError, TypeError, ValueError):
        pass


def problem_row(problem: Problem) -> list:
    return [problem.path, problem.line, problem.field, problem.message, problem.severity]


def problem_from_row(data) -> Problem:
    path, line, field, message, severity = data
    return Problem(str(path), line if isinstance(line, int) else None, field, str(message), str(severity))


class FileCache:
    """Entries of one library folder, keyed by file path; saved back only when changed."""

    def __init__(self, root: Path):
        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
        self.path = cache_dir() / f"library-{digest}.json"
        self.lines_path = cache_dir() / f"library-{digest}.lines.json"
        self.new_lines: dict[str, dict] = {}
        self._old_lines: dict[str, dict] | None = None
        self.stamp = _code_stamp()
        self.old: dict[str, dict] = read_entries(self.path) or {}
        self.new: dict[str, dict] = {}
        self.pending: dict[str, list | None] = {}
        self.changed = False
        self._models = _models()

    @staticmethod
    def _signature(path: Path, name: str) -> list | None:
        # Only a regular file is hashed: opening a pipe (a FIFO named .yaml) would wait for a
        # writer forever; the reader names such a file instead (yamlio).
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                return None
            data = path.read_bytes()
        except OSError:
            return None
        return [name, len(data), hashlib.blake2b(data, digest_size=20).hexdigest()]

    def get(self, path: Path, name: str) -> tuple | None:
        """(item, problems, document) stored for `path` if its content is unchanged; else None."""
        signature = self._signature(path, name)
        self.pending[str(path)] = signature
        found = self.old.get(str(path))
        if signature is None or not isinstance(found, dict) or found.get("signature") != signature:
            return None
        try:
            item = None
            if found["item"] is not None:
                item = self._models[found["model"]].model_validate(found["item"])
            problems = [problem_from_row(p) for p in found["problems"]]
        except Exception:  # written by another hand, or by a bug: read the file instead
            return None
        self.new[str(path)] = found
        return item, problems, StoredDocument(path, name, self)

    def shallow_lines(self, path: Path) -> dict | None:
        """The top-level lines recorded for `path` (None when unknown): loaded on first use."""
        key = str(path)
        if key in self.new_lines:
            return self.new_lines[key]
        return self._stored_lines().get(key)

    def _stored_lines(self) -> dict[str, dict]:
        if self._old_lines is None:
            entries = read_entries(self.lines_path) or {}
            self._old_lines = {}
            with paused_gc():  # the library is loaded by now: a collection would walk all of it
                for key, pairs in entries.items():
                    try:
                        self._old_lines[key] = {tuple(loc): int(line) for loc, line in pairs}
                    except (TypeError, ValueError):  # damaged: these lines are read from the file
                        continue
        return self._old_lines

    def put(self, path: Path, item, problems: list, lines: dict | None = None) -> None:
        """Remember what reading `path` gave (the document is read again when asked for),
        under the signature `get` saw before the file was read: an edit made meanwhile
        changes the content and is picked up next time."""
        signature = self.pending.get(str(path))
        if signature is None:
            return
        self.new[str(path)] = {
            "signature": signature,
            "model": type(item).__name__ if item is not None else None,
            # Defaults left out: a tenth less to decode and fewer fields to validate on every read.
            "item": item.model_dump(mode="json", exclude_defaults=True) if item is not None else None,
            "problems": [problem_row(p) for p in problems],
        }
        if lines is not None:
            self.new_lines[str(path)] = shallow(lines)
        self.changed = True

    def save(self) -> None:
        # Files deleted since the last run drop out because `new` only holds those seen.
        if not self.changed and self.new.keys() == self.old.keys():
            return
        old_lines = self._stored_lines()
        lines = {key: self.new_lines.get(key) or old_lines.get(key) for key in self.new}
        lines = {key: [[list(loc), line] for loc, line in value.items()] for key, value in lines.items() if value}
        write_entries(self.path, self.new, self.stamp)
        write_entries(self.lines_path, lines, self.stamp)
