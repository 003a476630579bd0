"""The rows of the tableau des références, computed once for DOCX, XLSX and CSV.

The arrêté du 22 mars 2019 asks for the main services of the last three years with
their amount, date and public or private recipient: one row per reference, each
amount kept with its basis (never added to another).
"""

from __future__ import annotations

from dataclasses import dataclass

from .formatting import format_annees, format_montants
from .models import Cabinet, Membre, Mission, Montant
from .vocabulary import fold


def equipe_text(members: list[Membre]) -> str:
    return ", ".join(f"{m.nom} ({m.role})" if m.role else m.nom for m in members)


def firm_role(mission: Mission, cabinet: Cabinet | None) -> str:
    """The firm's role on the mission, as the data says it (never guessed)."""
    if cabinet is None:
        return ""
    for member in mission.equipe:
        if fold(member.nom) in {fold(cabinet.nom), fold(cabinet.sigle or "~")}:
            return member.role or ""
    return ""


def contact_text(mission: Mission) -> str:
    contact = mission.contact
    if contact is None:
        return ""
    return ", ".join(v for v in (contact.nom, contact.fonction, contact.telephone, contact.email) if v)


@dataclass(frozen=True)
class TableRow:
    numero: int
    id: str
    maitre_ouvrage: str
    nature_client: str
    titre: str
    type: str
    annees: str
    debut: int | None
    fin: int | str | None  # a year (the start year for a one-year mission) or « en cours »
    montant: str  # every amount with its basis, for documents
    montants: tuple[Montant, ...]  # the values themselves, for spreadsheets
    role: str
    equipe: str
    contact: str


def table_rows(selected: list[Mission], cabinet: Cabinet | None) -> list[TableRow]:
    rows = []
    for numero, mission in enumerate(selected, 1):
        annees = mission.annees
        fin = None
        if annees is not None:
            fin = "en cours" if annees.en_cours else annees.last
        rows.append(TableRow(
            numero=numero,
            id=mission.id or "",
            maitre_ouvrage=mission.maitre_ouvrage or "",
            nature_client=mission.nature_client or "",
            titre=mission.titre,
            type=mission.type or "",
            annees=format_annees(annees),
            debut=annees.debut if annees else None,
            fin=fin,
            montant=format_montants(mission.montant),
            montants=tuple(mission.montant),
            role=firm_role(mission, cabinet),
            equipe=equipe_text(mission.equipe),
            contact=contact_text(mission) if mission.nature_client != "privé" else "",
        ))
    return rows
