"""The firm's controlled vocabulary (the 12 composantes) and accent-insensitive matching."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

# Articles and prepositions: no meaning of their own, left out of ids and of the ranking's terms.
GRAMMAR_WORDS = frozenset("a au aux d de des du en et l la le les pour vue un une sur dans par".split())

COMPOSANTES: tuple[str, ...] = (
    "Conseil stratégique",
    "Etudes urbaines",
    "Animation partenariale",
    "Planification",
    "Outils de gestion",
    "Coordination inter-chantiers",
    "Ingénierie financière",
    "Gestion urbaine de proximité",
    "Insertion par l'activité économique",
    "Cohésion sociale",
    "Concertation",
    "Capitalisation",
)

# Spellings met in real fiches, keyed by their folded form (see `fold`).
# "Certification" stands in seed 002's grid exactly where "Concertation" belongs.
_VARIANTS: dict[str, str] = {
    "coordination inter chantiers": "Coordination inter-chantiers",
    "coordination interchantiers": "Coordination inter-chantiers",
    "insertion par l act economique": "Insertion par l'activité économique",
    "insertion par l act eco": "Insertion par l'activité économique",
    "iae": "Insertion par l'activité économique",
    "gup": "Gestion urbaine de proximité",
    "certification": "Concertation",
}


# The same few thousand names and types are compared over and over (people of every
# selected mission against every person file): remembering their folded form pays.
_COMBINING = re.compile("[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u064b-\u065f\u1ab0-\u1aff"
                        "\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: the form used to compare user text."""
    # One regex over the combining blocks rather than a test per character: the ranking
    # folds every field of every mission, millions of characters on a large library.
    bare = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    # « œ » and « æ » are letters of their own, not accented ones: « Mise en œuvre » = « oeuvre ».
    bare = bare.casefold().replace("œ", "oe").replace("æ", "ae")
    return " ".join(_NOT_ALPHANUMERIC.sub(" ", bare).split())


_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
_CANONICAL_BY_FOLD = {fold(c): c for c in COMPOSANTES}


def canonical_composante(term: str) -> str | None:
    """The canonical composante a term stands for, or None when it matches nothing."""
    key = fold(term)
    return _CANONICAL_BY_FOLD.get(key) or _VARIANTS.get(key)


def nearest(term: str, candidates: list[str] | tuple[str, ...], n: int = 1) -> list[str]:
    """Closest candidates to `term`, compared accent- and case-insensitively."""
    by_fold: dict[str, str] = {}
    for c in candidates:
        by_fold.setdefault(fold(c), c)
    found = difflib.get_close_matches(fold(term), list(by_fold), n=n, cutoff=0.5)
    return [by_fold[f] for f in found]


def contains(haystack: str | None, needle: str) -> bool:
    """Case-, accent- and punctuation-insensitive substring test."""
    return bool(haystack) and fold(needle) in fold(haystack)


# Words French writes with an accented capital (« Étude », « État »), which keyboards and
# old fiches often leave bare. Only words whose bare form is never right: a suggestion
# from this list is safe to accept. Each line: the word, then the endings it takes.
_ACCENTED_WORDS = """
Échange s|Échelle s|École s|Écologie|Écologique s|Économie s|Économique s|Écoquartier s|Écoute|Écriture
Édition s|Éducation|Égalité|Également|Église s|Élaboration s|Élaborer|Élargissement|Électricité
Électrique s|Élément s|Élève s|Élu s e es|Émergence|Énergie s|Énergétique s|Épinay|Équipe s
Équipement s|Établir|Établissement s|Étape s|État s|Étude s|Étudiant s e es|Étudier|Évaluation s
Évaluer|Événement s|Évolution s|Éviter
"""


def _accented_capitals() -> dict[str, str]:
    """Bare form → accented form, every ending spelt out: {"Etudes": "Études", …}."""
    words = {}
    for entry in re.split(r"[|\n]", _ACCENTED_WORDS.strip()):
        word, *endings = entry.split()
        words.update({"E" + word[1:] + ending: word + ending for ending in ("", *endings)})
    return words


ACCENTED_CAPITALS = _accented_capitals()
# Written as « E », then the rest: a pattern that starts with a letter is searched for
# that letter first, sixty times faster than an alternation behind a look-behind.
_ENDINGS = "|".join(sorted((word[1:] for word in ACCENTED_CAPITALS), key=len, reverse=True))
_BARE_CAPITAL = re.compile(rf"E(?<!\wE)(?:{_ENDINGS})(?!\w)")
_BARE_CAPITAL_ANYWHERE = re.compile(rf"E(?:{_ENDINGS})")


def accent_suggestions(text: str) -> list[tuple[str, str]]:
    """(« Etude », « Étude ») for each word of `text` written with a bare capital E."""
    return [(m.group(0), ACCENTED_CAPITALS[m.group(0)]) for m in _BARE_CAPITAL.finditer(text)]


def may_need_accents(text: str) -> bool:
    """False when no word of `text` can be a bare capital (a quick test on a whole record)."""
    return _BARE_CAPITAL_ANYWHERE.search(text) is not None
