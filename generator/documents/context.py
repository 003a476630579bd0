"""The variables a Word template sees: the only module that knows their names.

Every value is ready to print (French formatting and typography done here), so
templates hold no logic beyond loops and conditions. Missing data stays missing: an
empty field is an empty string or list, never a placeholder; the templates print
« à compléter » where the buyer expects a value.

These contexts are for the buyer's documents: nothing about how the references were
selected or ranked goes in them (that is `internal.py`'s note for the bid team).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.library.formatting import (agree_role, format_annees, format_long_date, format_montant, format_montants,
                                          format_names, typeset)
from generator.library.loader import Library
from generator.library.models import Cabinet, Membre, Mission, Montant, Personne, Production
from generator.selection.criteria import last_year, sort_missions
from generator.library.vocabulary import COMPOSANTES, fold

if TYPE_CHECKING:  # the ranking (and its stemmer) is only loaded when a tender is answered
    from generator.selection.answer import Answer

TICKED = "☒"
UNTICKED = "☐"


@dataclass
class Appel:
    """The tender being answered (all optional: a dossier can be built without one)."""

    titre: str = ""
    acheteur: str = ""
    date_limite: date | None = None
    acheteur_public: bool | None = None
    numero: str = ""  # numéro de la consultation
    lots: list[str] = field(default_factory=list)  # the lots answered
    colonnes: list[str] = field(default_factory=list)  # optional columns of the reference table the RC asks for


@dataclass
class BuildOptions:
    document_date: date  # printed on the cover and in the file properties
    appel: Appel = field(default_factory=Appel)
    selection_description: str = ""  # for the internal note and the terminal, never the buyer's document
    annexes: bool = False
    titre: str | None = None
    answer: Answer | None = None  # how the references were chosen for a tender (--bid)
    pourquoi: bool = False  # write the internal note « Pourquoi ces références » beside the dossier
    personnes: list[str] = field(default_factory=list)  # people proposed; empty: those of the selection
    bid: object | None = None  # the bid file (library.bid.Bid) the tender comes from, if any
    bid_path: str = ""
    final: bool = False  # --final: refuse to write while a gap remains (gaps.py)


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


def contact_text(mission: Mission) -> str:
    contact = mission.contact
    if contact is None:
        return ""
    return ", ".join(v for v in (contact.nom, contact.fonction, contact.telephone, contact.email) if v)


def attestation_text(mission: Mission) -> str:
    """« Oui, du 1er mars 2022, signée par Jeanne Martin » when the mission has an attestation de
    bonne exécution, else empty."""
    attestation = mission.attestation
    if attestation is None or not (attestation.fichier or attestation.date):
        return ""
    from generator.library.dates import parse_date

    day = parse_date(attestation.date) if attestation.date else None
    parts = ["Oui"]
    if attestation.date:
        parts.append(f"du {format_long_date(day)}" if day else f"du {attestation.date}")
    if attestation.signataire:
        parts.append(f"signée par {attestation.signataire}")
    return ", ".join(parts)


@dataclass(frozen=True)
class TableRow:
    """One reference as the DC2 list (arrêté du 22 mars 2019) asks for it; "" when unknown."""

    numero: int
    id: str
    titre: str
    type: str
    maitre_ouvrage: str
    nature_client: str
    annees: str  # as the source gives it: a single year stays a single year
    montant: str  # every amount with its basis, for documents
    montants: tuple[Montant, ...]  # the values themselves, for spreadsheets
    montant_manque: str  # what the amount lacks for the buyer (its HT/TTC basis), or ""
    role: str
    contact: str
    attestation: str  # « Oui, du 1er mars 2022, signée par Jeanne Martin » when the library has one, else empty


def table_row(mission: Mission, numero: int, cabinet: Cabinet | None) -> TableRow:
    """One line of the tableau des références: the DOCX table, the XLSX and the CSV all use it."""
    montants = tuple(mission.montant)
    return TableRow(
        numero=numero,
        id=mission.id or "",
        titre=mission.titre,
        type=mission.type or "",
        maitre_ouvrage=mission.maitre_ouvrage or "",
        nature_client=mission.nature_client or "",
        annees=format_annees(mission.annees),
        montant=format_montants(mission.montant),
        montants=montants,
        montant_manque="base HT ou TTC à compléter" if any(m.taxe is None for m in montants) else "",
        role=firm_role(mission, cabinet),
        contact=contact_text(mission),
        attestation=attestation_text(mission),
    )


def table_rows(selected: list[Mission], cabinet: Cabinet | None) -> list[TableRow]:
    return [table_row(m, i, cabinet) for i, m in enumerate(selected, 1)]


@dataclass(frozen=True)
class Column:
    """A column of the tableau des références: one definition for DOCX, XLSX and CSV."""

    key: str  # the TableRow attribute, and the template variable r.<key>
    header: str
    width: float  # relative width in the Word table
    chars: int  # width in the spreadsheet
    optional: bool = False  # shown only when the bid file asks for it (colonnes_tableau)


REFERENCE_COLUMNS = (
    Column("numero", "N°", 0.8, 5),
    Column("titre", "Objet de la mission", 3.4, 60),
    Column("maitre_ouvrage", "Destinataire", 2.2, 28),
    Column("nature_client", "Public ou privé", 2.3, 10),  # wide enough for « à compléter » on one line
    Column("annees", "Période", 2.3, 12),
    Column("montant", "Montant et base", 2.3, 24),  # spreadsheets: one value and one basis column per amount
    Column("role", "Rôle du cabinet", 2.3, 14),
    Column("contact", "Contact chez le client", 2.6, 36, optional=True),
    Column("attestation", "Attestation de bonne exécution", 2.2, 16),
)
OPTIONAL_COLUMNS = tuple(c.key for c in REFERENCE_COLUMNS if c.optional)


def table_columns(optional: list[str] | tuple[str, ...] = ()) -> list[Column]:
    """The columns shown: every required one, and the optional ones asked for."""
    return [c for c in REFERENCE_COLUMNS if not c.optional or c.key in optional]


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


def grid_state(mission: Mission) -> str:
    """What a fiche's grid can tell the buyer: « » when ticked, else what the bid team must do."""
    if mission.composantes_a_confirmer:
        return "composantes à confirmer"
    if not mission.composantes:
        return "composantes à compléter"
    return ""


def reference_context(mission: Mission, numero: int, cabinet: Cabinet | None) -> dict:
    row = table_row(mission, numero, cabinet)
    ticked = set(mission.composantes)
    # Every fiche has its grid; one whose ticks are unknown is printed unticked, never all ticked.
    grille = [{"nom": c, "coche": c in ticked, "case": TICKED if c in ticked else UNTICKED} for c in COMPOSANTES]
    half = (len(grille) + 1) // 2
    role = firm_role(mission, cabinet)
    champs = mission_fields(mission)
    if role:
        after = next((i + 1 for i, c in enumerate(champs) if c["libelle"] == "Équipe"), len(champs))
        champs.insert(after, {"libelle": "Rôle du cabinet", "valeur": role})
    titre_court = mission.titre if len(mission.titre) <= 70 else mission.titre[:67].rsplit(" ", 1)[0] + "…"
    enjeux, contenu = paragraphs(mission.enjeux), list(mission.contenu)
    alone, under_heading = fiche_layouts(champs, mission.titre, enjeux, contenu)
    return {
        "numero": row.numero,
        "id": row.id,
        "titre": row.titre,
        "titre_court": titre_court,
        "maitre_ouvrage": row.maitre_ouvrage,
        "nature_client": row.nature_client,
        "type": row.type,
        "annees": row.annees,
        "montant": row.montant,
        "montants": [format_montant(m) for m in row.montants],
        "montant_manque": row.montant_manque,
        "equipe": _equipe(mission.equipe),
        "role": row.role,
        "contact": row.contact,
        "attestation": row.attestation,
        "directeur": mission.directeur or "",
        "referent": mission.referent or "",
        "consultants": ", ".join(mission.consultants),
        "champs": champs,
        "grille": grille,
        "grille_manque": grid_state(mission),
        "grille_lignes": list(zip(grille[:half], grille[half:])),
        "matrice": [TICKED if c in ticked else "" for c in COMPOSANTES],
        "enjeux": enjeux,
        "contenu": contenu,
        "mise_en_page": alone,
        "mise_en_page_sous_titre": under_heading,
    }


# --- will a fiche fit on one page? ----------------------------------------------------------
# The default fiche keeps a fiche that fits on one page in one block (it moves whole to the next
# page when it does not fit in what is left); one a few lines too long is set a little tighter
# (its text in 9.5 pt, single line spacing, smaller gaps) so that it still fits; a longer one
# keeps only its head (title, identity, grid) together and flows. Word and LibreOffice both
# break a keep-together chain longer than a page at an arbitrary place (often right after the
# identity table, leaving a page with only that), hence this estimate, in points, of the default
# template's A4 page (Arial 10 pt, 17 cm of text, 9 pt in tables), checked against LibreOffice's
# pages.

FICHE_PAGE = 710.0          # usable height (734 pt) less a margin for the estimate's error
SECTION_HEADING = 50.0      # the dossier's « Fiches références » (Titre 1) above the first fiche
_TEXT_CHARS, _BULLET_CHARS, _VALUE_CHARS = 100, 96, 92


def _lines(text: str, width: int) -> int:
    return max(1, -(-len(text) // width))


def fiche_height(champs: list[dict], titre: str, enjeux: list[str], contenu: list[str],
                 tight: bool = False) -> float:
    """Estimated height in points of one fiche in the default template (tight: the tighter set)."""
    line, heading, gap, wider = (11.0, 21, 2, 1.05) if tight else (13.0, 27, 4, 1.0)
    cell, row, grid_row = (10.6, 5, 14) if tight else (11.5, 6, 16)
    height = 14 + 18 + _lines(titre, 62) * 17 + 28           # label, title (Titre 2), client
    height += sum(max(_lines(str(c["valeur"]), _VALUE_CHARS), _lines(c["libelle"], 24)) * cell + row
                  for c in champs)
    height += heading + 14 + 6 * grid_row                      # heading, grid note, 6 grid rows
    if enjeux:
        height += heading + sum(_lines(p, int(_TEXT_CHARS * wider)) * line + gap for p in enjeux)
    if contenu:
        height += heading + sum(_lines(item, int(_BULLET_CHARS * wider)) * line + 2 for item in contenu)
    return height


def fiche_layouts(champs: list[dict], titre: str, enjeux: list[str], contenu: list[str]) -> tuple[str, str]:
    """How a fiche is laid out alone on its page, and as the dossier's first fiche, which shares
    its page with the section heading: « une_page », « serree » (fits when set tighter) or
    « longue » (flows over pages)."""
    normal = fiche_height(champs, titre, enjeux, contenu)
    tight = fiche_height(champs, titre, enjeux, contenu, tight=True)

    def layout(room: float) -> str:
        return "une_page" if normal <= room else "serree" if tight <= room else "longue"

    return layout(FICHE_PAGE), layout(FICHE_PAGE - SECTION_HEADING)


IDENTITY = (
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


def cabinet_context(cabinet: Cabinet | None, root: Path | None = None) -> dict:
    cabinet = cabinet or Cabinet(nom="Cabinet (references/cabinet.yaml manquant)")
    logo = root / cabinet.logo if root is not None and cabinet.logo else None
    identite = []
    for label, key in IDENTITY:
        value = getattr(cabinet, key)
        identite.append({"libelle": label, "valeur": "" if value is None else str(value)})
    if cabinet.domaines:
        identite.append({"libelle": "Domaines", "valeur": format_names(cabinet.domaines)})
    if cabinet.qualifications:
        identite.append({"libelle": "Qualifications", "valeur": format_names(cabinet.qualifications)})
    coordonnees = [cabinet.adresse, cabinet.telephone, cabinet.email, cabinet.site_web]
    return {
        "nom": cabinet.nom,
        "sigle": cabinet.sigle or "",
        "coordonnees": [str(c) for c in coordonnees if c],
        "logo": str(logo) if logo is not None and logo.is_file() else "",
        "identite": identite,
        "presentation": paragraphs(cabinet.presentation),
        "domaines": list(cabinet.domaines),
        "chiffres_affaires": [
            {"annee": ca.annee, "montant": format_montant(ca.montant)}
            for ca in sorted(cabinet.chiffres_affaires, key=lambda ca: ca.annee, reverse=True)
        ],
    }


def person_fields(person: Personne, with_function: bool = True) -> list[dict]:
    rows = [
        *([("Fonction", person.fonction)] if with_function else []),
        ("Formation", format_names(person.formation)),
        ("Expérience", f"{person.annees_experience} ans" if person.annees_experience is not None else ""),
        ("Domaines", format_names(person.domaines)),
    ]
    # Every line, even empty: the bid team sees what is left to fill in (as for the firm).
    return [{"libelle": label, "valeur": value or ""} for label, value in rows]


# A person's role on a mission, agreed with their civilité; without one, a role noun that
# needs no agreement (never « Directeur·rice » on a CV someone signs).
_ROLES = {
    "Mme": ("Directrice de mission", "Référente", "Consultante"),
    "M.": ("Directeur de mission", "Référent", "Consultant"),
    None: ("Direction de mission", "Suivi de la mission", "Équipe de la mission"),
}


def mission_role(mission: Mission, person: Personne) -> str:
    directeur, referent, consultant = _ROLES[person.civilite]
    names = {fold(person.nom), *(fold(a) for a in person.alias)}
    if mission.directeur and fold(mission.directeur) in names:
        return directeur
    if mission.referent and fold(mission.referent) in names:
        return referent
    return consultant


def proposed_role(library: Library, person: Personne, bid) -> str:
    """The role the bid file proposes `person` for, agreed with their civilité; "" without one."""
    for entry in bid.personnes if bid is not None else ():
        found = library.person(entry.nom) if entry.role else None
        if found is not None and found.nom == person.nom:
            return agree_role(entry.role, person.civilite)
    return ""


def one_line(mission: Mission, limit: int = 170) -> str:
    """The mission in a line, from its own text: the first sentence of its enjeux (or of its
    contenu), cut at a word with « … » when longer."""
    text = (paragraphs(mission.enjeux) or list(mission.contenu) or [""])[0]
    sentence = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _mission_line(m: Mission) -> str:
    return f"{m.titre} ({m.maitre_ouvrage or 'client non renseigné'}, {format_annees(m.annees)})"


OTHER_MISSIONS = 8


def _most_recent(missions: list[Mission], when: date, count: int) -> list[Mission]:
    """The `count` most recent missions, without sorting a person's whole career."""
    newest = heapq.nlargest(count, missions, key=lambda m: (last_year(m, when) or 0, m.annees.debut if m.annees else 0))
    return sort_missions(newest, "recent", when)


def people_shown(library: Library, selected: list[Mission], names: list[str] | None = None) -> list[Personne]:
    """The people a dossier shows, each once, in order: those proposed (`names`), else those
    named on the selected missions; a name personnes/ does not know, as a bare Personne."""
    wanted = names or [name for mission in selected for name in mission.people]
    people = []
    seen = set()
    for name in wanted:
        person = library.person(name) or Personne(nom=name)
        if fold(person.nom) in seen:
            continue
        seen.add(fold(person.nom))
        people.append(person)
    return people


def people_context(library: Library, selected: list[Mission], when: date, names: list[str] | None = None,
                   bid=None) -> list[dict]:
    """The people proposed (`names`), else those named on the selected missions.

    Each comes with the role the bid file proposes them for, the selected missions they
    worked on, then their other missions of the library, derived from directeur /
    référent / consultants.
    """
    people = []
    chosen = {id(m) for m in selected}  # compared by identity: pydantic's == walks every field of both missions
    for person in people_shown(library, selected, names):
        all_theirs = library.missions_of(person)
        theirs = {id(m) for m in all_theirs}
        others = [m for m in all_theirs if id(m) not in chosen]
        role = proposed_role(library, person, bid)
        people.append({
            "nom": person.nom,
            "fonction": person.fonction or "",
            "role_propose": role,
            "champs": ([{"libelle": "Rôle proposé", "valeur": role}] if role else []) + person_fields(person),
            "missions": [_mission_line(m) for m in selected if id(m) in theirs],
            # A short CV in the dossier: the most recent few; `dossier cv` lists them all.
            "autres_missions": [_mission_line(m) for m in _most_recent(others, when, OTHER_MISSIONS)],
        })
    return people


def cv_context(library: Library, person: Personne, options: BuildOptions) -> dict:
    missions = sort_missions(library.missions_of(person), "recent", options.document_date)
    return typeset_all({
        "document": {"titre": f"CV — {person.nom}", "date": format_long_date(options.document_date)},
        "cabinet": cabinet_context(library.cabinet, library.root),
        "appel": appel_context(options.appel),
        "personne": {
            "nom": person.nom,
            "fonction": person.fonction or "",
            "role_propose": proposed_role(library, person, options.bid),
            "champs": person_fields(person, with_function=False),
            "presentation": paragraphs(person.presentation),
            "references": [
                {
                    "annees": format_annees(m.annees),
                    "maitre_ouvrage": m.maitre_ouvrage or "",
                    "titre": m.titre,
                    "role": mission_role(m, person),
                    "description": one_line(m),
                }
                for m in missions
            ],
        },
    })


def production_context(production: Production) -> dict:
    return {
        "titre": production.titre,
        "nature": production.nature or "",
        "numero": production.numero or "",
        "maitre_ouvrage": production.maitre_ouvrage or "",
        "annee": str(production.annee or ""),
        "entete": list(production.entete),
        "sections": [{"titre": s.titre, "paragraphes": list(s.paragraphes), "puces": list(s.puces)} for s in production.sections],
    }


def appel_context(appel: Appel) -> dict:
    return {
        "titre": appel.titre,
        "acheteur": appel.acheteur,
        "date_limite": format_long_date(appel.date_limite) if appel.date_limite else "",
        "nature": {True: "acheteur public", False: "acheteur privé"}.get(appel.acheteur_public, ""),
        "numero": appel.numero,
        "lots": list(appel.lots),
    }


def document_context(library: Library, selected: list[Mission], options: BuildOptions, titre: str) -> dict:
    """Everything the dossier, table and fiches templates use: what the buyer reads, only."""
    productions = [p for p in library.productions if not p.confidentiel] if options.annexes else []
    columns = {c.key for c in table_columns(options.appel.colonnes)}
    return typeset_all({
        "document": {"titre": options.titre or titre, "date": format_long_date(options.document_date)},
        "appel": appel_context(options.appel),
        "selection": {"nombre": len(selected)},
        "tableau": {key: key in columns for key in OPTIONAL_COLUMNS},
        "cabinet": cabinet_context(library.cabinet, library.root),
        "references": [reference_context(m, i, library.cabinet) for i, m in enumerate(selected, 1)],
        "composantes": list(COMPOSANTES),
        "legende_matrice": f"{TICKED} : composante réalisée, selon la fiche de la mission.",
        "personnes": people_context(library, selected, options.document_date, options.personnes, options.bid),
        "productions": [production_context(p) for p in productions],
    })


_PATHS = {"logo"}  # file names, not text


def typeset_all(value, _done: dict | None = None):
    """Every text of a context with French typography (formatting.typeset), at render time."""
    # A 100-fiche context holds some 20,000 values, many of them the same labels: each text
    # is set once (`_done`), and the plain types are told apart before the general case.
    done = {} if _done is None else _done
    kind = type(value)
    if kind is str:
        if value not in done:
            done[value] = typeset(value)
        return done[value]
    if kind is dict:
        return {k: v if k in _PATHS else typeset_all(v, done) for k, v in value.items()}
    if kind is list:
        return [typeset_all(v, done) for v in value]
    if isinstance(value, str):
        return typeset(value)
    if isinstance(value, dict):
        return {k: v if k in _PATHS else typeset_all(v, done) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(typeset_all(v, done) for v in value)
    if isinstance(value, TableRow):
        return replace(value, **{f.name: typeset_all(getattr(value, f.name), done) for f in fields(value)})
    return value


# --- the documented variables -------------------------------------------------------------
# What a template may use, path by path: `x[]` is an item of the list `x`. The README's
# variable list is generated from these (tests check it, and that they match the contexts
# above exactly), so the documentation cannot drift from the code.

_COMMON_VARIABLES = {
    "document.titre": "Titre du document (--titre, sinon « Dossier de candidature », « Tableau des références »…)",
    "document.date": "Date du document, en toutes lettres (« 15 janvier 2027 », --date)",
    "cabinet.nom": "Raison sociale du cabinet",
    "cabinet.sigle": "Sigle du cabinet",
    "cabinet.coordonnees": "Adresse, téléphone, courriel, site : les lignes renseignées, dans cet ordre",
    "cabinet.logo": "Chemin de l'image du logo (champ logo de cabinet.yaml) ou vide",
    "cabinet.identite": "Fiche d'identité : une ligne par rubrique, vide quand elle n'est pas renseignée",
    "cabinet.identite[].libelle": "Rubrique (« SIRET », « Adresse »…)",
    "cabinet.identite[].valeur": "Valeur, ou texte vide (« à compléter » dans le modèle par défaut)",
    "cabinet.presentation": "Présentation du cabinet : liste de paragraphes",
    "cabinet.domaines": "Domaines d'intervention (liste)",
    "cabinet.chiffres_affaires": "Chiffres d'affaires, du plus récent au plus ancien",
    "cabinet.chiffres_affaires[].annee": "Année",
    "cabinet.chiffres_affaires[].montant": "Montant mis en forme (« 1 250 000 € HT »)",
}

DOCUMENT_VARIABLES = {
    **_COMMON_VARIABLES,
    "appel.titre": "Intitulé de l'appel d'offres (--appel)",
    "appel.acheteur": "Acheteur public (--acheteur)",
    "appel.date_limite": "Date limite de remise des offres, en toutes lettres (--date-limite)",
    "appel.nature": "« acheteur public », « acheteur privé » ou vide (fichier d'appel, --bid)",
    "appel.numero": "Numéro de la consultation (fichier d'appel : numero_consultation)",
    "appel.lots": "Lots auxquels le cabinet répond (liste ; fichier d'appel : lots, lots_repondus)",
    "selection.nombre": "Nombre de références retenues",
    "tableau.contact": "Vrai si le tableau des références a la colonne Contact (fichier d'appel : colonnes_tableau)",
    "references": "Les références retenues, dans l'ordre de la sélection",
    "references[].numero": "Numéro d'ordre (1, 2…)",
    "references[].id": "Identifiant de la mission",
    "references[].titre": "Intitulé de la mission",
    "references[].titre_court": "Intitulé abrégé à 70 caractères (matrice)",
    "references[].maitre_ouvrage": "Maître d'ouvrage (client)",
    "references[].nature_client": "« public », « privé » ou vide",
    "references[].type": "Type de mission",
    "references[].annees": "Années (« 2018–2021 », « 2022–en cours »)",
    "references[].montant": "Montant(s) avec leur base (« 99 685 € HT ; 12 000 € HT (tranche optionnelle) »)",
    "references[].montants": "Les mêmes montants, un par élément de liste",
    "references[].equipe": "Équipe (« Tracés urbains (mandataire), Perspectives Urbaines et Sociales »)",
    "references[].role": "Rôle du cabinet dans l'équipe (mandataire, cotraitant, sous-traitant) ou vide",
    "references[].contact": "Contact chez le client (nom, fonction, téléphone, courriel) ou vide",
    "references[].montant_manque": "Ce qui manque au montant pour l'acheteur (« base HT ou TTC à compléter ») ou vide",
    "references[].attestation": "Attestation de bonne exécution (« Oui, du 1er mars 2022, signée par … ») ou vide",
    "references[].directeur": "Directeur de mission",
    "references[].referent": "Référent",
    "references[].consultants": "Consultants mobilisés, séparés par des virgules",
    "references[].champs": "Lignes « libellé : valeur » de la fiche, les vides omises",
    "references[].champs[].libelle": "Libellé (« Maître d'ouvrage », « Montant de la mission »…)",
    "references[].champs[].valeur": "Valeur mise en forme",
    "references[].grille": "Les 12 composantes avec leur case (toutes décochées quand la grille est inconnue)",
    "references[].grille_manque": "« composantes à confirmer », « composantes à compléter » ou vide",
    "references[].grille[].nom": "Nom de la composante",
    "references[].grille[].coche": "Vrai si la composante est cochée",
    "references[].grille[].case": "☒ ou ☐",
    "references[].grille_lignes": "La grille en deux colonnes : des paires (a, b) d'éléments de grille",
    "references[].grille_lignes[]": "Une paire (a, b)",
    "references[].grille_lignes[][].nom": "Nom de la composante",
    "references[].grille_lignes[][].coche": "Vrai si la composante est cochée",
    "references[].grille_lignes[][].case": "☒ ou ☐",
    "references[].matrice": "Une case par composante, dans l'ordre de `composantes` : ☒ ou vide",
    "references[].enjeux": "Enjeux : liste de paragraphes",
    "references[].contenu": "Contenu : une puce par élément",
    "references[].mise_en_page": "« une_page » (la fiche tient sur une page), « serree » (elle y tient, resserrée) "
                                 "ou « longue » (elle s'étend sur plusieurs pages)",
    "references[].mise_en_page_sous_titre": "La même chose pour une fiche placée sous un Titre 1 (la première du dossier)",
    "composantes": "Les 12 composantes, dans l'ordre de la grille",
    "legende_matrice": "Légende de la matrice références × composantes",
    "personnes": "Les personnes nommées sur les références retenues (moyens humains)",
    "personnes[].nom": "Prénom Nom",
    "personnes[].fonction": "Fonction",
    "personnes[].role_propose": "Rôle proposé pour cet appel (fichier d'appel), accordé selon la civilité ; vide sans lui",
    "personnes[].champs": "Lignes « libellé : valeur » (rôle proposé s'il y en a un, fonction, formation, expérience, domaines)",
    "personnes[].champs[].libelle": "Libellé",
    "personnes[].champs[].valeur": "Valeur, vide quand elle n'est pas renseignée",
    "personnes[].missions": "Ses missions parmi les références retenues, une ligne chacune",
    "personnes[].autres_missions": "Ses autres missions de la bibliothèque, les 8 plus récentes (toutes : dossier cv)",
    "productions": "Travaux produits joints en annexe (avec --annexes ; sinon liste vide)",
    "productions[].titre": "Titre",
    "productions[].nature": "Nature du document",
    "productions[].numero": "Numéro",
    "productions[].maitre_ouvrage": "Maître d'ouvrage",
    "productions[].annee": "Année",
    "productions[].entete": "Lignes de rattachement (liste)",
    "productions[].sections": "Sections",
    "productions[].sections[].titre": "Titre de la section",
    "productions[].sections[].paragraphes": "Paragraphes (liste)",
    "productions[].sections[].puces": "Puces (liste)",
}

CV_VARIABLES = {
    **_COMMON_VARIABLES,
    **{k: v for k, v in DOCUMENT_VARIABLES.items() if k.startswith("appel.")},
    "personne.nom": "Prénom Nom",
    "personne.fonction": "Fonction",
    "personne.role_propose": "Rôle proposé pour cet appel (dossier cv --bid), accordé selon la civilité ; vide sans lui",
    "personne.champs": "Lignes « libellé : valeur » (formation, expérience, domaines)",
    "personne.champs[].libelle": "Libellé",
    "personne.champs[].valeur": "Valeur, vide quand elle n'est pas renseignée",
    "personne.presentation": "Présentation : liste de paragraphes",
    "personne.references": "Ses missions dans la bibliothèque",
    "personne.references[].annees": "Années",
    "personne.references[].maitre_ouvrage": "Maître d'ouvrage",
    "personne.references[].titre": "Intitulé de la mission",
    "personne.references[].role": "Son rôle, accordé selon sa civilité (directrice de mission, référent, consultante…)",
    "personne.references[].description": "La mission en une ligne (première phrase des enjeux)",
}

# Which variables each default template (and a custom one of that name) can use.
TEMPLATE_VARIABLES = {
    "dossier": DOCUMENT_VARIABLES,
    "tableau": DOCUMENT_VARIABLES,
    "fiches": DOCUMENT_VARIABLES,
    "cv": CV_VARIABLES,
}



# The user's own text in a reference, which a template that names the variable must print whole.
_CHECKED = ("titre", "maitre_ouvrage", "type", "annees", "montant", "equipe", "enjeux", "contenu")


def expected_texts(context: dict) -> list[tuple[tuple[str, ...], str, str]]:
    """(variable names, where it comes from, text) for the content check after rendering.

    A text is expected only when the template uses every one of its variable names,
    so a template that leaves a field out on purpose is not flagged.
    """
    found = []
    for reference in context.get("references", []):
        origin = f"référence {reference['id']}"
        for key in _CHECKED:
            value = reference.get(key)
            for text in value if isinstance(value, list) else [value]:
                if text:
                    found.append(((key,), f"{origin}, champ « {key} »", text))
        for row in reference.get("champs", []):
            found.append((("champs", "valeur"), f"{origin}, ligne « {row['libelle']} »", row["valeur"]))
    return found
