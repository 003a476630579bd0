"""Relevance of references to a tender's text, with the reasons for each score.

One score per reference, BM25F-style: the fields of a mission (title, type and tags,
composantes, enjeux, contenu) are weighed, each normalised by its own length, and their
weighted term frequencies summed *before* the saturation, so that a word counts at most
once per reference whatever field it lands in. A common word in a short title cannot
outscore several rare, specific words of the enjeux and contenu: each term is worth at most
its rarity in the library (idf).

Words are compared without accents, stop words, numbers, number words, durations and
tender boilerplate, stemmed with the Snowball French stemmer (PyStemmer). The notions of
the field (`generator/library/concepts.yaml`, extended by a firm in its own
`references/concepts.yaml`) are matched on the stemmed text, acronyms and paraphrases
alike, and count as one term each: « GUP », « gestion urbaine de proximité » and « qui fait
quoi entre la ville et les bailleurs » are the same notion.

Tokenising every field of every mission is most of the cost on a large library: the token
keys of each mission are kept in a plain JSON file of the user's cache folder, keyed by a
hash of the mission's text and of the concept table, and only new or changed missions are
tokenised again.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import os
import re
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import Stemmer

from generator.errors import DataError
from generator.library.concepts import DEFAULT_CONCEPTS, Table, firm_table, read_table
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
# The names of the fields a set of field bits (1 << position in FIELDS) stands for.
_FIELD_NAMES = [tuple(name for j, name in enumerate(FIELDS) if bits >> j & 1) for bits in range(1 << len(FIELDS))]
K1 = 1.2  # how fast repeating a term stops adding to the score
B = 0.75  # how much a long field is discounted
CONCEPT_WEIGHT = 1.5  # a notion of the field says more about the need than a single word

# Common French words, number words, durations, generic nouns, and the tender boilerplate
# that says nothing about the need.
STOP_WORDS = GRAMMAR_WORDS | frozenset(fold(w) for w in """
a à au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur leurs lui ma mais me même mes
moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre
vous c d j l m n s t y été être avoir ont est sont sera seront était ainsi afin entre chaque dont lors sous vers tout
tous toute toutes plus moins très peu bien aussi autre autres comme si non oui cas leurs celle celui
ceux cela ci ça etc notamment via selon auprès après avant depuis pendant quoi quel quelle quels quelles
zéro deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept vingt vingts
trente quarante cinquante soixante septante octante nonante cent cents mille million millions milliard demi demie
premier première premiers premières deuxième troisième quatrième cinquième dernier dernière derniers dernières
second seconde double moitié tiers quart
an ans année années annuel annuelle mois mensuel mensuelle semaine semaines jour jours journée heure heures minute
minutes trimestre semestre calendaire ouvré ouvrés h
état part parts partie parties fois nombre total ensemble niveau niveaux façon manière sorte type types chose choses
marché marchés prestation prestations lot lots offre offres candidat candidats titulaire présent présente objet
consultation cahier charges article règlement rc cctp ccap acheteur pouvoir adjudicateur mission missions mise place
cadre relative relatif relatives relatifs visant vue mettre faire permettre souhaite souhaitent sein
ville villes inscrit inscrits inscrite inscrites équipe équipes co
dume dc1 dc2 dc4 noti kbis urssaf siret ht ttc euros euro eur tva
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
compréhension compter transmettre électronique réception envoi décomposition saint enjeux cours fonction technique
remise remettre pièce pièces mémoire candidater attributaire accord bon bons commande reconductible reconduction
attribution exécution modalité modalités conclu conclure dépôt déposer plateforme profil heure interdite autorisée
montant estimation estimatif pondération pondéré sous-critère éventuel éventuelle accepté acceptée déclaration honneur
chiffre affaires exercice exercices similaire vendredi lundi mardi mercredi jeudi samedi dimanche midi
janvier février mars avril mai juin juillet août septembre octobre novembre décembre
""".split()

# Phrases every mission and every tender of the field contains (the governance bodies,
# the buyer's role, the procurement code): removed before anything else is read.
_BOILERPLATE = re.compile(
    r"\b(?:comit[ée]s?\s+(?:de\s+pilotage|techniques?)|copil|cotech|ma[îi]tres?\s+d\W?\s*ouvrage|"
    r"(?:code\s+de\s+la\s+)?commande\s+publique|proc[ée]dure\s+adapt[ée]e|r[èe]glement\s+de\s+(?:la\s+)?consultation|"
    r"acte\s+d\W?\s*engagement|destinataire\s+public\s+ou\s+priv[ée]|(?:acheteur|march[ée]|pouvoir)\s+public|"
    r"groupement\s+conjoint|mandataire\s+solidaire|profil\s+d\W?\s*acheteur|moyens\s+humains|"
    r"trois\s+derni[èe]res\s+ann[ée]es|crit[èe]res?\s+d\W?\s*(?:attribution|jugement|s[ée]lection)|"
    r"valeur\s+technique|m[ée]moire\s+technique|note\s+m[ée]thodologique)\b",
    re.IGNORECASE,
)
# Small words that a phrase of the concept table may skip (« maison du projet » = « maison de projet »).
_PHRASE_STOP = frozenset("a au aux d de des du en et l la le les un une s n qu y".split())
_stemmer = Stemmer.Stemmer("french")
_GENERIC_STEMS = frozenset(_stemmer.stemWords([fold(w) for w in GENERIC_WORDS]))
_CONCEPT_PREFIX = "~"  # concept tokens cannot collide with a stemmed word (fold() keeps only [0-9a-z ])
_HAS_DIGIT = re.compile(r"\d")
_WORDS = re.compile(r"[^\W_]+")
CACHE_VERSION = 1  # bump when the tokenising changes
INDEX_VERSION = 2  # bump when what the kept index holds changes


@dataclass(frozen=True)
class Token:
    key: str  # what the index holds: a stem, or ~concept
    label: str  # what the user reads: the first word of the text it came from, or the concept's label


@dataclass
class Concepts:
    """The concept table: notion key → label, and the stemmed phrases that stand for it."""

    labels: dict[str, str]
    phrases: dict[str, list[tuple[tuple[str, ...], str]]]  # first stem → [(stems, key)]
    acronyms: frozenset[str]  # one-word expressions of up to 5 letters: only their notion counts
    digest: str

    @classmethod
    def build(cls, table: dict[str, tuple[str, list[str]]]) -> "Concepts":
        labels, phrases, acronyms = {}, {}, set()
        for key, (label, expressions) in table.items():
            labels[key] = label
            for expression in expressions:
                words = [w for w in fold(expression).split() if w not in _PHRASE_STOP]
                if not words:
                    continue
                if len(words) == 1 and len(words[0]) <= 5:
                    acronyms.add(words[0])
                stems = tuple(_stemmer.stemWords(words))
                entry = (stems, key)
                if entry not in phrases.setdefault(stems[0], []):
                    phrases[stems[0]].append(entry)
        for entries in phrases.values():
            entries.sort(key=lambda e: -len(e[0]))
        text = json.dumps(sorted((k, v[0], sorted(v[1])) for k, v in table.items()), ensure_ascii=False)
        return cls(labels, phrases, frozenset(acronyms), hashlib.sha1(text.encode()).hexdigest()[:16])


@lru_cache(maxsize=8)
def _concepts(paths: tuple[Path, ...], stamps: tuple) -> Concepts:
    table: Table = {}
    for path in paths:
        table, problems = read_table(path, table)
        errors = [p for p in problems if p.is_error]
        if errors:
            raise DataError(f"{len(errors)} erreur(s) dans la table des notions {errors[0].path}", errors)
    return Concepts.build(table)


def load_concepts(root: Path | None = None) -> Concepts:
    """The field's concept table, with the firm's additions from ROOT/concepts.yaml when it exists."""
    firm = firm_table(root)
    paths = [DEFAULT_CONCEPTS] if firm is None else [DEFAULT_CONCEPTS, firm]
    stamps = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _concepts(tuple(paths), stamps)


def _analyse(text: str | None, concepts: Concepts, labels: bool) -> list[Token] | list[str]:
    """The searchable tokens of a text: stems of its content words, then its notions."""
    text = (text or "").replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    text = _BOILERPLATE.sub(" ", text)
    parts, raws = [], []
    for raw in _WORDS.findall(text):
        for part in fold(raw).split():
            if part not in _PHRASE_STOP:
                parts.append(part)
                raws.append(raw)
    stems = _stemmer.stemWords(parts)
    out: list = []
    found: list[str] = []
    phrases = concepts.phrases
    for i, stem in enumerate(stems):
        here = set()
        for words, key in phrases.get(stem, ()):
            if key not in here and (len(words) == 1 or tuple(stems[i:i + len(words)]) == words):
                here.add(key)  # one notion per place, however many of its phrases start here
                found.append(key)
        part = parts[i]
        # numbers are articles, phases and years of the tender, not its subject
        if (part in STOP_WORDS or part in concepts.acronyms or len(part) < 2 or _HAS_DIGIT.search(part)
                or stem in _GENERIC_STEMS):
            continue
        out.append(Token(stem, raws[i].casefold()) if labels else stem)
    for key in found:
        out.append(Token(_CONCEPT_PREFIX + key, concepts.labels[key]) if labels else _CONCEPT_PREFIX + key)
    return out


def tokens(text: str | None, concepts: Concepts | None = None) -> list[Token]:
    return _analyse(text, concepts or load_concepts(), True)


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


class TokenCache:
    """Each mission's token keys per field, in a JSON file keyed by a hash of its text."""

    def __init__(self, concepts: Concepts):
        from generator.library.cache import cache_dir, enabled

        self.stamp = f"{CACHE_VERSION}-{concepts.digest}"
        self.path = cache_dir() / "ranking-tokens.json" if enabled() else None
        self.entries: dict[str, str] = {}
        self.used: set[str] = set()
        self.dirty = False
        if self.path and self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("stamp") == self.stamp:
                    self.entries = data["entries"]
            except (OSError, ValueError, KeyError, TypeError):
                self.entries = {}

    def fields(self, mission: Mission, concepts: Concepts) -> list[list[str]]:
        texts = list(_field_texts(mission).values())
        digest = hashlib.sha1("\x1f".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:20]
        self.used.add(digest)
        stored = self.entries.get(digest)
        if stored is not None:
            return [f.split() for f in stored.split("|")]
        keys = [_analyse(t, concepts, False) for t in texts]
        self.entries[digest] = "|".join(" ".join(k) for k in keys)
        self.dirty = True
        return keys

    def save(self) -> None:
        if not self.path or not self.dirty:
            return
        # Entries of missions no longer in this library are kept only while the file stays small.
        entries = self.entries if len(self.entries) <= 2 * max(len(self.used), 20000) else \
            {k: v for k, v in self.entries.items() if k in self.used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"stamp": self.stamp, "entries": entries}, ensure_ascii=False),
                                 encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time


class _Index:
    """Every mission's token keys turned around: for each key, the missions that hold it, with
    its weighted frequency there (each field's count times the field's weight, normalised by
    the field's length: BM25F's term frequency, summed over the fields in their order) and the
    fields it is in.

    Scoring then visits only the missions of the tender's words, and adds what is already
    weighed. Built from the token cache; the whole library's index is kept in the cache folder
    under the library's fingerprint (sealed like the library cache), so an unchanged library is
    not turned around again.
    """

    KEPT = "ranking-index.pickle"

    def __init__(self, postings: dict[str, tuple[bytes, bytes, bytes]]):
        self._postings = postings

    def postings(self, key: str) -> tuple[array, array, bytes]:
        """(missions, weighted frequencies, fields as bits: 1 << field), in mission order."""
        found = self._postings.get(key)
        missions, frequencies = array("I"), array("d")
        if found is None:
            return missions, frequencies, b""
        missions.frombytes(found[0])
        frequencies.frombytes(found[1])
        return missions, frequencies, found[2]

    @classmethod
    def of(cls, missions: list[Mission], concepts: Concepts, fingerprint: str | None, wanted: set[str]) -> "_Index":
        """The index of `missions`: kept whole for a library with a fingerprint, else made for
        the `wanted` keys only (a search on part of a library is not worth keeping)."""
        from generator.library.cache import cache_dir, enabled, read_sealed, write_sealed

        key = None
        if fingerprint and enabled():
            key = f"{CACHE_VERSION}.{INDEX_VERSION}-{concepts.digest}-{fingerprint}-{len(missions)}"
            kept = read_sealed(cache_dir() / cls.KEPT)
            if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == key and isinstance(kept[1], dict):
                return cls(kept[1])
        cache = TokenCache(concepts)
        every = [cache.fields(mission, concepts) for mission in missions]
        cache.save()
        index = cls.build(every, None if key is not None else wanted)
        if key is not None:
            write_sealed(cache_dir() / cls.KEPT, (key, index._postings))
        return index

    @classmethod
    def build(cls, every: list[list[list[str]]], wanted: set[str] | None = None) -> "_Index":
        n = max(len(every), 1)
        weights = list(FIELDS.values())
        totals = [0] * len(FIELDS)
        for fields in every:
            for j, keys in enumerate(fields):
                totals[j] += len(keys)
        average = [max(total / n, 1.0) for total in totals]
        found: dict[str, tuple[array, array, bytearray]] = {}
        for i, fields in enumerate(every):
            for j, keys in enumerate(fields):
                if not keys:
                    continue
                scale = weights[j] / (1 - B + B * len(keys) / average[j])
                if wanted is None:
                    counted: dict[str, int] = {}
                    for word in keys:
                        counted[word] = counted.get(word, 0) + 1
                else:  # set and list operations run in C: Python sees only the words in common
                    counted = {word: keys.count(word) for word in wanted.intersection(keys)}
                for word, count in counted.items():
                    entry = found.get(word)
                    if entry is None:
                        entry = found[word] = (array("I"), array("d"), bytearray())
                    if entry[0] and entry[0][-1] == i:  # another field of the same mission
                        entry[1][-1] += scale * count
                        entry[2][-1] |= 1 << j
                    else:
                        entry[0].append(i)
                        entry[1].append(0.0 + scale * count)
                        entry[2].append(1 << j)
        return cls({word: (m.tobytes(), f.tobytes(), bytes(b)) for word, (m, f, b) in found.items()})


@dataclass(slots=True)
class Match:
    label: str
    fields: list[str]
    score: float
    key: str = ""


class Relevance:
    """A mission's score, and the terms that made it (built when first read: most are never shown)."""

    __slots__ = ("score", "_matches", "_hits", "_ranking")

    def __init__(self, score: float = 0.0, hits: dict | None = None, ranking: "_Scorer | None" = None):
        self.score = score
        self._matches: list[Match] | None = None if hits else []
        self._hits = hits
        self._ranking = ranking

    @property
    def matches(self) -> list[Match]:
        if self._matches is None:
            self._matches = self._ranking.matches(self._hits)
            self._hits = None
        return self._matches

    @property
    def matched(self) -> bool:
        """Whether any term of the tender is in the reference (without sorting them)."""
        return bool(self._hits) if self._matches is None else bool(self._matches)

    def labels(self, n: int) -> list[str]:
        """The labels of the first `n` matches, found without sorting every term when the
        matches were not asked for (--explain names a few for each of thousands of references)."""
        if self._matches is None:
            return self._ranking.first_labels(self._hits, n)
        return [m.label for m in self._matches[:n]]

    @property
    def terms(self) -> list[str]:
        return [m.label for m in self.matches]


@dataclass
class _Scorer:
    labels: dict[str, str]
    value: dict[str, float]

    def _scored(self, hits: dict[str, tuple[float, int]]) -> list[tuple[float, str, int]]:
        # (minus the term's score, key, fields as bits), as plain tuples sorted best first, then
        # by key (keys are unique): --explain asks it of thousands of references.
        value = self.value
        return sorted((-(value[key] * tf / (K1 + tf)), key, where) for key, (tf, where) in hits.items())

    def matches(self, hits: dict[str, tuple[float, int]]) -> list[Match]:
        return [Match(self.labels[key], list(_FIELD_NAMES[where]), -minus, key)
                for minus, key, where in self._scored(hits)]

    def first_labels(self, hits: dict[str, tuple[float, int]], n: int) -> list[str]:
        # The first n of matches(), without making them.
        return [self.labels[key] for _, key, _ in self._scored(hits)[:n]]


@dataclass
class QueryTerm:
    key: str
    label: str
    weight: float  # how much the tender insists on it
    idf: float  # how rare it is in the library (0 when no reference holds it)
    df: int


@dataclass
class Ranking:
    """Every mission's relevance, and the tender's terms with their weight in the library."""

    relevance: dict[str, Relevance]
    terms: list[QueryTerm]
    size: int

    @property
    def best(self) -> float:
        return max((r.score for r in self.relevance.values()), default=0.0)

    def ceiling(self, unknown: bool = False) -> float:
        """The score of a reference that held every term of the tender the library knows (or every term)."""
        rarest = math.log(1 + (self.size + 0.5) / 0.5)
        return sum(t.weight * (t.idf if t.df else rarest) for t in self.terms if t.df or unknown)

    def missing(self, relevance: Relevance, n: int = 5) -> list[str]:
        """The tender's most telling terms a reference lacks."""
        held = {m.key for m in relevance.matches}
        wanted = sorted((t for t in self.terms if t.key not in held),
                        key=lambda t: (-t.weight * (t.idf or math.log(1 + self.size + 0.5) + 1), t.label))
        return [t.label for t in wanted[:n]]


def rank(missions: list[Mission], text: str | None, concepts: Concepts | None = None) -> dict[str, Relevance]:
    """Each mission's relevance (by id) to `text`; every score is 0 when there is no text."""
    return rank_tender(missions, text, concepts).relevance


def rank_tender(missions: list[Mission], text: str | None, concepts: Concepts | None = None,
                fingerprint: str | None = None) -> Ranking:
    """`fingerprint`: the library's (Library.fingerprint), when `missions` are all of it: the
    word index of an unchanged library is then read from the cache instead of rebuilt."""
    concepts = concepts or load_concepts()
    query = _analyse(text, concepts, True)
    result = {m.id: Relevance() for m in missions}
    if not query or not missions:
        return Ranking(result, [], len(missions))
    from generator.library.cache import paused_gc

    # Every mission's tokens, a few million strings, are read from the cache and scored here.
    with paused_gc():
        return _rank(missions, query, concepts, result, fingerprint)


def _rank(missions: list[Mission], query: list, concepts: Concepts, result: dict[str, Relevance],
          fingerprint: str | None) -> Ranking:
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for token in query:
        counts[token.key] = counts.get(token.key, 0) + 1
        labels.setdefault(token.key, token.label)
    index = _Index.of(missions, concepts, fingerprint, set(counts))
    n = len(missions)
    postings = {key: index.postings(key) for key in counts}
    terms = []
    for key, count in counts.items():
        df = len(postings[key][0])
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0
        # A tender that repeats a word is about it, but not ten times more.
        weight = (1 + math.log(count)) * (CONCEPT_WEIGHT if key.startswith(_CONCEPT_PREFIX) else 1.0)
        terms.append(QueryTerm(key, labels[key], weight, idf, df))
    # mission → term → (weighted frequency, fields it is in as bits), term by term over the
    # index: only the missions where the tender's words are.
    found: list[dict[str, tuple[float, int]] | None] = [None] * n
    for key, (held, frequencies, fields) in postings.items():
        for i, tf, where in zip(held, frequencies, fields):
            hits = found[i]
            if hits is None:
                hits = found[i] = {}
            hits[key] = (tf, where)
    value = {t.key: t.weight * t.idf for t in terms}
    scorer = _Scorer(labels, value)
    for i, hits in enumerate(found):
        if hits is None:
            continue
        # summed in the tender's order: the same score to the last digit on every run
        score = sum(value[key] * tf / (K1 + tf) for key, (tf, _) in hits.items())
        result[missions[i].id] = Relevance(round(score, 6), hits, scorer)
    _own_words(missions, result, concepts)
    return Ranking(result, terms, n)


def _own_words(missions: list[Mission], result: dict[str, Relevance], concepts: Concepts, top: int = 25) -> None:
    """A reason reads best in the mission's own words (« animation », not the tender's « animera »)."""
    scored = heapq.nlargest(top, (m for m in missions if result[m.id].score > 0), key=lambda m: result[m.id].score)
    for mission in scored:
        own: dict[str, str] = {}
        for text in _field_texts(mission).values():
            for t in _analyse(text, concepts, True):
                own.setdefault(t.key, t.label)
        for match in result[mission.id].matches:
            match.label = own.get(match.key, match.label)
