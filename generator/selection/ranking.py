"""Relevance of references to a tender's text, with the reasons for each score.

BM25 (bm25s) over French tokens: accents folded, stop words dropped, words stemmed
with the Snowball French stemmer (PyStemmer), and the field's acronyms and set phrases
mapped to one concept token each, so that « GUP » in a tender meets « gestion urbaine
de proximité » in a fiche. Each field of a mission is its own index; a mission's score
is the weighted sum of its per-field scores, and since BM25 adds up term by term, the
explanation lists exactly the terms that made the score.

The library is small (at most a few thousand missions): the index is built per run.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import bm25s
import Stemmer

from generator.library.models import Mission
from generator.library.vocabulary import COMPOSANTES, GRAMMAR_WORDS, fold

# Field name (as shown to the user) → weight. The title and type say what the mission
# was; the long prose fields say it at more length and with more noise.
FIELDS: dict[str, float] = {
    "titre": 3.0,
    "type": 2.0,
    "composantes": 1.5,
    "enjeux": 1.0,
    "contenu": 1.2,
}

# Concept token → (label shown in explanations, folded phrases that stand for it).
# A phrase is matched on whole words of the folded text; one text may yield several
# concepts (an NPRU is a PRU of the NPNRU).
CONCEPTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "npnru": ("NPNRU", ("npnru", "npru", "nprus", "anru 2", "nouveau programme national de renouvellement urbain",
                        "nouveaux projets de renouvellement urbain", "nouveau projet de renouvellement urbain")),
    "pru": ("PRU (projet de renouvellement urbain)", ("pru", "prus", "pru1", "npru", "nprus", "projet de renouvellement urbain",
                                                     "projets de renouvellement urbain", "renovation urbaine",
                                                     "renouvellement urbain")),
    "anru": ("ANRU", ("anru", "agence nationale pour la renovation urbaine")),
    "gup": ("GUP (gestion urbaine de proximité)", ("gup", "gusp", "gestion urbaine de proximite",
                                                  "gestion urbaine et sociale de proximite")),
    "amo": ("AMO (assistance à maîtrise d'ouvrage)", ("amo", "assistance a maitrise d ouvrage",
                                                     "assistant a maitrise d ouvrage", "assistance a la maitrise d ouvrage")),
    "opc": ("OPC / coordination inter-chantiers", ("opc", "opcu", "ordonnancement pilotage coordination",
                                                   "ordonnancement pilotage et coordination", "coordination inter chantiers",
                                                   "coordination interchantiers")),
    "pilotage": ("pilotage / coordination de projet", ("coordination", "coordonner", "pilotage", "piloter",
                                                       "conduite de projet", "direction de projet", "management de projet",
                                                       "ensemblier")),
    "qpv": ("QPV (quartiers prioritaires)", ("qpv", "zus", "quartier prioritaire", "quartiers prioritaires",
                                             "politique de la ville")),
    "tfpb": ("TFPB (abattement de taxe foncière)", ("tfpb", "abattement de tfpb", "taxe fonciere sur les proprietes baties",
                                                    "abattement de taxe fonciere")),
    "iae": ("IAE (insertion par l'activité économique)", ("iae", "insertion par l activite economique",
                                                          "clause d insertion", "clauses d insertion", "insertion professionnelle")),
    "plh": ("PLH (programme local de l'habitat)", ("plh", "programme local de l habitat")),
    "cdv": ("contrat de ville", ("cdv", "contrat de ville", "contrats de ville", "cucs", "contrat urbain de cohesion sociale")),
    "mous": ("MOUS", ("mous", "maitrise d oeuvre urbaine et sociale")),
    "participation": ("concertation / participation des habitants", ("concertation", "participation des habitants", "co construction",
                                                      "conseil citoyen", "conseils citoyens", "maison du projet",
                                                      "maison de projet", "maisons de projet", "participatif", "participative")),
    "finance": ("montage opérationnel et financier", ("montage financier", "montage operationnel et financier",
                                                      "montage operationnel", "montage des operations", "montage d operations",
                                                      "ingenierie financiere", "plan de financement", "plans de financement",
                                                      "maquette financiere", "engagements financiers")),
    "diagnostic": ("diagnostic / étude urbaine", ("diagnostic", "diagnostics", "etude urbaine", "etudes urbaines",
                                                  "etude de definition", "diagnostic en marchant", "diagnostics en marchant")),
}

# Common French words, and the tender boilerplate that says nothing about the need.
STOP_WORDS = GRAMMAR_WORDS | frozenset(fold(w) for w in """
a à au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur leurs lui ma mais me même mes
moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre
vous c d j l m n s t y été être avoir ont est sont sera seront était ainsi afin entre chaque dont lors sous vers tout
tous toute toutes plus moins très peu bien aussi autre autres comme si non oui deux trois cas leurs celle celui
ceux cela ci ça etc notamment via selon auprès après avant depuis pendant
marché marchés prestation prestations lot lots offre offres candidat candidats titulaire présent présente objet
consultation cahier charges article règlement rc cctp ccap acheteur pouvoir adjudicateur mission missions mise place
cadre relative relatif relatives relatifs visant vue mettre faire permettre souhaite souhaitent sein
ville villes inscrit inscrits inscrite inscrites équipe équipes co
""".split())

# Words a règlement de consultation or a CCTP uses whatever the need (« le titulaire
# réalisera… », « procédure adaptée », « références similaires »): dropped in every
# inflection, by their stem, so that no reason shown to the bid team is boilerplate.
GENERIC_WORDS = """
projet réaliser proposer assurer assister conduire préparer établir identifier formuler analyser présenter
passer procédure adapter proposition similaire référence candidature devra devront comprendre concerner souhaiter lancer
porter général nouveau nouvelle ensemble objet cadre besoin contenu procéder devoir pouvoir prévoir rechercher
particulier également différent existant critère jugement délai durée phase document dossier compétence moyen
futur loi volet temps structure urbain quartier politique direction enjeu méthode méthodologique valeur prix
global forfaitaire date limite note notification validité variante négociation attestation assurance intervenant
compréhension transmettre électronique réception envoi décomposition saint enjeux cours fonction technique
""".split()

# Phrases every mission and every tender of the field contains (the governance bodies,
# the buyer's role, the procurement code): removed before anything else is read.
_BOILERPLATE = re.compile(
    r"\b(?:comit[ée]s?\s+(?:de\s+pilotage|techniques?)|copil|cotech|ma[îi]tres?\s+d\W?\s*ouvrage|"
    r"(?:code\s+de\s+la\s+)?commande\s+publique|proc[ée]dure\s+adapt[ée]e|r[èe]glement\s+de\s+(?:la\s+)?consultation|"
    r"acte\s+d\W?\s*engagement|destinataire\s+public\s+ou\s+priv[ée]|(?:acheteur|march[ée]|pouvoir)\s+public|"
    r"groupement\s+conjoint|mandataire\s+solidaire|profil\s+d\W?\s*acheteur|moyens\s+humains|"
    r"trois\s+derni[èe]res\s+ann[ée]es)\b",
    re.IGNORECASE,
)
_stemmer = Stemmer.Stemmer("french")
_GENERIC_STEMS = frozenset(_stemmer.stemWords([fold(w) for w in GENERIC_WORDS]))
_CONCEPT_PATTERNS = [
    (token, re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b"),
     # a quick substring test first: most texts hold none of a concept's phrases
     tuple({p.split()[0] for p in phrases}))
    for token, (_, phrases) in CONCEPTS.items()
]
# An acronym is only its concept: counting « GUP » as a word too would score it twice.
_ACRONYMS = frozenset(p for _, phrases in CONCEPTS.values() for p in phrases if " " not in p and len(p) <= 5)
_CONCEPT_PREFIX = "~"  # concept tokens cannot collide with a stemmed word (fold() keeps only [0-9a-z ])


@dataclass(frozen=True)
class Token:
    key: str  # what the index holds: a stem, or ~concept
    label: str  # what the user reads: the first word of the text it came from, or the concept's label


def tokens(text: str | None) -> list[Token]:
    """The searchable tokens of a text: stems of its content words, then its concepts."""
    text = (text or "").replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    text = _BOILERPLATE.sub(" ", text)
    words = [
        (part, raw.casefold())
        for raw in re.findall(r"[^\W_]+", text)
        for part in fold(raw).split()
        # numbers are articles, phases and years of the tender, not its subject
        if part not in STOP_WORDS and part not in _ACRONYMS and len(part) > 1 and not part.isdigit()
    ]
    stems = _stemmer.stemWords([part for part, _ in words])
    out = [Token(stem, label) for (_, label), stem in zip(words, stems) if stem not in _GENERIC_STEMS]
    folded = fold(text)
    for token, pattern, starts in _CONCEPT_PATTERNS:
        if not any(start in folded for start in starts):
            continue
        count = len(pattern.findall(folded))
        out.extend(Token(_CONCEPT_PREFIX + token, CONCEPTS[token][0]) for _ in range(count))
    return out


def _field_texts(mission: Mission) -> dict[str, str]:
    # A grid with every box is most likely the unticked grid of an old fiche: it says nothing.
    composantes = [] if set(mission.composantes) == set(COMPOSANTES) else mission.composantes
    return {
        "titre": mission.titre,
        "type": " ".join([mission.type or "", *mission.tags]),
        "composantes": " ; ".join(composantes),
        "enjeux": mission.enjeux or "",
        "contenu": "\n".join(mission.contenu),
    }


@dataclass
class Match:
    label: str
    fields: list[str]
    score: float


@dataclass
class Relevance:
    score: float = 0.0
    matches: list[Match] = field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        return [m.label for m in self.matches]


def rank(missions: list[Mission], text: str | None) -> dict[str, Relevance]:
    """Each mission's relevance (by id) to `text`; every score is 0 when there is no text."""
    query = tokens(text)
    result = {m.id: Relevance() for m in missions}
    if not query or not missions:
        return result
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for token in query:
        counts[token.key] = counts.get(token.key, 0) + 1
        labels.setdefault(token.key, token.label)
    fields = [{name: tokens(text) for name, text in _field_texts(m).items()} for m in missions]
    docs = {name: [[t.key for t in f[name]] for f in fields] for name in FIELDS}
    per_term: dict[str, dict[str, list[float]]] = {}  # term → field → score per mission
    for name, weight in FIELDS.items():
        if not any(docs[name]):
            continue  # bm25s cannot index a field no mission fills
        index = bm25s.BM25()
        index.index(docs[name], show_progress=False)
        for key in counts:
            # A tender that repeats a word is about it, but not ten times more.
            boost = weight * (1 + math.log(counts[key]))
            per_term.setdefault(key, {})[name] = [float(s) * boost for s in index.get_scores([key])]
    for i, mission in enumerate(missions):
        relevance = result[mission.id]
        # A reason reads best in the mission's own words (« animation », not the tender's « animera »).
        own = {}
        for name in FIELDS:
            for t in fields[i][name]:
                own.setdefault(t.key, t.label)
        for key, by_field in per_term.items():
            hits = {name: scores[i] for name, scores in by_field.items() if scores[i] > 0}
            if hits:
                relevance.matches.append(Match(own.get(key, labels[key]), list(hits), sum(hits.values())))
        relevance.matches.sort(key=lambda m: (-m.score, fold(m.label)))
        relevance.score = round(sum(m.score for m in relevance.matches), 6)
    return result
