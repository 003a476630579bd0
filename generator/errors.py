"""Problems found in the user's input, and the exceptions that carry them to the CLI.

Nothing below the CLI prints or exits: loaders collect `Problem` values, and the
operations that cannot go on raise a `DossierError` subclass whose exit code tells
which class of input was wrong.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    USAGE = 1
    DATA = 2
    TEMPLATE = 3
    OUTPUT = 4


ERROR = "erreur"
WARNING = "avertissement"
GAP = "à compléter"  # a value the buyer's document lacks: shown in a draft, refused by --final


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful) in one file, located as precisely as we can."""

    path: str
    line: int | None
    field: str | None
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.field or "", self.message)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = f"champ '{self.field}' : " if self.field else ""
        prefix = "avertissement : " if self.severity == WARNING else ""
        return f"{where}: {prefix}{what}{self.message}"


class DossierError(Exception):
    """The user's input is wrong; the message is meant for a person, in French."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class UsageError(DossierError):
    exit_code = ExitCode.USAGE


class DataError(DossierError):
    exit_code = ExitCode.DATA


class TemplateError(DossierError):
    exit_code = ExitCode.TEMPLATE


class OutputError(DossierError):
    exit_code = ExitCode.OUTPUT


def os_reason(exc: OSError) -> str:
    """Why the system refused to read or write a file, in French."""
    reasons = {
        errno.EACCES: "accès refusé : fichier ouvert dans un autre programme ou dossier protégé en écriture",
        errno.EPERM: "opération non permise",
        errno.ENOSPC: "disque plein",
        errno.EROFS: "système de fichiers en lecture seule",
        errno.ENOENT: "dossier introuvable",
        errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
        errno.EEXIST: "un fichier porte déjà ce nom",
        errno.EISDIR: "c'est un dossier",
        errno.EDQUOT: "quota de disque dépassé",
        errno.ENAMETOOLONG: "nom de fichier trop long",
        errno.EBUSY: "fichier occupé par un autre programme",
        errno.ELOOP: "lien symbolique qui boucle",
    }
    return reasons.get(exc.errno, exc.strerror or str(exc))
