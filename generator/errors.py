"""Problems found in the user's input, and the exceptions that carry them to the CLI.

Nothing below the CLI prints or exits: loaders collect `Problem` values, and the
operations that cannot go on raise a `DossierError` subclass whose exit code tells
which class of input was wrong.
"""

from __future__ import annotations

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
        prefix = "" if self.is_error else "avertissement : "
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
    import errno

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


# click's usage errors, in the words of the rest of the tool (click itself speaks English).
_USAGE_MESSAGES = (
    (r"No such option '([^']*)'\.", "option inconnue « {0} »"),
    (r"No such option: (\S+)", "option inconnue « {0} »"),
    (r" ?Did you mean '([^']*)'\?", " ; vouliez-vous dire « {0} » ?"),
    (r"\(Possible options: ([^)]*)\)", "(options possibles : {0})"),
    (r"No such command '([^']*)'\.", "commande inconnue « {0} »"),
    (r"Missing argument '([^']*)'\.", "argument manquant : {0}"),
    (r"Missing option '([^']*)'\.", "option obligatoire manquante : {0}"),
    (r"Option '([^']*)' requires an argument\.", "l'option {0} attend une valeur"),
    (r"Option '([^']*)' does not take a value\.", "l'option {0} ne prend pas de valeur"),
    (r"Got unexpected extra arguments? \(([^)]*)\)", "argument en trop : {0}"),
    (r"Invalid value for '([^']*)':", "valeur invalide pour {0} :"),
    (r"'([^']*)' is not a valid integer( range)?\.", "« {0} » n'est pas un nombre entier"),
    (r"'([^']*)' is not a valid float( range)?\.", "« {0} » n'est pas un nombre"),
    (r"'([^']*)' is not one of (.*)\.", "« {0} » n'est pas parmi {1}"),
    (r"'([^']*)' is not a valid choice\.", "« {0} » n'est pas un choix possible"),
    (r"(?:File|Path|Directory) '([^']*)' does not exist\.", "« {0} » introuvable"),
    (r"(?:File|Path) '([^']*)' is a directory\.", "« {0} » est un dossier"),
    (r"Directory '([^']*)' is a file\.", "« {0} » est un fichier, pas un dossier"),
)


def french_usage(message: str, command: str | None) -> str:
    """A usage error of the command line as one French line, with where to find help."""
    import re

    for pattern, french in _USAGE_MESSAGES:
        message = re.sub(pattern, lambda m, f=french: f.format(*[g or "" for g in m.groups()]), message)
    hint = f" (aide : {command} --help)" if command else ""
    return f"Erreur : {message}{hint}"
