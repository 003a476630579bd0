"""The variables a Word template sees: the only module that knows their names.

Every value is ready to print (French formatting done here), so templates hold no
logic beyond loops and conditions. Missing data stays missing: an empty field is an
empty string or list, never a placeholder, except where the template asks for
« à compléter » on purpose.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from generator.library.formatting import format_annees, format_long_date, format_montant, format_montants, format_names
from generator.library.loader import Library
from generator.library.models import Cabinet, Membre, Mission, Montant, Personne, Production
from generator.selection.criteria import last_year, sort_missions
from generator.library.vocabulary import COMPOSANTES, fold

if TYPE_CHECKING:  # the ranking (and bm25s) is only loaded when a tender is answered
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
    lots: list[str] = field(default_factory=list)


@dataclass
class BuildOptions:
    document_date: date  # printed on the cover and in the file properties
    appel: Appel = field(default_factory=Appel)
    selection_description: str = ""
    annexes: bool = False
    titre: str | None = None
    answer: Answer | None = None  # how the references were chosen for a tender (--bid)
    pourquoi: bool = False  # add the « Pourquoi ces références » note for the bid team
    personnes: list[str] = field(default_factory=list)  # people proposed; empty: those of the selection


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
    """« oui, du 1er mars 2022, signée par Jeanne Martin » when the mission has an attestation de
    bonne exécution, else empty."""
    attestation = mission.attestation
    if attestation is None or not (attestation.fichier or attestation.date):
        return ""
    from generator.library.dates import parse_date

    day = parse_date(attestation.date) if attestation.date else None
    parts = ["oui"]
    if attestation.date:
        parts.append(f"du {format_long_date(day)}" if day else f"du {attestation.date}")
    if attestation.signataire:
        parts.append(f"signée par {attestation.signataire}")
    return ", ".join(parts)


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
    attestation: str  # « 1er mars 2022, Jeanne Martin » when the library has one, else empty


def table_row(mission: Mission, numero: int, cabinet: Cabinet | None) -> TableRow:
    """One line of the tableau des références: the DOCX table, the XLSX and the CSV all use it."""
    annees = mission.annees
    fin = None
    if annees is not None:
        fin = "en cours" if annees.en_cours else annees.last
    return TableRow(
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
        equipe=_equipe(mission.equipe),
        contact=contact_text(mission) if mission.nature_client != "privé" else "",
        attestation=attestation_text(mission),
    )


def table_rows(selected: list[Mission], cabinet: Cabinet | None) -> list[TableRow]:
    return [table_row(m, i, cabinet) for i, m in enumerate(selected, 1)]


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


def reference_context(mission: Mission, numero: int, cabinet: Cabinet | None, note: str = "") -> dict:
    row = table_row(mission, numero, cabinet)
    ticked = set(mission.composantes)
    grille = [{"nom": c, "coche": c in ticked, "case": TICKED if c in ticked else UNTICKED} for c in COMPOSANTES]
    if not mission.composantes:
        grille = []
    half = (len(grille) + 1) // 2
    role = firm_role(mission, cabinet)
    champs = mission_fields(mission)
    if role:
        after = next((i + 1 for i, c in enumerate(champs) if c["libelle"] == "Équipe"), len(champs))
        champs.insert(after, {"libelle": "Rôle du cabinet", "valeur": role})
    titre_court = mission.titre if len(mission.titre) <= 70 else mission.titre[:67].rsplit(" ", 1)[0] + "…"
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
        "equipe": row.equipe,
        "role": row.role,
        "contact": row.contact,
        "attestation": row.attestation,
        "note": note,
        "directeur": mission.directeur or "",
        "referent": mission.referent or "",
        "consultants": ", ".join(mission.consultants),
        "champs": champs,
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
    coordonnees = [cabinet.adresse, cabinet.telephone, cabinet.email, cabinet.site_web]
    return {
        "nom": cabinet.nom,
        "sigle": cabinet.sigle or "",
        "coordonnees": [str(c) for c in coordonnees if c],
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
    # Every line, even empty: the bid team sees what is left to fill in (as for the firm).
    return [{"libelle": label, "valeur": value or ""} for label, value in rows]


def mission_role(mission: Mission, person: Personne) -> str:
    names = {fold(person.nom), *(fold(a) for a in person.alias)}
    if mission.directeur and fold(mission.directeur) in names:
        return "Directeur·rice de mission"
    if mission.referent and fold(mission.referent) in names:
        return "Référent·e"
    return "Consultant·e"


def _mission_line(m: Mission) -> str:
    return f"{m.titre} ({m.maitre_ouvrage or 'client non renseigné'}, {format_annees(m.annees)})"


OTHER_MISSIONS = 8


def _most_recent(missions: list[Mission], when: date, count: int) -> list[Mission]:
    """The `count` most recent missions, without sorting a person's whole career."""
    newest = heapq.nlargest(count, missions, key=lambda m: (last_year(m, when) or 0, m.annees.debut if m.annees else 0))
    return sort_missions(newest, "recent", when)


def people_context(library: Library, selected: list[Mission], when: date, names: list[str] | None = None) -> list[dict]:
    """The people proposed (`names`), else those named on the selected missions.

    Each comes with the selected missions they worked on, then their other missions
    of the library, derived from directeur / référent / consultants.
    """
    wanted = names or [name for mission in selected for name in mission.people]
    people = []
    seen = set()
    for name in wanted:
        person = library.person(name) or Personne(nom=name)
        if fold(person.nom) in seen:
            continue
        seen.add(fold(person.nom))
        # Compared by identity: pydantic's == walks every field of both missions.
        all_theirs = library.missions_of(person)
        theirs = {id(m) for m in all_theirs}
        chosen = {id(m) for m in selected}
        others = [m for m in all_theirs if id(m) not in chosen]
        people.append({
            "nom": person.nom,
            "fonction": person.fonction or "",
            "champs": person_fields(person),
            "missions": [_mission_line(m) for m in selected if id(m) in theirs],
            # A short CV in the dossier: the most recent few; `dossier cv` lists them all.
            "autres_missions": [_mission_line(m) for m in _most_recent(others, when, OTHER_MISSIONS)],
        })
    return people


def cv_context(library: Library, person: Personne, options: BuildOptions) -> dict:
    missions = sort_missions(library.missions_of(person), "recent", options.document_date)
    return {
        "document": {"titre": f"CV — {person.nom}", "date": format_long_date(options.document_date)},
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
    notes = options.answer.old_notes() if options.answer else {}
    productions = [p for p in library.productions if not p.confidentiel] if options.annexes else []
    return {
        "document": {"titre": options.titre or titre, "date": format_long_date(options.document_date)},
        "appel": {
            "titre": appel.titre,
            "acheteur": appel.acheteur,
            "date_limite": format_long_date(appel.date_limite) if appel.date_limite else "",
            "nature": {True: "acheteur public", False: "acheteur privé"}.get(appel.acheteur_public, ""),
            "lots": list(appel.lots),
        },
        "selection": {"nombre": len(selected), "description": options.selection_description},
        "cabinet": cabinet_context(library.cabinet),
        "references": [reference_context(m, i, library.cabinet, notes.get(m.id, "")) for i, m in enumerate(selected, 1)],
        "composantes": list(COMPOSANTES),
        "legende_matrice": f"{TICKED} : composante réalisée, selon la fiche de la mission. "
        "Une ligne vide : composantes non renseignées.",
        "personnes": people_context(library, selected, options.document_date, options.personnes),
        "productions": [production_context(p) for p in productions],
        "pourquoi": why_context(options.answer) if options.pourquoi and options.answer else None,
    }


def _terms(verdict) -> str:
    return " ; ".join(f"{m.label} ({', '.join(m.fields)})" for m in verdict.relevance.matches[:8])


def why_context(answer: Answer) -> dict:
    """The « Pourquoi ces références » note: for the bid team, not the buyer."""
    return {
        "periode": ("missions " if answer.start else "") + answer.period,
        "ordre": "pertinence par rapport au besoin de l'appel" if answer.ranked else "ordre demandé (--sort)",
        "retenues": [
            {
                "rang": v.rank,
                "titre": v.mission.titre,
                "score": f"{v.score:.1f}".replace(".", ","),
                "termes": _terms(v) or "aucun terme du besoin",
                "note": v.note,
            }
            for v in answer.kept
        ],
        "ecartees": [
            {"titre": v.mission.titre, "raison": " ; ".join(v.reasons), "de_peu": v.near_miss}
            for v in answer.excluded
        ] + [
            {"titre": v.mission.titre, "raison": f"moins pertinente, au-delà des {answer.wanted} références demandées", "de_peu": False}
            for v in answer.beyond_limit
        ],
    }


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
    "appel.lots": "Lots de la consultation (liste ; fichier d'appel)",
    "selection.nombre": "Nombre de références retenues",
    "selection.description": "Critères de sélection, en clair (« type : « Stratégie » »)",
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
    "references[].contact": "Contact chez un client public (nom, fonction, téléphone, courriel) ou vide",
    "references[].attestation": "Attestation de bonne exécution (« oui, du 1er mars 2022, signée par … ») ou vide",
    "references[].note": "Mention d'une référence antérieure à la période, retenue à dessein ou pour compléter la liste (--bid), ou vide",
    "references[].directeur": "Directeur de mission",
    "references[].referent": "Référent",
    "references[].consultants": "Consultants mobilisés, séparés par des virgules",
    "references[].champs": "Lignes « libellé : valeur » de la fiche, les vides omises",
    "references[].champs[].libelle": "Libellé (« Maître d'ouvrage », « Montant de la mission »…)",
    "references[].champs[].valeur": "Valeur mise en forme",
    "references[].grille": "Les 12 composantes avec leur case, ou liste vide si la fiche n'en dit rien",
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
    "composantes": "Les 12 composantes, dans l'ordre de la grille",
    "legende_matrice": "Légende de la matrice références × composantes",
    "personnes": "Les personnes nommées sur les références retenues (moyens humains)",
    "personnes[].nom": "Prénom Nom",
    "personnes[].fonction": "Fonction",
    "personnes[].champs": "Lignes « libellé : valeur » (fonction, formation, expérience, domaines)",
    "personnes[].champs[].libelle": "Libellé",
    "personnes[].champs[].valeur": "Valeur, vide quand elle n'est pas renseignée",
    "personnes[].missions": "Ses missions parmi les références retenues, une ligne chacune",
    "personnes[].autres_missions": "Ses autres missions de la bibliothèque, les 8 plus récentes (toutes : dossier cv)",
    "productions": "Travaux produits joints en annexe (avec --annexes ; sinon liste vide)",
    "productions[].titre": "Titre",
    "productions[].nature": "Nature du document",
    "productions[].numero": "Numéro",
    "productions[].entete": "Lignes de rattachement (liste)",
    "productions[].sections": "Sections",
    "productions[].sections[].titre": "Titre de la section",
    "productions[].sections[].paragraphes": "Paragraphes (liste)",
    "productions[].sections[].puces": "Puces (liste)",
    "pourquoi": "Note « Pourquoi ces références » pour l'équipe (build --pourquoi), sinon vide",
    "pourquoi.periode": "Période de récence appliquée, en clair",
    "pourquoi.ordre": "Ordre des références (pertinence ou tri demandé)",
    "pourquoi.retenues": "Références retenues, dans l'ordre",
    "pourquoi.retenues[].rang": "Rang",
    "pourquoi.retenues[].titre": "Intitulé",
    "pourquoi.retenues[].score": "Score de pertinence (« 12,4 »)",
    "pourquoi.retenues[].termes": "Termes du besoin trouvés, avec les champs où ils sont",
    "pourquoi.retenues[].note": "« retenue à la main… », « gardée pour compléter la liste… » ou vide",
    "pourquoi.ecartees": "Références écartées, avec la raison",
    "pourquoi.ecartees[].titre": "Intitulé",
    "pourquoi.ecartees[].raison": "Raison(s) de l'exclusion",
    "pourquoi.ecartees[].de_peu": "Vrai si la référence est écartée de peu (juste hors période)",
}

CV_VARIABLES = {
    **_COMMON_VARIABLES,
    "personne.nom": "Prénom Nom",
    "personne.fonction": "Fonction",
    "personne.champs": "Lignes « libellé : valeur » (fonction, formation, expérience, domaines)",
    "personne.champs[].libelle": "Libellé",
    "personne.champs[].valeur": "Valeur, vide quand elle n'est pas renseignée",
    "personne.presentation": "Présentation : liste de paragraphes",
    "personne.references": "Ses missions dans la bibliothèque",
    "personne.references[].annees": "Années",
    "personne.references[].maitre_ouvrage": "Maître d'ouvrage",
    "personne.references[].titre": "Intitulé de la mission",
    "personne.references[].role": "Son rôle (directeur·rice de mission, référent·e, consultant·e)",
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
