"""The library the web page works on: its files, re-read when they change on disk.

Only names found in the library's own folders are ever opened, so no identifier, however
crafted, reaches a file outside the library.
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.errors import Problem, UsageError
from generator.library.loader import Library, is_library_file, load_library
from generator.library.models import KINDS, Cabinet, Model

CABINET = "cabinet"
MODELS: dict[str, type[Model]] = {**KINDS, CABINET: Cabinet}
KIND_LABELS = {"missions": "référence", "personnes": "personne", "productions": "production", CABINET: "cabinet"}
SCHEMA_NAMES = {"missions": "mission", "personnes": "personne", "productions": "production", CABINET: "cabinet"}
# A file name as it may be typed in a URL: no separator, no « .. », nothing hidden.
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,150}$")


@dataclass
class Record:
    kind: str
    ident: str
    path: Path

    @property
    def model(self) -> type[Model]:
        return MODELS[self.kind]


class Workspace:
    def __init__(self, root: Path, templates_dir: Path | None, git: bool = False):
        self.root = root
        self.real_root = root.resolve()
        self.templates_dir = templates_dir
        self.git = git and is_repository(root)
        self._lock = threading.Lock()
        self._library: Library | None = None
        self._stamp: tuple | None = None
        self._problems: tuple[tuple, dict] | None = None  # (library stamp and day, problems by file)

    # --- the library, fresh --------------------------------------------------------------

    def _fingerprint(self) -> tuple:
        """Name, size and time of every library file: a change by git or an editor shows here."""
        stamps = []
        for path in [self.root / "cabinet.yaml", *self._files()]:
            try:
                info = path.stat()
            except OSError:
                continue
            stamps.append((str(path), info.st_size, info.st_mtime_ns))
        return tuple(stamps)

    def _files(self) -> list[Path]:
        files = []
        for kind in KINDS:
            folder = self.root / kind
            if folder.is_dir():
                files += sorted(p for p in folder.iterdir() if is_library_file(p))
        return files

    def library(self) -> Library:
        with self._lock:
            stamp = self._fingerprint()
            if self._library is None or stamp != self._stamp:
                self._library = load_library(self.root)
                self._stamp = stamp
            return self._library

    # --- files, by kind and name ----------------------------------------------------------

    def folder(self, kind: str) -> Path:
        if kind not in MODELS:
            raise UsageError(f"type de fiche inconnu « {kind} »")
        return self.root if kind == CABINET else self.root / kind

    def find(self, kind: str, ident: str) -> Record:
        """The existing file of that kind and name; UsageError otherwise (never a path built from input)."""
        if kind == CABINET:
            return Record(kind, CABINET, self.root / "cabinet.yaml")
        folder = self.folder(kind)
        if _IDENT.match(ident or "") and folder.is_dir():
            for path in folder.iterdir():
                if path.stem == ident and is_library_file(path):
                    self.inside(path)
                    return Record(kind, ident, path)
        raise UsageError(f"aucune fiche « {ident} » dans {kind}/")

    def new_path(self, kind: str, ident: str) -> Path:
        """Where a new record of that id goes (the id is the schema's: lowercase, digits, dashes)."""
        if kind == CABINET:
            return self.root / "cabinet.yaml"
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,150}", ident or ""):
            raise UsageError(f"identifiant « {ident} » : minuscules, chiffres et tirets seulement")
        path = self.folder(kind) / f"{ident}.yaml"
        self.inside(path)
        return path

    def inside(self, path: Path) -> Path:
        """`path`, if it (and what it links to) is in the library; UsageError otherwise."""
        if path.is_symlink():
            raise UsageError(f"{path.name} est un lien symbolique : modifiez le fichier visé dans un éditeur")
        resolved = path.parent.resolve() / path.name
        if not resolved.is_relative_to(self.real_root):
            raise UsageError(f"{path.name} : hors de la bibliothèque")
        return path

    def problems_by_file(self, today: date) -> dict[tuple[str, str], list[Problem]]:
        """Every problem `check` reports, keyed by (kind, name of the file)."""
        from generator.library.checks import check_library

        library = self.library()
        key = (self._stamp, today)
        if self._problems is not None and self._problems[0] == key:
            return self._problems[1]  # every page shows them: checked once per version of the library
        out: dict[tuple[str, str], list[Problem]] = {}
        for problem in [*library.problems, *check_library(library, today)]:
            out.setdefault(self.key_of(problem.path), []).append(problem)
        for problems in out.values():
            problems.sort(key=lambda p: p.sort_key())
        self._problems = (key, out)
        return out

    @staticmethod
    def key_of(shown: str) -> tuple[str, str]:
        path = Path(shown)
        if path.name == "cabinet.yaml":
            return CABINET, CABINET
        if path.parent.name in KINDS and is_library_file(path):
            return path.parent.name, path.stem
        return "", str(shown)

    # --- git ------------------------------------------------------------------------------

    def commit(self, path: Path, author: str, message: str) -> str:
        """Commit one saved file with the editor's name; the French reason when it failed."""
        who = author.strip() or "dossier serve"
        env_author = f"{who} <{re.sub(r'[^a-z0-9]+', '.', who.lower()).strip('.') or 'dossier'}@dossier.local>"
        try:
            subprocess.run(["git", "add", "--", str(path)], cwd=self.root, check=True, capture_output=True,
                           timeout=30)
            subprocess.run(["git", "commit", "-q", "--author", env_author, "-m", message, "--", str(path)],
                           cwd=self.root, check=True, capture_output=True, timeout=30,
                           env=_git_env(who))
        except (OSError, subprocess.SubprocessError) as exc:
            output = getattr(exc, "stderr", b"") or b""
            return "enregistré, mais pas dans git : " + (output.decode("utf-8", "replace").strip()[:200] or str(exc))
        return ""

    def history(self, count: int = 10) -> list[dict]:
        """The last changes of the library's folder, newest first (empty outside git)."""
        if not self.git:
            return []
        try:
            out = subprocess.run(["git", "log", f"-{count}", "--date=format:%d/%m/%Y %H:%M",
                                  "--pretty=format:%ad\x1f%an\x1f%s", "--", "."], cwd=self.root,
                                 capture_output=True, timeout=30, check=True).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.SubprocessError):
            return []
        return [dict(zip(("quand", "qui", "quoi"), line.split("\x1f"))) for line in out.splitlines() if line]


def _git_env(who: str) -> dict:
    import os

    env = dict(os.environ)
    env.setdefault("GIT_COMMITTER_NAME", who)
    env.setdefault("GIT_COMMITTER_EMAIL", "dossier@dossier.local")
    return env


def is_repository(root: Path) -> bool:
    try:
        result = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True,
                                timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and result.stdout.strip() == b"true"
