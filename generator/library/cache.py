"""An on-disk cache of parsed and validated library files, so that a command on a large
library only re-reads the files that changed since the last run.

One pickle per library folder, in the user's cache folder (`$DOSSIER_CACHE_DIR`, else
`$XDG_CACHE_HOME/dossier`, else `~/.cache/dossier`), never inside the project. An entry
is reused only when the file's name as shown, size and modification time (ns) are those
recorded, and only by the same version of the code: the cache can never change what
a command reports, only how fast. `DOSSIER_NO_CACHE=1` (or `load_library(...,
use_cache=False)`, for a `check --no-cache`) reads every file afresh.

A missing, corrupt or unwritable cache is not an error: it is rebuilt or skipped.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path

import pydantic

from generator import __version__
from generator.errors import OutputError
from generator.output import write_atomic
from generator.library.yamlio import YamlDocument, read_yaml

RACY_NS = 2_000_000_000
SHALLOW = 2  # depth of the key paths whose lines are cached (see StoredDocument)
_CODE = ("cache.py", "library.py", "models.py", "vocabulary.py", "yamlio.py", "errors.py")


def cache_dir() -> Path:
    if os.environ.get("DOSSIER_CACHE_DIR"):
        return Path(os.environ["DOSSIER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dossier"


def enabled() -> bool:
    return os.environ.get("DOSSIER_NO_CACHE", "") in ("", "0")


def _code_stamp() -> tuple:
    """Changes whenever the code that produced an entry changes (an upgrade, a local edit)."""
    here = Path(__file__).parent
    stamps = []
    for name in _CODE:
        try:
            info = (here / name).stat()
            stamps.append((name, info.st_mtime_ns, info.st_size))
        except OSError:
            stamps.append((name, None, None))
    # A pickled pydantic model is only read back by the pydantic (and Python) that wrote it.
    return (__version__, pydantic.VERSION, sys.version, tuple(stamps))


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


class FileCache:
    """Entries of one library folder, keyed by file path; saved back only when changed."""

    def __init__(self, root: Path):
        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
        self.path = cache_dir() / f"library-{digest}.pickle"
        self.lines_path = cache_dir() / f"library-{digest}.lines.pickle"
        self.new_lines: dict[str, dict] = {}
        self._old_lines: dict[str, dict] | None = None
        self.stamp = _code_stamp()
        self.old: dict[str, tuple] = {}
        self.new: dict[str, tuple] = {}
        self.pending: dict[str, tuple | None] = {}
        self.changed = False
        try:
            with self.path.open("rb") as file:
                stamp, entries = pickle.load(file)
            if stamp == self.stamp:
                self.old = entries
        except Exception:  # a cache from elsewhere or half-written: start afresh
            self.old = {}

    @staticmethod
    def _signature(path: Path, name: str) -> tuple | None:
        try:
            info = path.stat()
        except OSError:
            return None
        return (name, info.st_size, info.st_mtime_ns)

    def get(self, path: Path, name: str) -> tuple | None:
        """(item, problems, document) stored for `path` if the file is unchanged; else None."""
        signature = self._signature(path, name)
        self.pending[str(path)] = signature
        found = self.old.get(str(path))
        if signature is None or found is None or found[0] != signature:
            return None
        self.new[str(path)] = found
        item, problems = found[1]
        return item, problems, StoredDocument(path, name, self)

    def shallow_lines(self, path: Path) -> dict | None:
        """The top-level lines recorded for `path` (None when unknown): loaded on first use."""
        key = str(path)
        if key in self.new_lines:
            return self.new_lines[key]
        return self._stored_lines().get(key)

    def _stored_lines(self) -> dict[str, dict]:
        if self._old_lines is None:
            try:
                with self.lines_path.open("rb") as file:
                    stamp, entries = pickle.load(file)
                self._old_lines = entries if stamp == self.stamp else {}
            except Exception:  # missing or half-written: lines are read from the files
                self._old_lines = {}
        return self._old_lines

    def put(self, path: Path, item, problems: list, lines: dict | None = None) -> None:
        """Remember what reading `path` gave (the document is read again when asked for),
        under the signature `get` saw before the file was read, so an edit made while it
        was being read is picked up next time."""
        signature = self.pending.get(str(path))
        # A file modified within the last seconds could be rewritten with the same size
        # inside the file system's timestamp granularity (a few ms) and look unchanged:
        # such a « racy » file is not remembered until it has settled.
        if signature is not None and time.time_ns() - signature[2] > RACY_NS:
            self.new[str(path)] = (signature, (item, problems))
            if lines is not None:
                self.new_lines[str(path)] = shallow(lines)
            self.changed = True

    def save(self) -> None:
        # Files deleted since the last run drop out because `new` only holds those seen.
        if not self.changed and self.new.keys() == self.old.keys():
            return
        old_lines = self._stored_lines()
        lines = {key: self.new_lines.get(key) or old_lines.get(key) for key in self.new}
        lines = {key: value for key, value in lines.items() if value is not None}
        try:
            write_atomic(self.path, pickle.dumps((self.stamp, self.new), protocol=pickle.HIGHEST_PROTOCOL))
            write_atomic(self.lines_path, pickle.dumps((self.stamp, lines), protocol=pickle.HIGHEST_PROTOCOL))
        except (OutputError, pickle.PicklingError):
            pass
