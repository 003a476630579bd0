"""The bid file: the tender being answered, read and validated like the library.

A bid manager writes what the tender says (title, buyer, deadline, the need pasted
from the RC / CCTP) and what they want (required composantes, how many references,
who to propose); `criteria` turns it into the shared selection criteria.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from generator.errors import DataError, Problem
from generator.library.loader import display_path, translate_errors
from generator.library.vocabulary import fold
from generator.library.models import Bool, Cabinet, Composante, Model, Montant, Siret, TextList, _as_list
from generator.selection.criteria import Criteria
from generator.library.yamlio import read_yaml

DEFAULT_WINDOW = 3  # years: the arrêté of 22 March 2019 asks for the last three for services


def parse_date(value: str) -> date | None:
    """'2027-01-15' or '15/01/2027' → date; None when it is neither."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _date(value):
    if isinstance(value, str):
        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(f"date non reconnue « {value} » ; écrivez 2027-01-15 ou 15/01/2027")
        return parsed
    return value


def _lot(value):
    if isinstance(value, str):
        match = re.match(r"^\s*(?:lot\s*)?(\d+)\s*[:\-–—.]\s*(.+)$", value, re.IGNORECASE)
        return {"numero": match.group(1), "intitule": match.group(2)} if match else {"intitule": value}
    return value


class Lot(Model):
    numero: str | None = Field(None, description="Numéro du lot")
    intitule: str = Field(min_length=1, description="Intitulé du lot")
    texte: str | None = Field(None, description="Description du lot, copiée du RC / CCTP")

    @field_validator("numero", mode="before")
    @classmethod
    def _text(cls, value):
        return str(value) if isinstance(value, int) else value


# What the RC can ask that `dossier` writes itself (the rest are administrative pieces).
DOCUMENT_PIECES = {
    "dc1": "Lettre de candidature (DC1)",
    "dc2": "Déclaration du candidat (DC2)",
    "dc4": "Déclaration de sous-traitance (DC4)",
    "dossier": "Dossier de candidature (présentation, moyens humains, références)",
    "tableau": "Tableau des références",
    "attestations": "Attestations de bonne exécution",
}

DEFAULT_NAMING = "{numero:02d}_{piece}_{sigle}"


class MembreGroupement(Cabinet):
    """Un membre du groupement : son propre cabinet.yaml (fichier) ou ses données ici."""

    nom: str | None = Field(None, description="Raison sociale (inutile avec « fichier »)")
    fichier: str | None = Field(None, description="Son cabinet.yaml, chemin relatif au fichier d'appel d'offres")
    prestations: str | None = Field(None, description="Prestations qu'il exécute (DC1, rubrique E)")

    @model_validator(mode="after")
    def _named(self):
        if not self.nom and not self.fichier:
            raise ValueError("membre sans « nom » ni « fichier » (son cabinet.yaml)")
        return self


class Groupement(Model):
    """Candidature en groupement momentané d'entreprises."""

    forme: Literal["conjoint", "solidaire"] = Field(description="conjoint ou solidaire")
    mandataire: str | None = Field(None, description="Nom ou sigle du mandataire (le cabinet ou un membre)")
    mandataire_solidaire: Bool = Field(False, description="Groupement conjoint : le mandataire est-il solidaire ?")
    prestations_cabinet: str | None = Field(None, description="Prestations exécutées par le cabinet (DC1, rubrique E)")
    membres: Annotated[list[MembreGroupement], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="Les autres membres du groupement")

    @field_validator("forme", mode="before")
    @classmethod
    def _forme(cls, value):
        return fold(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _mandataire(self):
        if not self.mandataire:
            raise ValueError("groupement sans mandataire : écrivez « mandataire: » suivi du nom ou du sigle "
                             "d'un membre (ou du cabinet)")
        return self


class SousTraitant(Model):
    """Un sous-traitant présenté avec l'offre (un DC4 chacun)."""

    nom: str = Field(min_length=1, description="Raison sociale")
    sigle: str | None = None
    forme_juridique: str | None = None
    siret: Siret = Field(None, description="Numéro SIRET (14 chiffres)")
    adresse: str | None = None
    telephone: str | None = None
    email: str | None = None
    representant: str | None = Field(None, description="Personne habilitée à l'engager (nom, qualité)")
    pme: Bool | None = Field(None, description="Micro, petite ou moyenne entreprise ? (oui / non)")
    prestations: str | None = Field(None, description="Nature des prestations sous-traitées (DC4, rubrique F)")
    montant: Montant | None = Field(None, description="Montant maximum des prestations sous-traitées, HT")
    duree_mois: int | None = Field(None, ge=1, le=600, description="Durée du contrat de sous-traitance en mois (DC4, rubrique I)")


class Bid(Model):
    """Un appel d'offres auquel le cabinet répond."""

    titre: str | None = Field(None, description="Intitulé de l'appel d'offres")
    acheteur: str | None = Field(None, description="Acheteur (maître d'ouvrage du marché)")
    acheteur_public: Bool | None = Field(None, description="L'acheteur est-il public ? (oui / non)")
    numero_consultation: str | None = Field(None, description="Numéro ou référence de la consultation (page de garde du RC)")
    date_limite: Annotated[date | None, BeforeValidator(_date)] = Field(None, description="Date limite de remise des offres")
    fenetre_annees: int | None = Field(
        DEFAULT_WINDOW, ge=1, le=50,
        description="Références des N dernières années, comptées depuis la date limite (vide : pas de limite)",
    )
    lots: Annotated[list[Annotated[Lot, BeforeValidator(_lot)]], BeforeValidator(_as_list)] = Field(default_factory=list)
    lots_repondus: TextList = Field(default_factory=list, description="Numéros des lots auxquels le cabinet répond (vide : tous)")
    colonnes_tableau: Annotated[list[Literal["contact"]], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="Colonnes facultatives du tableau des références demandées par le RC (contact)")
    besoin: str | None = Field(None, description="Texte du besoin, copié du RC / CCTP : les références sont classées selon lui")
    composantes_requises: Annotated[list[Composante], BeforeValidator(_as_list)] = Field(default_factory=list)
    nombre_references: int | None = Field(None, ge=1, le=100, description="Nombre de références à retenir")
    personnes: TextList = Field(default_factory=list, description="Personnes proposées (moyens humains)")
    inclure: TextList = Field(default_factory=list, description="Références gardées quoi qu'il arrive (même anciennes)")
    exclure: TextList = Field(default_factory=list, description="Références écartées à la main")
    groupement: Groupement | None = Field(None, description="Candidature en groupement (vide : le cabinet seul)")
    sous_traitants: Annotated[list[SousTraitant], BeforeValidator(_as_list)] = Field(default_factory=list)
    montant_marche: Montant | None = Field(
        None, description="Montant HT de l'offre (ou estimé du marché) : la part sous-traitée ne peut le dépasser")
    pieces_demandees: TextList = Field(
        default_factory=list,
        description="Pièces demandées par le RC : dc1, dc2, dc4, dossier, tableau, attestations, kbis, urssaf, fiscale, assurance…")
    nommage: str | None = Field(
        None, description="Noms des fichiers du dossier à déposer, ex. « {numero:02d}_{piece}_{sigle} » (numero, piece, sigle)")

    @field_validator("nommage")
    @classmethod
    def _naming(cls, value):
        if value:
            try:
                value.format(numero=1, piece="DC1", sigle="PUS")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"modèle de nom « {value} » invalide ({exc}) ; variables possibles : "
                                 "{numero}, {numero:02d}, {piece}, {sigle}") from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _appel_is_titre(cls, value):
        # « appel: » is what many bid managers call the tender's title.
        if isinstance(value, dict) and "appel" in value and "titre" not in value:
            value = {("titre" if k == "appel" else k): v for k, v in value.items()}
        return value

    @field_validator("numero_consultation", mode="before")
    @classmethod
    def _number_text(cls, value):
        return str(value) if isinstance(value, int) else value

    @field_validator("lots_repondus", mode="before")
    @classmethod
    def _numbers_text(cls, value):
        return [str(v) if isinstance(v, int) else v for v in _as_list(value)]

    @model_validator(mode="after")
    def _answered_lots_exist(self):
        known = [lot.numero for lot in self.lots if lot.numero]
        unknown = [n for n in self.lots_repondus if n not in known]
        if unknown:
            listed = ", ".join(known) if known else "aucun lot numéroté"
            raise ValueError(f"lots_repondus : lot « {unknown[0]} » absent de « lots » ({listed})")
        return self

    @property
    def answered_lots(self) -> list[Lot]:
        """The lots the firm answers: those named in `lots_repondus`, else every lot."""
        if not self.lots_repondus:
            return list(self.lots)
        return [lot for lot in self.lots if lot.numero in self.lots_repondus]

    @property
    def window_demanded(self) -> bool:
        """Whether the bid file states the window (the buyer's demand) or leaves the default."""
        return "fenetre_annees" in self.model_fields_set

    @property
    def text(self) -> str:
        """What the references are ranked against: the need, the title and the lots."""
        lots = [lot.intitule for lot in self.lots]
        return "\n".join(filter(None, [self.titre, *lots, self.besoin]))


def load_bid(path: Path) -> Bid:
    """The validated bid file, or DataError listing every problem (file:line: field: message)."""
    name = display_path(path)
    if not path.is_file():
        raise DataError(f"{name} : fichier d'appel d'offres introuvable ; créez-le avec « dossier bid new -o {name} »")
    doc = read_yaml(path, name)
    problems = [p for p in doc.problems if p.is_error]
    if not problems and not isinstance(doc.data, dict):
        problems = [Problem(name, 1, None, "attendu : des champs « clé: valeur » (titre, acheteur, date_limite, besoin…)")]
    if not problems:
        try:
            bid = Bid.model_validate(doc.data)
            problems = _amount_problems(bid, doc, name)
            if not problems:
                return bid
        except ValidationError as exc:
            problems = translate_errors(exc, doc, name, Bid)
    count = len(problems)
    raise DataError(f"{count} erreur{'s' if count > 1 else ''} dans le fichier d'appel d'offres {name}", problems)


def _amount_problems(bid: Bid, doc, name: str) -> list[Problem]:
    """A subcontracted amount above the tender's own is a typing error, not a bid."""
    from generator.library.formatting import format_montant

    if bid.montant_marche is None:
        return []
    limit = bid.montant_marche.valeur
    problems = []
    for index, sub in enumerate(bid.sous_traitants):
        if sub.montant is not None and sub.montant.valeur > limit:
            problems.append(Problem(name, doc.line_of(("sous_traitants", index, "montant")), "montant",
                                    f"{sub.nom} : {format_montant(sub.montant)} sous-traités, plus que le montant du "
                                    f"marché ({format_montant(bid.montant_marche)}, montant_marche)"))
    total = sum((s.montant.valeur for s in bid.sous_traitants if s.montant is not None), start=0)
    if not problems and total > limit:
        problems.append(Problem(name, doc.line_of(("sous_traitants",)), "sous_traitants",
                                f"les sous-traitants totalisent plus que le montant du marché "
                                f"({format_montant(bid.montant_marche)}, montant_marche)"))
    return problems


def criteria(bid: Bid, given: Criteria) -> Criteria:
    """The bid's criteria combined with the ones given on the command line (which win)."""
    return replace(
        given,
        components=tuple(dict.fromkeys([*bid.composantes_requises, *given.components])),
        last=given.last or bid.fenetre_annees,
        soft_window=not (given.last or given.since or bid.window_demanded),
        exclude=tuple(dict.fromkeys([*bid.exclure, *given.exclude])),
        limit=given.limit or bid.nombre_references,
    )


EXAMPLE = """\
# Appel d'offres auquel le cabinet répond. Utilisation :
#   dossier list --bid appel.yaml --explain      (classement et raisons)
#   dossier build --bid appel.yaml               (dossier de candidature)
# Les options de la ligne de commande s'ajoutent à ce fichier (--type, --limit…).

# Intitulé du marché, tel que sur le règlement de consultation (page de garde).
# Les valeurs marquées [exemple] sont à remplacer : --final refuse de les imprimer.
titre: "[exemple] AMO pour la mise en place d'une démarche de gestion urbaine de proximité"
# Acheteur, et s'il est public (oui) ou privé (non).
acheteur: "[exemple] Ville de Bondy"
acheteur_public: oui
# Date limite de remise des offres (2027-01-15 ou 15/01/2027) : la fenêtre de
# récence est comptée depuis cette date, pas depuis aujourd'hui.
date_limite: 2027-01-15
# Période exigée par l'acheteur, en années comptées depuis la date limite (souvent 3 :
# arrêté du 22 mars 2019 pour les services). Écrite, elle écarte les références plus
# anciennes. Sans elle, les références des 3 dernières années passent d'abord et les
# plus anciennes complètent la liste, signalées comme telles.
# fenetre_annees: 3
# Numéro de la consultation, tel que sur le règlement de consultation (facultatif).
# numero_consultation: 2027-AMO-014
# Lots de la consultation (facultatif), et ceux auxquels le cabinet répond
# (lots_repondus ; vide : tous).
lots:
  - "1 : Diagnostic et charte de GUP"
  - "2 : Animation et suivi"
# lots_repondus: [1]
# Colonnes facultatives du tableau des références, si le RC les demande (contact).
# colonnes_tableau: [contact]
# Le besoin, copié du RC ou du CCTP : les références sont classées selon ce texte
# (accents, pluriels et sigles du métier pris en compte : GUP, NPNRU, AMO, QPV…).
besoin: |
  La Ville souhaite être accompagnée pour mettre en place une démarche de gestion
  urbaine de proximité sur trois quartiers inscrits au NPNRU : diagnostics en
  marchant avec les habitants, charte GUP avec les bailleurs (abattement TFPB),
  animation des instances partenariales et suivi des engagements.
# Composantes exigées (parmi les 12 de la grille) : une référence sans elles est écartée,
# comme une référence dont la grille est « à confirmer ».
# composantes_requises:
#   - Gestion urbaine de proximité
# Nombre de références à retenir (les plus pertinentes).
nombre_references: 5
# Personnes proposées (moyens humains), écrites comme dans personnes/ ;
# vide : les personnes intervenues sur les références retenues.
personnes:
  - Valérie Embize
# Références gardées même hors fenêtre (elles seront signalées comme anciennes),
# et références écartées, par leur identifiant (dossier list).
inclure:
exclure:
"""
