"""The bid file: the tender being answered, read and validated like the library.

A bid manager writes what the tender says (title, buyer, deadline, the need pasted
from the RC / CCTP) and what they want (required composantes, how many references,
who to propose); the request layer (generator/request.py) merges it with the options.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from generator.errors import DataError, Problem
from generator.library.loader import display_path
from generator.library.dates import as_date
from generator.library.formatting import format_montant
from generator.library.models import Bool, Cabinet, Composante, Model, Montant, Siret, TextList, _as_list
from generator.library.validation import FIELDS, validate
from generator.library.vocabulary import fold
from generator.library.yamlio import read_yaml

DEFAULT_WINDOW = 3  # years: the arrêté of 22 March 2019 asks for the last three for services


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


def _proposed(value):
    # « - Valérie Embize » is a person without a role: the short form most bid files use.
    return {"nom": value} if isinstance(value, str) else value


class PersonneProposee(Model):
    """Une personne proposée pour cet appel, et son rôle dans l'équipe."""

    nom: str = Field(description="Nom, autre graphie ou identifiant, comme dans personnes/")
    role: str | None = Field(
        None, description="Rôle proposé pour cet appel (ex. directeur de mission), accordé selon la civilité sur le CV")


class Bid(Model):
    """Un appel d'offres auquel le cabinet répond."""

    titre: str | None = Field(None, description="Intitulé de l'appel d'offres")
    acheteur: str | None = Field(None, description="Acheteur (maître d'ouvrage du marché)")
    acheteur_public: Bool | None = Field(None, description="L'acheteur est-il public ? (oui / non)")
    numero_consultation: str | None = Field(None, description="Numéro ou référence de la consultation (page de garde du RC)")
    date_limite: Annotated[date | None, BeforeValidator(as_date)] = Field(None, description="Date limite de remise des offres")
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
    personnes: Annotated[list[Annotated[PersonneProposee, BeforeValidator(_proposed)]], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="Personnes proposées (moyens humains) : un nom, ou nom et rôle proposé")
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

    @property
    def noms(self) -> list[str]:
        """The names of the people proposed, as written."""
        return [p.nom for p in self.personnes]

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
        """What the references are ranked against: the title, the answered lots and the need."""
        from generator.selection.tender import tender_text

        return tender_text(self)


def load_bid(path: Path) -> Bid:
    """The validated bid file, or DataError listing every problem (file:line: field: message)."""
    name = display_path(path)
    if not path.is_file():
        raise DataError(f"{name} : fichier d'appel d'offres introuvable ; créez-le avec « dossier bid new -o {name} »")
    doc = read_yaml(path, name)
    bid, problems = validate(doc, Bid, name, f"{FIELDS} (titre, acheteur, date_limite, besoin…)")
    if bid is not None:
        problems = _amount_problems(bid, doc, name)
        if not problems:
            return bid
    count = len(problems)
    raise DataError(f"{count} erreur{'s' if count > 1 else ''} dans le fichier d'appel d'offres {name}", problems)


def _amount_problems(bid: Bid, doc, name: str) -> list[Problem]:
    """A subcontracted amount above the tender's own is a typing error, not a bid."""
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


EXAMPLE = """\
# yaml-language-server: $schema=schema/appel.schema.json
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
# anciennes. Sans elle, les références les plus pertinentes sont retenues : une récente
# passe avant une plus ancienne de pertinence comparable, et une plus ancienne nettement
# plus pertinente est gardée, signalée à l'équipe (pas dans les documents de l'acheteur).
# fenetre_annees: 3
# Numéro de la consultation, tel que sur le règlement de consultation (facultatif).
# numero_consultation: 2027-AMO-014
# Lots de la consultation (facultatif) : numéro, intitulé et, si besoin, le texte du lot
# copié du RC. lots_repondus dit à quels lots le cabinet répond : seul leur texte compte
# pour classer les références (vide : tous). Si le besoin ci-dessous contient tout le RC,
# les passages « Lot 2 : … » des autres lots sont ignorés.
lots:
  - numero: 1
    intitule: Diagnostic et charte de GUP
    texte: Diagnostics en marchant, charte avec les bailleurs, abattement de TFPB.
  - numero: 2
    intitule: Animation et suivi
    texte: Animation des instances de gestion et tableau de bord des engagements.
lots_repondus: [1]
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
# vide : les personnes intervenues sur les références retenues. Pour imprimer sur le
# CV le rôle proposé pour cet appel (accordé selon la civilité), écrivez par exemple
# « - nom: Valérie Embize » puis, en dessous, « role: directrice de mission ».
personnes:
  - Valérie Embize
# Candidature en groupement (facultatif ; sans elle, le cabinet se présente seul) :
# groupement:
#   forme: conjoint            # ou solidaire
#   mandataire: PUS            # nom ou sigle du cabinet ou d'un membre (obligatoire)
#   mandataire_solidaire: oui  # groupement conjoint : le mandataire est-il solidaire ?
#   prestations_cabinet: Diagnostic, concertation
#   membres:
#     - fichier: ../traces-urbains/references/cabinet.yaml   # son cabinet.yaml…
#       prestations: Diagnostic urbain
#     - nom: Atelier Paysage   # … ou ses données ici (siret, adresse, forme_juridique…)
#       siret: "73282932000074"
#       prestations: Espaces publics
# Sous-traitants (un DC4 chacun) et montant HT de l'offre (plafond de la sous-traitance) :
# montant_marche: 120000
# sous_traitants:
#   - nom: Atelier Photo Ville
#     siret: "73282932000074"
#     prestations: Reportage photographique
#     montant: 8000
#     duree_mois: 6
# Pièces demandées par le RC (dossier pack en fait le bordereau) et noms des fichiers :
# pieces_demandees: [dc1, dc2, dc4, dossier, kbis, urssaf, fiscale, assurance, attestations]
# nommage: "{numero:02d}_{piece}_{sigle}"
# Références gardées même hors fenêtre (elles seront signalées comme anciennes),
# et références écartées, par leur identifiant (dossier list).
inclure:
exclure:
"""
