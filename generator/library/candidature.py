"""Who applies: the firm alone or a groupement, its members' data, and what the forms lack.

A member of a groupement gives its data inline in the bid file or points at its own
`cabinet.yaml`; every candidate keeps where its data came from, so that a gap (a SIRET,
a signatory, three years of turnover…) is reported as `file:line: field: message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import DataError, Problem, WARNING
from generator.library.bid import Bid, MembreGroupement
from generator.library.loader import Library, display_path, source_of
from generator.library.models import Cabinet
from generator.library.validation import FIELDS, validate
from generator.library.vocabulary import fold
from generator.library.yamlio import YamlDocument, read_yaml

MISSING = "à compléter"
YEARS = 3  # the DC2 asks for the last three exercices


@dataclass
class Candidate:
    """The firm or a member of its groupement, with where its data comes from."""

    data: Cabinet
    name: str  # file shown to the user
    doc: YamlDocument | None
    prefix: tuple = ()  # where the data sits in that file
    prestations: str = ""
    is_firm: bool = False
    is_mandataire: bool = False

    @property
    def short(self) -> str:
        return self.data.sigle or self.data.nom

    def line(self, key: str) -> int | None:
        return self.doc.line_of(self.prefix + (key,)) if self.doc else None


def candidates(library: Library, bid: Bid, bid_path: Path) -> list[Candidate]:
    """The firm, then the other members of the groupement; DataError for a member's bad file
    or a mandataire who is none of them."""
    firm = library.cabinet or Cabinet(nom="Cabinet (references/cabinet.yaml manquant)")
    shown, doc = source_of(library, library.cabinet) or (display_path(library.root / "cabinet.yaml"), None)
    group = bid.groupement
    found = [Candidate(firm, shown, doc, is_firm=True, prestations=(group.prestations_cabinet or "") if group else "")]
    if group is None:
        found[0].is_mandataire = True
        return found
    bid_name = display_path(bid_path)
    bid_doc = read_yaml(bid_path, bid_name)
    problems = []
    for index, member in enumerate(group.membres):
        loaded = _member(member, index, bid_path, bid_name, bid_doc, problems)
        if loaded is not None:
            found.append(loaded)
    if problems:
        raise DataError(f"{len(problems)} erreur(s) dans les membres du groupement de {bid_name}", problems)
    wanted = fold(group.mandataire)
    chosen = [c for c in found if wanted in {fold(c.data.nom), fold(c.data.sigle or "")}]
    if not chosen:
        names = ", ".join(f"« {c.short} »" for c in found)
        raise DataError(f"{bid_name} : mandataire introuvable", [Problem(
            bid_name, bid_doc.line_of(("groupement", "mandataire")), "mandataire",
            f"« {group.mandataire} » n'est ni le cabinet ni un membre du groupement ; membres : {names}")])
    chosen[0].is_mandataire = True
    return found


def _member(member: MembreGroupement, index: int, bid_path: Path, bid_name: str, bid_doc: YamlDocument,
            problems: list[Problem]) -> Candidate | None:
    prefix = ("groupement", "membres", index)
    inline = member.model_dump(exclude={"fichier", "prestations"}, exclude_unset=True)
    if not member.fichier:
        return Candidate(Cabinet.model_validate({**inline}), bid_name, bid_doc, prefix, member.prestations or "")
    path = (bid_path.parent / member.fichier)
    name = display_path(path)
    if not path.is_file():
        problems.append(Problem(bid_name, bid_doc.line_of(prefix + ("fichier",)), "fichier",
                                f"fichier du membre « {member.fichier} » introuvable"))
        return None
    doc = read_yaml(path, name)
    data, errors = validate(doc, Cabinet, name, f"{FIELDS} (nom, siret…)", overrides=inline)
    if data is None:
        problems.extend(errors)
        return None
    return Candidate(data, name, doc, (), member.prestations or "")


# --- what the forms lack ------------------------------------------------------------------------

_IDENTITY = (
    ("siret", "SIRET"),
    ("forme_juridique", "forme juridique"),
    ("adresse", "adresse"),
)


def form_gaps(people: list[Candidate], bid: Bid, bid_path: Path) -> list[Problem]:
    """Every datum the DC1 / DC2 / DC4 print « à compléter »: warnings in a draft, refused by --final."""
    gaps: list[Problem] = []
    bid_name = display_path(bid_path)
    bid_doc = read_yaml(bid_path, bid_name) if bid_path.is_file() else None

    def bid_line(*loc) -> int | None:
        return bid_doc.line_of(loc) if bid_doc else None

    def gap(name, line, key, message):
        gaps.append(Problem(name, line, key, message, WARNING))

    for who in people:
        data = who.data
        for key, label in _IDENTITY:
            if not getattr(data, key):
                gap(who.name, who.line(key), key, f"{who.short} : {label} {MISSING} (DC1, DC2)")
        if not (data.email or (data.correspondant and data.correspondant.email)):
            gap(who.name, who.line("email"), "email", f"{who.short} : courriel {MISSING} (DC1, DC2)")
        if not (data.telephone or (data.correspondant and data.correspondant.telephone)):
            gap(who.name, who.line("telephone"), "telephone", f"{who.short} : téléphone {MISSING} (DC1, DC2)")
        signatory = data.signataire
        if not (signatory and signatory.nom) and not data.representant:
            gap(who.name, who.line("signataire"), "signataire", f"{who.short} : nom du signataire {MISSING} (DC1)")
        if not (signatory and signatory.qualite):
            gap(who.name, who.line("signataire"), "signataire", f"{who.short} : qualité du signataire {MISSING} (DC1)")
        if data.pme is None:
            gap(who.name, who.line("pme"), "pme", f"{who.short} : statut de PME (oui / non) {MISSING} (DC2)")
        years = {ca.annee for ca in data.chiffres_affaires}
        if len(years) < YEARS:
            gap(who.name, who.line("chiffres_affaires"), "chiffres_affaires",
                f"{who.short} : chiffre d'affaires des {YEARS} derniers exercices {MISSING} "
                f"({len(years)} renseigné(s)) (DC2)")
        elif any(ca.part_domaine is None for ca in _last(data.chiffres_affaires)):
            gap(who.name, who.line("chiffres_affaires"), "part_domaine",
                f"{who.short} : part du chiffre d'affaires relative au domaine {MISSING} (DC2)")
        if len({e.annee for e in data.effectifs}) < YEARS:
            gap(who.name, who.line("effectifs"), "effectifs",
                f"{who.short} : effectifs des {YEARS} dernières années {MISSING} (DC2)")
        insurance = data.assurance
        if not (insurance and insurance.assureur and insurance.police and insurance.valide_jusqu_au):
            gap(who.name, who.line("assurance"), "assurance",
                f"{who.short} : assurance (assureur, police, fin de validité) {MISSING} (DC2)")
        if not who.prestations and bid.groupement is not None:
            line = who.line("prestations") if not who.is_firm else None
            gap(bid_name if not who.is_firm else who.name, line, "prestations",
                f"{who.short} : prestations exécutées dans le groupement {MISSING} (DC1, rubrique E)")
    for key, label in (("acheteur", "acheteur"), ("titre", "objet de la consultation")):
        if not getattr(bid, key):
            gap(bid_name, bid_line(key), key, f"{label} {MISSING} (DC1, DC2, DC4)")
    for index, sub in enumerate(bid.sous_traitants):
        for key, label in (("siret", "SIRET"), ("adresse", "adresse"), ("prestations", "prestations sous-traitées"),
                           ("montant", "montant sous-traité"), ("forme_juridique", "forme juridique"),
                           ("email", "courriel"), ("telephone", "téléphone"),
                           ("representant", "personne habilitée à l'engager"), ("pme", "statut de PME (oui / non)")):
            if getattr(sub, key) is None or getattr(sub, key) == "":
                gap(bid_name, bid_line("sous_traitants", index, key), key,
                    f"sous-traitant {sub.nom} : {label} {MISSING} (DC4)")
    return gaps


def _last(turnovers: list) -> list:
    return sorted(turnovers, key=lambda ca: ca.annee, reverse=True)[:YEARS]


def last_turnovers(data: Cabinet) -> list:
    return _last(data.chiffres_affaires)
