"""The variables a Word template sees: the only module that knows their names.

Every value is ready to print (French formatting done here), so templates hold no
logic beyond loops and conditions. Missing data stays missing: an empty field is an
empty string or list, never a placeholder, except where the template asks for
« à compléter » on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .formatting import format_annees, format_long_date, format_montant, format_montants, format_names
from .library import Library
from .models import Cabinet, Membre, Mission, Personne, Production
from .vocabulary import COMPOSANTES, fold

TICKED = "☒"
UNTICKED = "☐"


@dataclass
class Appel:
    """The tender being answered (all optional: a dossier can be built without one)."""

    titre: str = ""
    acheteur: str = ""
    date_limite: date | None = None


@dataclass
class BuildOptions:
    today: date
    appel: Appel = field(default_factory=Appel)
    selection_description: str = ""
    annexes: bool = False
    titre: str | None = None


def paragraphs(text: str | None) -> list[str]:
    """Prose split into paragraphs on blank lines; single line breaks become spaces."""
    if not text:
        return []
    blocks = [" ".join(line.strip() for line in block.split("\n")) for block in text.split("\n\n")]
    return [b.strip() for b in blocks if b.strip()]


def _equipe(members: list[Membre]) -> str:
    return ", ".join(f"{m.nom} ({m.role})" if m.role else m.nom for m in members)


def firm_role(mission: Mission, cabinet: Cabinet | None) -> str:
    """The firm's role on the mission, as the data says it (never guessed)."""
    if cabinet is None:
        return ""
    for member in mission.equipe:
        if fold(member.nom) in {fold(cabinet.nom), fold(cabinet.sigle or "~")}:
            return member.role or ""
    return ""


def mission_fields(mission: Mission) -> list[dict]:
    """The label/value rows of a fiche, in the order of the firm's fiches; empty ones left out."""
    rows = [
        ("Type de mission", mission.type),
        ("Maître d'ouvrage", mission.maitre_ouvrage),
        ("Coût du projet", format_montants(mission.cout_projet)),
        ("Directeur de mission", mission.directeur),
        ("Référent", mission.referent),
        ("Années", format_annees(mission.annees)),
        ("Équipe", _equipe(mission.equipe)),
        ("Programme", mission.programme),
        ("Sites", ", ".join(mission.sites)),
        ("Acteurs", ", ".join(mission.acteurs)),
        ("Consultants mobilisés", ", ".join(mission.consultants)),
        ("Montant de la mission", format_montants(mission.montant)),
        ("Source", mission.source),
    ]
    return [{"libelle": label, "valeur": value} for label, value in rows if value]


def reference_context(mission: Mission, numero: int, cabinet: Cabinet | None) -> dict:
    ticked = set(mission.composantes)
    grille = [{"nom": c, "coche": c in ticked, "case": TICKED if c in ticked else UNTICKED} for c in COMPOSANTES]
    if not mission.composantes:
        grille = []
    half = (len(grille) + 1) // 2
    titre_court = mission.titre if len(mission.titre) <= 70 else mission.titre[:67].rsplit(" ", 1)[0] + "…"
    return {
        "numero": numero,
        "id": mission.id,
        "titre": mission.titre,
        "titre_court": titre_court,
        "maitre_ouvrage": mission.maitre_ouvrage or "",
        "nature_client": mission.nature_client or "",
        "type": mission.type or "",
        "annees": format_annees(mission.annees),
        "montant": format_montants(mission.montant),
        "montants": [format_montant(m) for m in mission.montant],
        "equipe": _equipe(mission.equipe),
        "role": firm_role(mission, cabinet),
        "directeur": mission.directeur or "",
        "referent": mission.referent or "",
        "consultants": ", ".join(mission.consultants),
        "champs": mission_fields(mission),
        "grille": grille,
        "grille_lignes": list(zip(grille[:half], grille[half:])),
        "matrice": [TICKED if c in ticked else "" for c in COMPOSANTES],
        "enjeux": paragraphs(mission.enjeux),
        "contenu": list(mission.contenu),
    }


_IDENTITY = (
    ("Raison sociale", "nom"),
    ("Sigle", "sigle"),
    ("Forme juridique", "forme_juridique"),
    ("SIRET", "siret"),
    ("Adresse", "adresse"),
    ("Téléphone", "telephone"),
    ("Courriel", "email"),
    ("Site internet", "site_web"),
    ("Représentant habilité", "representant"),
    ("Date de création", "date_creation"),
    ("Effectif", "effectif"),
)


def cabinet_context(cabinet: Cabinet | None) -> dict:
    cabinet = cabinet or Cabinet(nom="Cabinet (references/cabinet.yaml manquant)")
    identite = []
    for label, key in _IDENTITY:
        value = getattr(cabinet, key)
        identite.append({"libelle": label, "valeur": "" if value is None else str(value)})
    if cabinet.domaines:
        identite.append({"libelle": "Domaines", "valeur": format_names(cabinet.domaines)})
    if cabinet.qualifications:
        identite.append({"libelle": "Qualifications", "valeur": format_names(cabinet.qualifications)})
    return {
        "nom": cabinet.nom,
        "sigle": cabinet.sigle or "",
        "identite": identite,
        "presentation": paragraphs(cabinet.presentation),
        "domaines": list(cabinet.domaines),
        "chiffres_affaires": [
            {"annee": ca.annee, "montant": format_montant(ca.montant)}
            for ca in sorted(cabinet.chiffres_affaires, key=lambda ca: ca.annee, reverse=True)
        ],
    }


def person_fields(person: Personne) -> list[dict]:
    rows = [
        ("Fonction", person.fonction),
        ("Formation", format_names(person.formation)),
        ("Expérience", f"{person.annees_experience} ans" if person.annees_experience is not None else ""),
        ("Domaines", format_names(person.domaines)),
    ]
    return [{"libelle": label, "valeur": value} for label, value in rows if value]


def mission_role(mission: Mission, person: Personne) -> str:
    names = {fold(person.nom), *(fold(a) for a in person.alias)}
    if mission.directeur and fold(mission.directeur) in names:
        return "Directeur·rice de mission"
    if mission.referent and fold(mission.referent) in names:
        return "Référent·e"
    return "Consultant·e"


def people_context(library: Library, selected: list[Mission]) -> list[dict]:
    """The people named on the selected missions, with the selected missions they worked on."""
    people = []
    seen = set()
    for mission in selected:
        for name in mission.people:
            person = library.person(name) or Personne(nom=name)
            if fold(person.nom) in seen:
                continue
            seen.add(fold(person.nom))
            # Only the selected missions are scanned: a person's other missions are not printed.
            theirs = library.missions_of(person, among=selected)
            people.append({
                "nom": person.nom,
                "fonction": person.fonction or "",
                "champs": person_fields(person),
                "missions": [f"{m.titre} ({m.maitre_ouvrage or 'client non renseigné'}, {format_annees(m.annees)})" for m in theirs],
            })
    return people


def cv_context(library: Library, person: Personne, options: BuildOptions) -> dict:
    missions = library.missions_of(person)
    return {
        "document": {"titre": f"CV — {person.nom}", "date": format_long_date(options.today)},
        "cabinet": cabinet_context(library.cabinet),
        "personne": {
            "nom": person.nom,
            "fonction": person.fonction or "",
            "champs": person_fields(person),
            "presentation": paragraphs(person.presentation),
            "references": [
                {
                    "annees": format_annees(m.annees),
                    "maitre_ouvrage": m.maitre_ouvrage or "",
                    "titre": m.titre,
                    "role": mission_role(m, person),
                }
                for m in missions
            ],
        },
    }


def production_context(production: Production) -> dict:
    return {
        "titre": production.titre,
        "nature": production.nature or "",
        "numero": production.numero or "",
        "entete": list(production.entete),
        "sections": [{"titre": s.titre, "paragraphes": list(s.paragraphes), "puces": list(s.puces)} for s in production.sections],
    }


def document_context(library: Library, selected: list[Mission], options: BuildOptions, titre: str) -> dict:
    """Everything the dossier, table and fiches templates use."""
    appel = options.appel
    productions = [p for p in library.productions if not p.confidentiel] if options.annexes else []
    return {
        "document": {"titre": options.titre or titre, "date": format_long_date(options.today)},
        "appel": {
            "titre": appel.titre,
            "acheteur": appel.acheteur,
            "date_limite": format_long_date(appel.date_limite) if appel.date_limite else "",
        },
        "selection": {"nombre": len(selected), "description": options.selection_description},
        "cabinet": cabinet_context(library.cabinet),
        "references": [reference_context(m, i, library.cabinet) for i, m in enumerate(selected, 1)],
        "composantes": list(COMPOSANTES),
        "legende_matrice": f"{TICKED} : composante réalisée, selon la fiche de la mission. "
        "Une ligne vide : composantes non renseignées.",
        "personnes": people_context(library, selected),
        "productions": [production_context(p) for p in productions],
    }

