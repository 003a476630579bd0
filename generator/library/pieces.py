"""Administrative pieces of a candidature (Kbis, URSSAF, fiscal certificate, insurance…).

Each piece is a YAML file in `references/pieces/` pointing at the PDF beside it, with
its date of issue. Its end of validity follows the usual rule of its kind (overridable
per piece with `valide_jusqu_au`); at the tender's deadline a piece is valid, expires
before the deadline, is already expired, or is missing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field

from generator.errors import ERROR, Problem
from generator.library.bid import DOCUMENT_PIECES
from generator.library.dates import as_date
from generator.library.formatting import format_long_date
from generator.library.loader import display_path, is_library_file
from generator.library.models import Model
from generator.library.validation import FIELDS, validate
from generator.library.vocabulary import fold
from generator.library.yamlio import read_yaml

FOLDER = "pieces"


Day = Annotated[date | None, BeforeValidator(as_date)]


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    months: int | None = None  # valid N months from the date of issue
    year_end: bool = False  # valid until 31 December of the year of issue
    needs_end: bool = False  # no rule: the piece must say its end date


KINDS = {
    kind.key: kind
    for kind in (
        Kind("kbis", "Extrait Kbis (moins de 3 mois)", months=3),
        Kind("urssaf", "Attestation de vigilance URSSAF", months=6),
        Kind("fiscale", "Attestation de régularité fiscale", year_end=True),
        Kind("assurance", "Attestation d'assurance responsabilité civile professionnelle", needs_end=True),
    )
}
USUAL = tuple(KINDS)  # what a French buyer asks for when the bid file does not say

_ALIASES = {
    "k-bis": "kbis", "extrait kbis": "kbis", "extrait k-bis": "kbis",
    "vigilance": "urssaf", "attestation urssaf": "urssaf", "attestation de vigilance": "urssaf",
    "attestation fiscale": "fiscale", "regularite fiscale": "fiscale", "impots": "fiscale",
    "rc": "assurance", "rc pro": "assurance", "rc professionnelle": "assurance", "assurance rc": "assurance",
    "assurance rc pro": "assurance", "responsabilite civile": "assurance",
}


def kind_key(text: str) -> str:
    """A kind as typed (« Kbis », « RC pro ») → its key; an unknown kind is kept, folded."""
    folded = " ".join(fold(text).replace("_", " ").split())
    return _ALIASES.get(folded, folded.replace(" ", "-"))


def kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return kind.label if kind else key.replace("-", " ").capitalize()


class Piece(Model):
    """Une pièce administrative : son type, son fichier PDF, sa date d'émission."""

    type: str = Field(min_length=1, description="kbis, urssaf, fiscale, assurance ou un autre type (ex. qualification-opqibi)")
    fichier: str = Field(min_length=1, description="Fichier PDF, à côté de ce fichier YAML")
    date_emission: Day = Field(description="Date d'émission de la pièce")
    valide_jusqu_au: Day = Field(None, description="Fin de validité, si elle diffère de la règle du type")
    libelle: str | None = Field(None, description="Intitulé à afficher (par défaut celui du type)")


@dataclass
class LoadedPiece:
    piece: Piece
    key: str
    path: Path  # the PDF
    name: str  # the YAML file as shown to the user
    line_of: dict  # field → line

    @property
    def label(self) -> str:
        return self.piece.libelle or kind_label(self.key)

    @property
    def valid_until(self) -> date | None:
        piece, kind = self.piece, KINDS.get(self.key)
        if piece.valide_jusqu_au is not None:
            return piece.valide_jusqu_au
        if kind is None or kind.needs_end or piece.date_emission is None:
            return None
        if kind.year_end:
            return date(piece.date_emission.year, 12, 31)
        return add_months(piece.date_emission, kind.months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def load_pieces(root: Path, today: date) -> tuple[list[LoadedPiece], list[Problem]]:
    """Every piece of `root/pieces/`, and the problems of the ones that cannot count."""
    folder = root / FOLDER
    pieces: list[LoadedPiece] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return pieces, problems
    for path in sorted((p for p in folder.iterdir() if is_library_file(p)), key=lambda p: p.name):
        name = display_path(path)
        doc = read_yaml(path, name)
        piece, errors = validate(doc, Piece, name, f"{FIELDS} (type, fichier, date_emission)")
        if piece is None:
            problems += errors
            continue
        lines = {key: doc.line_of((key,)) for key in Piece.model_fields}
        loaded = LoadedPiece(piece, kind_key(piece.type), path.parent / piece.fichier, name, lines)
        found = _piece_problems(loaded, today)
        problems += found
        if not any(p.is_error for p in found):
            pieces.append(loaded)
    return pieces, problems


def _piece_problems(loaded: LoadedPiece, today: date) -> list[Problem]:
    piece, found = loaded.piece, []

    def at(field: str, message: str, severity: str = ERROR) -> None:
        found.append(Problem(loaded.name, loaded.line_of.get(field), field, message, severity))

    if piece.date_emission > today:
        at("date_emission", f"date d'émission {piece.date_emission:%d/%m/%Y} dans le futur "
           f"(nous sommes le {today:%d/%m/%Y}) : faute de frappe ?")
    if not loaded.path.is_file():
        at("fichier", f"fichier « {piece.fichier} » introuvable à côté de {Path(loaded.name).name}")
    elif not _is_pdf(loaded.path):
        at("fichier", f"« {piece.fichier} » n'est pas un PDF : les plateformes des acheteurs attendent des PDF")
    if KINDS.get(loaded.key) and KINDS[loaded.key].needs_end and piece.valide_jusqu_au is None:
        at("valide_jusqu_au", f"{kind_label(loaded.key)} : date de fin de validité à indiquer (valide_jusqu_au)")
    return found


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(1024).lstrip().startswith(b"%PDF-")
    except OSError:
        return False


# --- status at the deadline -------------------------------------------------------------------

VALID = "valide"
EXPIRES = "expire avant la date limite"
EXPIRED = "expirée"
MISSING = "manquante"


@dataclass
class PieceStatus:
    key: str
    label: str
    status: str
    piece: LoadedPiece | None = None
    until: date | None = None

    @property
    def ok(self) -> bool:
        return self.status == VALID

    def detail(self) -> str:
        if self.piece is None:
            return "aucune pièce de ce type dans references/pieces/"
        issued = f"émise le {format_long_date(self.piece.piece.date_emission)}"
        if self.until is None:
            return f"{issued}, fin de validité inconnue"
        return f"{issued}, valable jusqu'au {format_long_date(self.until)}"


def status_at(pieces: list[LoadedPiece], key: str, deadline: date, today: date) -> PieceStatus:
    """The best piece of a kind at the deadline: the one valid the longest."""
    candidates = [p for p in pieces if p.key == key]
    if not candidates:
        return PieceStatus(key, kind_label(key), MISSING)
    # A kind without a rule and without an end date (a qualification…) does not expire.
    best = max(candidates, key=lambda p: (p.valid_until or date.max, p.piece.date_emission))
    until = best.valid_until
    if until is None or until >= deadline:
        status = VALID
    elif until >= today:
        status = EXPIRES
    else:
        status = EXPIRED
    return PieceStatus(key, best.label, status, best, until)


def requested_kinds(requested: list[str]) -> list[str]:
    """The administrative kinds among what the bid asks (the usual four when it asks nothing)."""
    if not requested:
        return list(USUAL)
    keys = [kind_key(r) for r in requested]
    return list(dict.fromkeys(k for k in keys if k not in DOCUMENT_PIECES))


def pieces_gaps(statuses: list[PieceStatus], bid_name: str, folder: str = FOLDER + "/") -> list[Problem]:
    """What `--final` refuses: a requested piece missing, expired or not valid at the deadline."""
    gaps = []
    for status in statuses:
        if status.ok:
            continue
        where = status.piece.name if status.piece else folder
        line = status.piece.line_of.get("date_emission") if status.piece else None
        gaps.append(Problem(where, line, None, f"{status.label} : {status.status} ({status.detail()}) ; "
                            f"demandée par {bid_name}"))
    return gaps

