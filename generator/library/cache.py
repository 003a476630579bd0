"""An on-disk cache of parsed and validated library files, so that a command on a large
library only re-reads the files that changed since the last run.

One file per library folder, in the user's cache folder (`$DOSSIER_CACHE_DIR`, else
`$XDG_CACHE_HOME/dossier`, else `~/.cache/dossier`), never inside the project.

An entry is reused only for the file it was made from, unchanged: the same size, modification
time, change time and inode — any write moves the change time, which no program can set
back, so an edit that keeps the size and the modification time is still seen. A file
changed less than two seconds before it was read (timestamps too coarse to tell two saves
apart) is compared by content instead (a BLAKE2 hash of its bytes), as is a file whose
timestamps moved (a copy, a checkout): the same bytes keep their entry. Entries are made
by the same version of the code only: the cache can never change what a command reports,
only how fast. `DOSSIER_NO_CACHE=1` (or `load_library(..., use_cache=False)`, for a
`check --no-cache`) reads every file afresh.

The entries are the validated records themselves, pickled, and sealed with an HMAC-SHA256
under a random key kept beside them that only the user can read (`key`, mode 600): a file
not sealed by that key — planted, edited, truncated, from another account — is never
unpickled, and the unpickler builds nothing but the library's own records (the models,
`Problem`, `Decimal`, `date`). A missing, corrupt or unwritable cache is not an error: it
is rebuilt or skipped.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import io
import json
import os
import pickle
import stat
import sys
import time
from pathlib import Path

import pydantic

from generator import __version__
from generator.errors import OutputError
from generator.output import write_atomic
from generator.library.yamlio import YamlDocument, read_yaml

SHALLOW = 2  # depth of the key paths whose lines are cached (see StoredDocument)
_CODE = ("cache.py", "loader.py", "models.py", "vocabulary.py", "yamlio.py", "yamlparse.py", "checks.py", "../errors.py")
# Cached files larger than this are read afresh (the library refuses them anyway).
_MAX_CACHE_BYTES = 200_000_000
# A file changed this recently when read is compared by content next time (see the docstring).
_RACY_NS = 2_000_000_000
_KEY_BYTES = 32


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

    def __init__(self, path: Path | str, name: str, cache: FileCache | None = None):
        self._path = path
        self._name = name
        self._cache = cache
        self._doc: YamlDocument | None = None

    def _loaded(self) -> YamlDocument:
        if self._doc is None:
            self._doc = read_yaml(Path(self._path), self._name)
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


# One tuple object per place (("titre",), ("contenu", 3)…) for all files: the pickle of the
# lines then names each place once (half the size of the lines file, a third of its reading).
_PLACES: dict[tuple, tuple] = {}


def shallow(lines: dict) -> dict:
    places = _PLACES
    return {places.setdefault(loc, loc): line for loc, line in lines.items() if len(loc) <= SHALLOW}


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


def _key() -> bytes | None:
    """The user's sealing key, made on first use; None when it cannot be trusted (readable or
    writable by others, owned by someone else) or kept — then nothing is cached."""
    path = cache_dir() / "key"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(os.urandom(_KEY_BYTES))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o077):
                return None
            key = file.read(_KEY_BYTES + 1)
    except OSError:
        return None
    return key if len(key) == _KEY_BYTES else None


class _RecordsOnly(pickle.Unpickler):
    """Builds the library's records and nothing else, even from a sealed file."""

    def find_class(self, module, name):
        from generator.library import models

        if module == "generator.library.models" and isinstance(getattr(models, name, None), type) \
                and issubclass(getattr(models, name), pydantic.BaseModel):
            return getattr(models, name)
        if (module, name) in (("generator.errors", "Problem"), ("decimal", "Decimal"), ("datetime", "date")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} n'a pas sa place dans le cache")


def read_sealed(path: Path):
    """What `write_sealed` kept in `path`, or None when absent, not sealed by the user's key,
    damaged or made by other code."""
    key = _key()
    if key is None:
        return None
    try:
        if path.stat().st_size > _MAX_CACHE_BYTES:
            return None
        data = path.read_bytes()
        seal, payload = data[:32], memoryview(data)[32:]
        if not hmac.compare_digest(seal, hmac.new(key, payload, hashlib.sha256).digest()):
            return None
        with paused_gc():
            stamp, value = _RecordsOnly(io.BytesIO(payload)).load()
    except Exception:  # half-written, foreign, or from a version whose records differ
        return None
    return value if stamp == _code_stamp() else None


def write_sealed(path: Path, value, stamp: str | None = None) -> None:
    """Keep `value` (records, problems and plain data) in `path`, sealed with the user's key and
    stamped with the code that made it (`stamp`, taken when it was made, else now)."""
    key = _key()
    if key is None:
        return
    try:
        payload = pickle.dumps((stamp or _code_stamp(), value), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(path, hmac.new(key, payload, hashlib.sha256).digest() + payload, record=False)
    except (OutputError, pickle.PicklingError, TypeError, ValueError, RecursionError):
        pass


class FileCache:
    """Entries of one library folder, keyed by file path; saved back only when changed."""

    def __init__(self, root: Path):
        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
        self.path = cache_dir() / f"library-{digest}.pickle"
        self.lines_path = cache_dir() / f"library-{digest}.lines.pickle"
        self.new_lines: dict[str, dict] = {}
        self._old_lines: dict[str, dict] | None = None
        self.stamp = _code_stamp()
        old = read_sealed(self.path)
        self.old: dict[str, dict] = old if isinstance(old, dict) else {}
        self.new: dict[str, dict] = {}
        self.pending: dict[str, dict | None] = {}
        self.changed = False

    @staticmethod
    def _identity(path: Path | str, name: str, found: dict | None) -> tuple[dict | None, bool]:
        """(what identifies the file now, whether it is the one `found` was made from)."""
        # Only a regular file is read: opening a pipe (a FIFO named .yaml) would wait for a
        # writer forever; the reader names such a file instead (yamlio).
        try:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                return None, False
            now = time.time_ns()
            seen = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            if found is not None and found.get("seen") == seen and found.get("name") == name and not found.get("racy"):
                return found, True
            with open(path, "rb") as file:
                data = file.read()
        except OSError:
            return None, False
        racy = max(info.st_mtime_ns, info.st_ctime_ns) > now - _RACY_NS
        identity = {"name": name, "seen": seen, "racy": racy,
                    "hash": hashlib.blake2b(data, digest_size=20).hexdigest()}
        same = found is not None and found.get("name") == name and found.get("hash") == identity["hash"]
        return identity, same

    def get(self, path: Path | str, name: str) -> tuple | None:
        """(item, problems, document) stored for `path` if the file is unchanged; else None."""
        key = str(path)
        found = self.old.get(key)
        found = found if isinstance(found, dict) and {"item", "problems", "hints"} <= found.keys() else None
        identity, same = self._identity(path, name, found)
        self.pending[key] = identity
        if not same:
            return None
        if identity is not found:  # the same bytes under new timestamps: remembered as they are now
            found = {**found, **identity}
            self.changed = True
        self.new[key] = found
        return found["item"], list(found["problems"]), StoredDocument(path, name, self), found["hints"]

    def shallow_lines(self, path: Path | str) -> dict | None:
        """The top-level lines recorded for `path` (None when unknown): loaded on first use."""
        key = str(path)
        if key in self.new_lines:
            return self.new_lines[key]
        return self._stored_lines().get(key)

    def _stored_lines(self) -> dict[str, dict]:
        if self._old_lines is None:
            lines = read_sealed(self.lines_path)
            self._old_lines = lines if isinstance(lines, dict) else {}
        return self._old_lines

    def put(self, path: Path | str, item, problems: list, lines: dict | None = None, hints: dict | None = None) -> None:
        """Remember what reading `path` gave (the document is read again when asked for),
        under the identity `get` saw before the file was read: an edit made meanwhile
        changes it and is picked up next time."""
        identity = self.pending.get(str(path))
        if identity is None:
            return
        self.new[str(path)] = {**identity, "item": item, "problems": list(problems), "hints": hints or {}}
        if lines is not None:
            self.new_lines[str(path)] = shallow(lines)
        self.changed = True

    def fingerprint(self) -> str | None:
        """A digest of every file read, as it was read (None when one was not cached: a file
        that could not be read, a pipe): equal digests, equal library."""
        if any(identity is None for identity in self.pending.values()):
            return None
        seen = [(key, entry["seen"], entry["hash"]) for key, entry in self.new.items()]
        return hashlib.blake2b(repr((self.stamp, seen)).encode(), digest_size=20).hexdigest()

    def save(self) -> None:
        # Files deleted since the last run drop out because `new` only holds those seen.
        if not self.changed and self.new.keys() == self.old.keys():
            return
        old_lines = self._stored_lines()
        lines = {key: self.new_lines.get(key) or old_lines.get(key) for key in self.new}
        with paused_gc():
            write_sealed(self.path, self.new, self.stamp)
            write_sealed(self.lines_path, {key: value for key, value in lines.items() if value}, self.stamp)
