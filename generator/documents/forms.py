"""The candidature forms DC1, DC2 (one per candidate) and DC4 (one per subcontractor).

Each form is rendered from a context built here from the firm's data, the groupement's
members and the bid file; an unknown datum is an empty value, which the template prints
« à compléter » in red and `form_gaps` reports. Nothing here prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.documents.build import Template, _render, find_template
from generator.documents.context import BuildOptions, reference_context, typeset_all
from generator.library.bid import Bid, SousTraitant
from generator.library.dates import parse_date
from generator.library.candidature import Candidate, last_turnovers
from generator.library.formatting import format_long_date, format_montant
from generator.library.loader import Library
from generator.library.models import Cabinet, Mission
from generator.library.vocabulary import fold

TICKED, UNTICKED = "☒", "☐"
NO_PROOF = "Le candidat ne déclare pas de documents de preuve disponibles en ligne."


def _case(ticked: bool, text: str) -> dict:
    return {"case": TICKED if ticked else UNTICKED, "texte": text}


def _row(label: str, value) -> dict:
    return {"libelle": label, "valeur": "" if value is None else str(value)}


def format_siret(siret: str | None) -> str:
    """« 732 829 320 00074 »: SIREN in threes, then the NIC, as on the Insee notice."""
    if not siret:
        return ""
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" if len(siret) == 14 else siret


def _long_date(text: str | None) -> str:
    parsed = parse_date(text) if text else None
    return format_long_date(parsed) if parsed else (text or "")


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("oui" if value else "non")


def _common(bid: Bid, firm: Cabinet, title: str, today: date) -> dict:
    lots = [f"Lot {lot.numero} : {lot.intitule}" if lot.numero else lot.intitule for lot in bid.answered_lots]
    lines = [_row("Objet de la consultation", bid.titre), _row("Numéro de la consultation", bid.numero_consultation)]
    if lots:
        lines.append(_row("Lot(s)", " ; ".join(lots)))
    return {
        "document": {"titre": title, "date": format_long_date(today)},
        "cabinet": {"nom": firm.nom, "sigle": firm.sigle or ""},
        "acheteur": [_row("Acheteur", bid.acheteur)],
        "consultation": {"objet": bid.titre or "", "numero": bid.numero_consultation or "", "lignes": lines},
        "preuves_en_ligne": NO_PROOF,
    }


def _email(data: Cabinet) -> str:
    return data.email or (data.correspondant.email if data.correspondant else None) or ""


def _phone(data: Cabinet) -> str:
    return data.telephone or (data.correspondant.telephone if data.correspondant else None) or ""


def _signatory(data: Cabinet) -> str:
    signer = data.signataire
    name = (signer.nom if signer else None) or data.representant or ""
    quality = signer.qualite if signer else None
    if not name:
        return ""
    return f"{name}, {quality}" if quality else name


def _identity(data: Cabinet) -> list[dict]:
    return [
        _row("Dénomination sociale", data.nom),
        _row("Sigle ou nom commercial", data.sigle),
        _row("Forme juridique", data.forme_juridique),
        _row("Adresse de l'établissement", data.adresse),
        _row("Adresse électronique", _email(data)),
        _row("Téléphone", _phone(data)),
        _row("Numéro SIRET", format_siret(data.siret)),
    ]


# --- DC1 ---------------------------------------------------------------------------------------

def dc1_context(bid: Bid, people: list[Candidate], today: date) -> dict:
    firm = people[0].data
    group = bid.groupement
    context = _common(bid, firm, "Lettre de candidature (DC1)", today)
    answered = [lot for lot in bid.answered_lots]
    some_lots = bool(bid.lots) and len(answered) < len(bid.lots)
    lots_text = ", ".join(f"n° {lot.numero}" if lot.numero else lot.intitule for lot in answered)
    context["objet_candidature"] = [
        _case(not bid.lots, "au marché public ou à l'accord-cadre (en cas de non allotissement)"),
        _case(bool(bid.lots) and not some_lots, "à tous les lots de la consultation"),
        _case(some_lots, f"au(x) lot(s) suivant(s) : {lots_text}" if some_lots else "au(x) lot(s) suivant(s)"),
    ]
    context["presentation"] = [
        _case(group is None, "Le candidat se présente seul."),
        _case(group is not None and group.forme == "conjoint", "Groupement conjoint"),
        _case(group is not None and group.forme == "solidaire", "Groupement solidaire"),
    ]
    membres = []
    for who in people:
        role = "" if group is None else ("mandataire" if who.is_mandataire else "co-traitant")
        champs = [*_identity(who.data)[:1], *_identity(who.data)[2:]]
        if group is not None:
            champs.append(_row("Prestations exécutées", who.prestations))
        membres.append({"titre": who.data.nom + (f" — {role}" if role else ""), "champs": champs})
    context["membres"] = membres
    context["capacites"] = [_case(True, "Le candidat individuel ou chaque membre du groupement présente ses capacités "
                                        "dans le formulaire DC2 joint (un par membre).")]
    if group is None:
        context["groupement"], context["mandataire_cases"] = [], []
    else:
        mandataire = next(c for c in people if c.is_mandataire)
        context["groupement"] = [_row("Mandataire", mandataire.data.nom),
                                 _row("Forme du groupement", group.forme)]
        solidaire = group.forme == "solidaire" or group.mandataire_solidaire
        context["mandataire_cases"] = [
            _case(group.forme == "conjoint" and not group.mandataire_solidaire,
                  "En cas de groupement conjoint, le mandataire n'est pas solidaire des autres membres."),
            _case(group.forme == "conjoint" and solidaire,
                  "En cas de groupement conjoint, le mandataire est solidaire de chacun des membres pour ses "
                  "obligations contractuelles."),
        ]
    context["signataires"] = [{"signataire": _signatory(c.data), "membre": c.data.nom} for c in people]
    return context


# --- DC2 ---------------------------------------------------------------------------------------

def dc2_context(bid: Bid, who: Candidate, firm: Cabinet, references: list[dict], today: date) -> dict:
    data = who.data
    context = _common(bid, firm, f"Déclaration du candidat (DC2) — {data.nom}", today)
    identity = _identity(data) + [_row("Micro, petite ou moyenne entreprise", _yes_no(data.pme)),
                                  _row("Signataire", _signatory(data))]
    turnovers = [
        {"exercice": str(ca.annee), "global": format_montant(ca.montant),
         "domaine": format_montant(ca.part_domaine) if ca.part_domaine else ""}
        for ca in last_turnovers(data)
    ]
    staff = [
        {"annee": str(e.annee), "total": "" if e.total is None else str(e.total),
         "encadrement": "" if e.encadrement is None else str(e.encadrement)}
        for e in sorted(data.effectifs, key=lambda e: e.annee, reverse=True)[:3]
    ]
    insurance = data.assurance
    context["candidat"] = {
        "nom": data.nom,
        "mandataire": bool(bid.groupement) and who.is_mandataire,
        "identite": identity,
        "qualifications": list(data.qualifications),
        "chiffres_affaires": turnovers or [{"exercice": "", "global": "", "domaine": ""}],
        "assurance": [
            _row("Assureur", insurance.assureur if insurance else None),
            _row("Numéro de police", insurance.police if insurance else None),
            _row("Valable jusqu'au", _long_date(insurance.valide_jusqu_au) if insurance else None),
        ],
        "effectifs": staff or [{"annee": "", "total": "", "encadrement": ""}],
        "moyens_techniques": list(data.moyens_techniques),
        "sous_traitants": [f"{s.nom} : {s.prestations or 'prestations à préciser'}"
                           for s in bid.sous_traitants] if who.is_firm else [],
    }
    context["references"] = references if who.is_firm else []
    return context


_REFERENCE_KEYS = ("id", "numero", "maitre_ouvrage", "nature_client", "contact", "titre", "type", "annees",
                   "montant", "montant_manque", "equipe", "role", "attestation")


def references_rows(selected: list[Mission], firm: Cabinet | None) -> list[dict]:
    """The rows of the reference table the DC2 shows (the same as the dossier's)."""
    rows = []
    for number, mission in enumerate(selected, 1):
        full = reference_context(mission, number, firm)
        rows.append(typeset_all({key: full[key] for key in _REFERENCE_KEYS}))
    return rows


# --- DC4 ---------------------------------------------------------------------------------------

def dc4_context(bid: Bid, people: list[Candidate], index: int, today: date) -> dict:
    firm = people[0].data
    sub = bid.sous_traitants[index]
    context = _common(bid, firm, f"Déclaration de sous-traitance (DC4) — {sub.nom}", today)
    context["objet_declaration"] = [
        _case(True, "Le présent document est un document annexé à l'offre du soumissionnaire."),
        _case(False, "Le présent document est un acte spécial."),
        _case(False, "Le présent document est un acte spécial modificatif."),
    ]
    soumissionnaire = [*_identity(firm)[:1], *_identity(firm)[2:]]
    if bid.groupement is not None:
        mandataire = next(c for c in people if c.is_mandataire)
        soumissionnaire.append(_row("Groupement", f"{bid.groupement.forme}, mandataire : {mandataire.data.nom}"))
    context["soumissionnaire"] = soumissionnaire
    context["sous_traitant"] = {
        "nom": sub.nom,
        "identite": [
            _row("Dénomination sociale", sub.nom),
            _row("Sigle ou nom commercial", sub.sigle),
            _row("Forme juridique", sub.forme_juridique),
            _row("Adresse de l'établissement", sub.adresse),
            _row("Adresse électronique", sub.email),
            _row("Téléphone", sub.telephone),
            _row("Numéro SIRET", format_siret(sub.siret)),
            _row("Personne habilitée à l'engager", sub.representant),
            _row("Micro, petite ou moyenne entreprise", _yes_no(sub.pme)),
        ],
        "prestations": [
            _row("Nature des prestations sous-traitées", sub.prestations),
            _row("Montant maximum des sommes à verser", format_montant(sub.montant) if sub.montant else ""),
        ],
        "duree": [_row("Durée du contrat de sous-traitance (mois)", sub.duree_mois)],
    }
    context["signataires"] = [
        {"signataire": _signatory(firm), "membre": firm.nom},
        {"signataire": sub.representant or "", "membre": sub.nom},
    ]
    return context


# --- rendering ---------------------------------------------------------------------------------

@dataclass
class FormFile:
    kind: str  # dc1, dc2, dc4
    name: str  # file name, without folder
    who: str  # the member or subcontractor it is for (its sigle or name)
    data: bytes


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in fold(text)).split())[:40] or "x"


def render_forms(library: Library, bid: Bid, people: list[Candidate], selected: list[Mission], today: date,
                 templates_dir: Path | None) -> list[FormFile]:
    """DC1, one DC2 per candidate, one DC4 per subcontractor, as DOCX bytes."""
    options = BuildOptions(document_date=today)
    firm = people[0].data

    def render(kind: str, context: dict) -> bytes:
        template: Template = find_template(kind, templates_dir)
        return _render(template, context, library, options)

    files = [FormFile("dc1", "DC1.docx", firm.sigle or firm.nom, render("dc1", dc1_context(bid, people, today)))]
    rows = references_rows(selected, library.cabinet)
    for who in people:
        files.append(FormFile("dc2", f"DC2-{_slug(who.short)}.docx", who.short,
                              render("dc2", dc2_context(bid, who, firm, rows, today))))
    for index, sub in enumerate(bid.sous_traitants):
        files.append(FormFile("dc4", f"DC4-{_slug(sub.sigle or sub.nom)}.docx", sub.sigle or sub.nom,
                              render("dc4", dc4_context(bid, people, index, today))))
    return files


# --- the variables, documented for `dossier templates` ------------------------------------------

_FORM_COMMON = {
    "document.titre": "Titre du formulaire (« Lettre de candidature (DC1) »…)",
    "document.date": "Date du document, en toutes lettres",
    "cabinet.nom": "Raison sociale du cabinet",
    "cabinet.sigle": "Sigle du cabinet",
    "acheteur": "Rubrique A : lignes « libellé : valeur » (acheteur)",
    "acheteur[].libelle": "Libellé",
    "acheteur[].valeur": "Valeur, vide quand elle n'est pas renseignée",
    "consultation.objet": "Objet de la consultation (titre du fichier d'appel d'offres)",
    "consultation.numero": "Numéro de la consultation",
    "consultation.lignes": "Rubrique B : objet, numéro, lots",
    "consultation.lignes[].libelle": "Libellé",
    "consultation.lignes[].valeur": "Valeur",
    "preuves_en_ligne": "Documents de preuve disponibles en ligne (phrase)",
}
_ROWS = {"libelle": "Libellé", "valeur": "Valeur, vide quand elle n'est pas renseignée"}
_CASES = {"case": "☒ ou ☐", "texte": "Texte de la case"}


def _nested(prefix: str, fields: dict) -> dict:
    return {f"{prefix}[].{key}": text for key, text in fields.items()}


DC1_VARIABLES = {
    **_FORM_COMMON,
    "objet_candidature": "Rubrique C : marché entier, tous les lots, certains lots (cases)",
    **_nested("objet_candidature", _CASES),
    "presentation": "Rubrique D : seul, groupement conjoint, groupement solidaire (cases)",
    **_nested("presentation", _CASES),
    "membres": "Rubrique E : le candidat, ou chaque membre du groupement",
    "membres[].titre": "Nom du membre et son rôle (mandataire, co-traitant)",
    "membres[].champs": "Identification et prestations exécutées",
    **_nested("membres[].champs", _ROWS),
    "capacites": "Rubrique F2 (cases)",
    **_nested("capacites", _CASES),
    "groupement": "Rubrique G1 : mandataire et forme du groupement ; vide pour un candidat seul",
    **_nested("groupement", _ROWS),
    "mandataire_cases": "Rubrique G1 : solidarité du mandataire (cases)",
    **_nested("mandataire_cases", _CASES),
    "signataires": "Signataire de chaque membre",
    "signataires[].signataire": "Nom et qualité du signataire, vide s'il n'est pas renseigné",
    "signataires[].membre": "Membre qu'il engage",
}

DC2_VARIABLES = {
    **_FORM_COMMON,
    "candidat.nom": "Raison sociale du candidat ou du membre",
    "candidat.mandataire": "Vrai pour le mandataire d'un groupement",
    "candidat.identite": "Rubrique C1 : identification",
    **_nested("candidat.identite", _ROWS),
    "candidat.qualifications": "Rubrique D : qualifications et certifications (liste)",
    "candidat.chiffres_affaires": "Rubrique E : les trois derniers exercices",
    "candidat.chiffres_affaires[].exercice": "Exercice",
    "candidat.chiffres_affaires[].global": "Chiffre d'affaires global HT",
    "candidat.chiffres_affaires[].domaine": "Part relative à l'objet du marché, vide si inconnue",
    "candidat.assurance": "Rubrique E : assurance des risques professionnels",
    **_nested("candidat.assurance", _ROWS),
    "candidat.effectifs": "Rubrique F : effectifs des trois dernières années",
    "candidat.effectifs[].annee": "Année",
    "candidat.effectifs[].total": "Effectif moyen annuel",
    "candidat.effectifs[].encadrement": "Dont encadrement",
    "candidat.moyens_techniques": "Rubrique F : outillage, matériel, équipement (liste)",
    "candidat.sous_traitants": "Rubrique G : sous-traitants (« nom : prestations »)",
    "references": "Rubrique F : les références retenues (DC2 du cabinet seulement)",
    **{f"references[].{key}": "Comme dans le tableau des références" for key in _REFERENCE_KEYS},
}

DC4_VARIABLES = {
    **_FORM_COMMON,
    "objet_declaration": "Rubrique C (cases)",
    **_nested("objet_declaration", _CASES),
    "soumissionnaire": "Rubrique D : le cabinet (et le groupement)",
    **_nested("soumissionnaire", _ROWS),
    "sous_traitant.nom": "Raison sociale du sous-traitant",
    "sous_traitant.identite": "Rubrique E : identification du sous-traitant",
    **_nested("sous_traitant.identite", _ROWS),
    "sous_traitant.prestations": "Rubrique F : nature et montant des prestations sous-traitées",
    **_nested("sous_traitant.prestations", _ROWS),
    "sous_traitant.duree": "Rubrique I : durée du contrat en mois",
    **_nested("sous_traitant.duree", _ROWS),
    "signataires": "Signataires : le soumissionnaire et le sous-traitant",
    "signataires[].signataire": "Nom et qualité du signataire",
    "signataires[].membre": "Entreprise qu'il engage",
}

FORM_VARIABLES = {"dc1": DC1_VARIABLES, "dc2": DC2_VARIABLES, "dc4": DC4_VARIABLES}


def dry_render(library: Library, kind: str, template, today: date) -> bytes:
    """A form rendered with the library's firm and a sample bid (for `dossier check`)."""
    firm = library.cabinet or Cabinet(nom="Cabinet")
    bid = Bid(titre="Consultation d'essai", sous_traitants=[SousTraitant(nom="Sous-traitant d'essai")])
    people = [Candidate(firm, "cabinet.yaml", None, is_firm=True, is_mandataire=True)]
    contexts = {
        "dc1": lambda: dc1_context(bid, people, today),
        "dc2": lambda: dc2_context(bid, people[0], firm, references_rows(library.missions[:3], library.cabinet), today),
        "dc4": lambda: dc4_context(bid, people, 0, today),
    }
    return _render(template, contexts[kind](), library, BuildOptions(document_date=today))
