"""Which references go into a document: one table of criteria, one engine.

Each criterion is declared once in `CRITERIA`: when it is asked, which missions it
keeps, why a mission fails it (French, for explanations and the bid team's note) and
what to say when it leaves nothing (French, for a plain selection). `judge` gives
every mission a verdict against the table — ranked against a text when there is one
(a tender), in the asked order otherwise — and `select` is the same engine without a
ranking text, refusing an empty selection with the message of the criterion that
emptied it.

`when` is the reference date (the tender's deadline): the recency window counts back
from its year and « en cours » counts as that year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.errors import UsageError
from generator.library.formatting import format_euros, format_names
from generator.library.models import Mission
from generator.library.vocabulary import COMPOSANTES, canonical_composante, contains, fold, nearest

if TYPE_CHECKING:  # the ranking is only loaded when a text is ranked
    from generator.selection.ranking import Match, Ranking, Relevance

SORTS = ("recent", "ancien", "titre", "client", "montant")

# A mission that ended this many years before the window is a near-miss: worth a look,
# since some buyers accept a slightly older reference.
NEAR_MISS_YEARS = 2

# Relevance before recency. Without a window written in the bid, a reference of the usual
# window goes before an older one unless the older one is this many times as relevant:
# « comparable relevance » is within a quarter. 1 would rank on relevance alone; a large
# value would put every recent one first. A written window stays strict.
RECENT_PREFERENCE = 1.25

# The best reference fits the tender when it holds at least FIT_SHARE of the score a
# reference holding every term of the tender known to the library would get, and, below
# NOTION_SHARE, at least one notion of the field (concepts.yaml) rather than loose words.
# On the graded set, the tenders outside the trade score 0.15–0.18, the others 0.25–0.65.
FIT_SHARE = 0.2
NOTION_SHARE = 0.3
# The same share counting the tender's terms no reference holds (at the rarity of a term held
# by none): a tender mostly about things the library never mentions does not fit either.
# On the graded set: 0.06–0.08 outside the trade, 0.14 and more for the others.
WHOLE_SHARE = 0.1


@dataclass(frozen=True)
class Criteria:
    types: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    components: tuple[str, ...] = ()  # --component and the bid's composantes_requises
    any_component: bool = False
    since: int | None = None
    last: int | None = None  # --last, or the bid's fenetre_annees
    persons: tuple[str, ...] = ()
    min_amount: Decimal | None = None
    text: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # --exclude and the bid's exclure
    include_confidential: bool = False
    limit: int | None = None
    sort: str = "recent"
    # The window is the default of the arrêté, not the buyer's demand: older references
    # may still fill the list, marked as such.
    soft_window: bool = False

    def describe(self) -> str:
        """The criteria in a few French words, for the cover page and messages."""
        parts = []
        if self.types:
            parts.append("type : " + " ou ".join(f"« {t} »" for t in self.types))
        if self.clients:
            parts.append("client : " + " ou ".join(f"« {c} »" for c in self.clients))
        if self.components:
            joint = " ou " if self.any_component else " et "
            parts.append("composantes : " + joint.join(self.components))
        if self.since:
            parts.append(f"depuis {self.since}")
        if self.last:
            parts.append(f"{self.last} dernières années" + (" en priorité" if self.soft_window else ""))
        if self.persons:
            parts.append("avec " + ", ".join(self.persons))
        if self.min_amount:
            parts.append(f"montant ≥ {format_euros(self.min_amount)}")
        if self.text:
            parts.append("texte : " + ", ".join(f"« {t} »" for t in self.text))
        if self.ids:
            parts.append("références choisies : " + ", ".join(self.ids))
        return " ; ".join(parts) or "toutes les références"


def last_year(mission: Mission, when: date) -> int | None:
    """The last year a mission ran; « en cours » counts as the year of `when`."""
    if mission.annees is None:
        return None
    return when.year if mission.annees.en_cours else mission.annees.last


def window_start(criteria: Criteria, when: date) -> int | None:
    """The first year that still counts as recent, or None when recency is not asked."""
    starts = [y for y in (criteria.since, when.year - criteria.last if criteria.last else None) if y]
    return max(starts) if starts else None


def _amount(mission: Mission) -> Decimal:
    return max((m.valeur for m in mission.montant), default=Decimal(0))


def sort_missions(missions: list[Mission], how: str, when: date) -> list[Mission]:
    by_title = sorted(missions, key=lambda m: (fold(m.titre), m.id or ""))
    if how == "titre":
        return by_title
    if how == "client":
        return sorted(by_title, key=lambda m: fold(m.maitre_ouvrage or "~"))
    if how == "montant":
        return sorted(by_title, key=_amount, reverse=True)
    years = {m.id: (last_year(m, when) or 0, m.annees.debut if m.annees else 0) for m in missions}
    return sorted(by_title, key=lambda m: years[m.id], reverse=how != "ancien")


# --- the table ----------------------------------------------------------------------------------

@dataclass
class Judging:
    """What the criteria need besides the mission: the criteria, the dates, the ranking."""

    criteria: Criteria
    when: date
    relevance: Mapping[str, Relevance] | None = None
    # --text is the need the references are ranked against (no bid text): then it asks
    # for a term in common, not for the words themselves.
    text_is_need: bool = False
    start: int | None = field(init=False)
    composantes: list[str] = field(init=False)

    def __post_init__(self) -> None:
        # Worked out once, not once per mission.
        self.start = window_start(self.criteria, self.when)
        self.composantes = [canonical_composante(x) or x for x in self.criteria.components]


@dataclass(frozen=True)
class Criterion:
    name: str
    asked: Callable[[Criteria], bool]
    keeps: Callable[[Mission, Judging], bool]
    reason: Callable[[Mission, Judging], str]  # why this mission fails it
    empty: Callable[[Judging, list[Mission]], str]  # why nothing is left of `pool`


def _searchable(m: Mission) -> str:
    return " ".join([m.titre, m.enjeux or "", *m.contenu])


def _known(values) -> str:
    unique = sorted({v for v in values if v}, key=fold)
    return ", ".join(f"« {v} »" for v in unique) or "aucun"


def _hint(guess: list[str]) -> str:
    return f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""


def _keeps_composantes(m: Mission, j: Judging) -> bool:
    combine = any if j.criteria.any_component else all
    return combine(x in m.composantes for x in j.composantes)


def _composante_reason(m: Mission, j: Judging) -> str:
    missing = [x for x in j.composantes if x not in m.composantes]
    if m.composantes_a_confirmer:
        return f"composantes à confirmer (grille importée sans ses coches) : {format_names(missing)} invérifiable"
    if not m.composantes:  # the fiche says nothing: not the same as « not done »
        return f"composantes non renseignées : {format_names(missing)} invérifiable (à compléter dans la fiche)"
    return "composante requise absente : " + format_names(missing)


def _composante_empty(j: Judging, pool: list[Mission]) -> str:
    c = j.criteria
    unknown = [x for x in c.components if canonical_composante(x) is None]
    if unknown:
        return (f"composante inconnue « {unknown[0]} »{_hint(nearest(unknown[0], COMPOSANTES))} ; "
                f"composantes : {', '.join(COMPOSANTES)}")
    joint = "l'une des" if c.any_component else "toutes les"
    return f"aucune référence n'a {joint} composantes {', '.join(c.components)}"


def _recent(m: Mission, j: Judging) -> bool:
    return (last_year(m, j.when) or 0) >= j.start


def _recency_reason(m: Mission, j: Judging) -> str:
    year = last_year(m, j.when)
    if year is None:
        return "années non renseignées : récence invérifiable"
    period = "la période par défaut" if j.criteria.soft_window else "la période demandée"
    return f"trop ancienne : achevée en {year}, {period} commence en {j.start}"


def _recency_empty(j: Judging, pool: list[Mission]) -> str:
    recent = max((last_year(m, j.when) or 0 for m in pool), default=0)
    latest = [m.titre for m in pool if last_year(m, j.when) == recent]
    if not latest:
        return "aucune référence n'a d'années renseignées"
    return (f"aucune référence achevée en {j.start} ou après ; la plus récente date de {recent}"
            f" (« {latest[0]} ») ; élargissez avec --since ou --last")


def _keeps_text(m: Mission, j: Judging) -> bool:
    if j.text_is_need:
        # A pasted need is never found word for word: what counts is a term in common.
        return bool(j.relevance and j.relevance[m.id].matched)
    return all(contains(_searchable(m), t) for t in j.criteria.text)


def _text_reason(m: Mission, j: Judging) -> str:
    if j.text_is_need:
        return "aucun terme en commun avec le texte"
    return "ne contient pas " + " et ".join(f"« {t} »" for t in j.criteria.text)


def _type_empty(j: Judging, pool: list[Mission]) -> str:
    types = [m.type for m in pool]
    wanted = " ou ".join(f"« {t} »" for t in j.criteria.types)
    guess = nearest(j.criteria.types[0], [t for t in types if t])
    return f"aucun type ne contient {wanted}{_hint(guess)} ; types connus : {_known(types)}"


# In this order the criteria are tried (the first to empty a selection is the one named)
# and a mission's reasons are listed. The bid file feeds the same entries: its window
# (fenetre_annees) is « recence », its composantes_requises « composante », its
# exclure « exclude ».
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "confidentiel", lambda c: True,
        lambda m, j: j.criteria.include_confidential or not m.confidentiel or m.id in j.criteria.ids,
        lambda m, j: "confidentielle (--confidentiel pour l'inclure)",
        lambda j, pool: "toutes les références sont confidentielles ; ajoutez --confidentiel pour les inclure"),
    Criterion(
        "id", lambda c: bool(c.ids),
        lambda m, j: m.id in j.criteria.ids,
        lambda m, j: "hors des références choisies (--id)",
        lambda j, pool: "les références demandées sont confidentielles ; ajoutez --confidentiel pour les inclure"),
    Criterion(
        "exclude", lambda c: bool(c.exclude),
        lambda m, j: m.id not in j.criteria.exclude,
        lambda m, j: "écartée à la main (exclure)",
        lambda j, pool: "toutes les références restantes ont été exclues (--exclude)"),
    Criterion(
        "type", lambda c: bool(c.types),
        lambda m, j: any(contains(m.type, t) for t in j.criteria.types),
        lambda m, j: f"type « {m.type or 'non renseigné'} » hors des types demandés",
        _type_empty),
    Criterion(
        "client", lambda c: bool(c.clients),
        lambda m, j: any(contains(m.maitre_ouvrage, x) for x in j.criteria.clients),
        lambda m, j: "maître d'ouvrage hors des clients demandés",
        lambda j, pool: ("aucun maître d'ouvrage ne contient " + " ou ".join(f"« {x} »" for x in j.criteria.clients)
                         + f" ; maîtres d'ouvrage connus : {_known(m.maitre_ouvrage for m in pool)}")),
    Criterion("composante", lambda c: bool(c.components), _keeps_composantes, _composante_reason, _composante_empty),
    Criterion("recence", lambda c: bool(c.since or c.last), _recent, _recency_reason, _recency_empty),
    Criterion(
        "personne", lambda c: bool(c.persons),
        lambda m, j: any(contains(n, p) for n in m.people for p in j.criteria.persons),
        lambda m, j: "aucune des personnes demandées n'y est intervenue",
        lambda j, pool: (f"aucune référence avec {', '.join(j.criteria.persons)} ; "
                         f"personnes connues : {_known(n for m in pool for n in m.people)}")),
    Criterion(
        "montant", lambda c: c.min_amount is not None,
        lambda m, j: _amount(m) >= j.criteria.min_amount,
        lambda m, j: "montant inférieur au minimum demandé",
        lambda j, pool: (f"aucune référence d'au moins {format_euros(j.criteria.min_amount)} ; le plus gros montant est "
                         f"{format_euros(max((_amount(m) for m in pool), default=Decimal(0)))}")),
    Criterion(
        "texte", lambda c: bool(c.text), _keeps_text, _text_reason,
        lambda j, pool: ("aucune référence ne contient " + " et ".join(f"« {t} »" for t in j.criteria.text)
                         + " dans son titre, ses enjeux ou son contenu")),
)


# --- the engine ---------------------------------------------------------------------------------

@dataclass
class Verdict:
    mission: Mission
    relevance: Relevance | None = None  # None when nothing was ranked
    failed: list[str] = field(default_factory=list)  # names of the criteria it fails, in table order
    reasons: list[str] = field(default_factory=list)  # the same, in French
    kept: bool = False
    forced: bool = False  # kept by hand (inclure) despite its reasons
    too_old: bool = False
    near_miss: bool = False
    soft: bool = False  # only outside the default window: may complete the list, marked
    rank: int | None = None

    @property
    def score(self) -> float:
        return self.relevance.score if self.relevance else 0.0

    @property
    def matches(self) -> list[Match]:
        return self.relevance.matches if self.relevance else []

    def labels(self, n: int) -> list[str]:
        """The labels of the first `n` matches (Relevance.labels)."""
        return self.relevance.labels(n) if self.relevance else []

    @property
    def note(self) -> str:
        """Why a kept reference is there despite a reason, in French for the bid team; else empty."""
        if self.forced:
            return "retenue à la main (inclure)" + (" : " + " ; ".join(self.reasons) if self.reasons else "")
        if self.kept and self.too_old:
            return "ancienne, gardée pour sa pertinence : " + \
                " ; ".join(r.removeprefix("trop ancienne : ") for r in self.reasons)
        return ""


@dataclass
class Answer:
    verdicts: list[Verdict]  # the kept ones in their order, then the others
    when: date  # the reference date
    start: int | None
    ranked: bool  # ordered by relevance to a text (else by the --sort order)
    wanted: int | None = None
    soft_window: bool = False
    by_hand: bool = False  # references chosen with --id, in the order they were asked for
    ranking: Ranking | None = None  # the tender's terms and their weight, when a text was ranked

    @property
    def period(self) -> str:
        """The recency window in French, as the explanation and the note show it."""
        if not self.start:
            return "sans limite d'ancienneté"
        text = f"achevées en {self.start} ou après, ou en cours"
        if self.soft_window:
            text += " (période par défaut : les récentes passent d'abord à pertinence comparable, une plus ancienne " \
                    "nettement plus pertinente est gardée, signalée ; fenetre_annees dans l'appel pour les écarter)"
        return text

    @property
    def order(self) -> str:
        """How the kept references are ordered, in French."""
        if self.by_hand:
            return "ordre des identifiants demandés (--id)"
        return "pertinence par rapport au besoin" if self.ranked else "ordre demandé (--sort)"

    @property
    def kept(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kept]

    @property
    def selected(self) -> list[Mission]:
        return [v.mission for v in self.kept]

    @property
    def excluded(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.kept and v.reasons]

    @property
    def beyond_limit(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.kept and not v.reasons]

    @property
    def near_misses(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.near_miss and not v.kept]

    @property
    def weak(self) -> bool:
        """Fewer references than asked for, some kept with nothing in common with the tender, or none fits."""
        short = self.wanted is not None and len(self.kept) < self.wanted
        return not self.kept or short or self.no_fit or (self.ranked and any(not v.matches for v in self.kept))

    @cached_property
    def no_fit(self) -> bool:
        """Whether the library holds no convincing reference for the tender's text."""
        if not self.ranked or self.ranking is None or not self.verdicts:
            return False
        best = max(self.verdicts, key=lambda v: v.score)
        ceiling = self.ranking.ceiling()
        share = best.score / ceiling if ceiling else 0.0
        whole = best.score / self.ranking.ceiling(unknown=True)
        notion = any(m.key.startswith("~") for m in best.matches)
        return whole < WHOLE_SHARE or share < FIT_SHARE or (share < NOTION_SHARE and not notion)

    @property
    def old_best(self) -> list[Verdict]:
        """Without a written window: the best references, when every one of them is older than the window."""
        if not (self.ranked and self.soft_window and self.start) or self.no_fit:
            return []
        open_ = [v for v in self.verdicts if v.kept or v.soft or not v.reasons]
        if not open_:
            return []
        top = max(v.score for v in open_)
        best = [v for v in open_ if top and v.score * RECENT_PREFERENCE >= top]
        return best if best and all(v.too_old for v in best) else []

    def headlines(self) -> list[str]:
        """What the bid team must know first about this answer, in French (terminal, internal note)."""
        lines = []
        if self.no_fit:
            lines.append("aucune référence convaincante : la bibliothèque n'a aucune référence proche de "
                         "cet appel ; les plus proches sont indiquées avec ce qui leur manque.")
        old = self.old_best
        if old:
            window = self.when.year - self.start
            lines.append(f"les références les plus pertinentes sont toutes antérieures aux {window} dernières années "
                         f"(achevées avant {self.start}) : " + ", ".join(v.mission.id for v in old[:3]) +
                         " ; vérifiez que l'acheteur les accepte.")
        return lines

    def lacking(self, n: int = 3) -> list[tuple[Verdict, list[str]]]:
        """The nearest references by relevance, with the tender's most telling terms each lacks."""
        if self.ranking is None:
            return []
        nearest = sorted(self.verdicts, key=lambda v: (-v.score, v.mission.id))[:n]
        return [(v, self.ranking.missing(v.relevance)) for v in nearest]

    def nearest(self, n: int = 3) -> list[Verdict]:
        """The left-out references closest to making it: fewest reasons, then most relevant."""
        return sorted(self.excluded, key=lambda v: (len(v.reasons), -v.score, v.mission.id))[:n]

    def old_notes(self) -> dict[str, str]:
        """Mission id → the mark of a reference kept although outside the window."""
        # Kept for its relevance without a written window: said to the bid team (terminal,
        # internal note), not to the buyer. Kept by hand beyond a demanded window: the buyer
        # asked for the period, so the document says the reference is outside it.
        def mark(v: Verdict) -> str:
            year = last_year(v.mission, self.when)
            return f"Référence antérieure à la période demandée (achevée en {year}), retenue à dessein"

        return {v.mission.id: mark(v) for v in self.kept if v.too_old and not v.soft}


def check_ids(missions: list[Mission], wanted: tuple[str, ...] | list[str]) -> None:
    """A UsageError naming the first identifier no mission has (with the nearest one)."""
    known = {m.id for m in missions}
    for ident in wanted:
        if ident not in known:
            raise UsageError(f"aucune référence n'a l'identifiant « {ident} »{_hint(nearest(ident, sorted(known)))}")


def judge(missions: list[Mission], criteria: Criteria, when: date, *,
          relevance: Mapping[str, Relevance] | None = None, ranked: bool = False, text_is_need: bool = False,
          include: tuple[str, ...] | list[str] = (), ranking: Ranking | None = None) -> Answer:
    """Every mission judged against the table; the kept ones first, in order (pure).

    `relevance` (by mission id) orders the verdicts when `ranked`; otherwise the --sort
    order does. References asked with --id come in the order they were asked for,
    unless another --sort is asked. `include` keeps references whatever their reasons,
    except a hand exclusion.
    """
    check_ids(missions, (*include, *criteria.ids, *criteria.exclude))
    judging = Judging(criteria, when, relevance, text_is_need)
    start = judging.start
    active = [c for c in CRITERIA if c.asked(criteria)]
    verdicts = []
    for mission in missions:
        failed = [c for c in active if not c.keeps(mission, judging)]
        names = [c.name for c in failed]
        year = last_year(mission, when)
        verdicts.append(Verdict(
            mission=mission,
            relevance=relevance[mission.id] if relevance is not None else None,
            failed=names,
            reasons=[c.reason(mission, judging) for c in failed],
            forced=mission.id in include and "exclude" not in names,
            too_old="recence" in names,
            near_miss=names == ["recence"] and year is not None and year >= start - NEAR_MISS_YEARS,
            soft=criteria.soft_window and names == ["recence"],
        ))
    if ranked:
        verdicts.sort(key=lambda v: (-v.score, -(last_year(v.mission, when) or 0), v.mission.id))
    else:
        order = {m.id: i for i, m in enumerate(sort_missions(missions, criteria.sort, when))}
        verdicts.sort(key=lambda v: order[v.mission.id])
    by_hand = bool(criteria.ids) and criteria.sort == "recent"
    if by_hand:
        asked = {ident: i for i, ident in enumerate(criteria.ids)}
        verdicts.sort(key=lambda v: asked.get(v.mission.id, len(asked)))  # stable: the others keep their order
    forced = [v for v in verdicts if v.forced]
    eligible = [v for v in verdicts if (not v.reasons or v.soft) and not v.forced]
    if ranked and not by_hand:
        # Relevance first; a reference of the window wins only at comparable relevance.
        eligible.sort(key=lambda v: -preference(v))
    else:
        # No text to rank on: the references of the window first, older ones complete the list.
        eligible.sort(key=lambda v: v.soft)
    room = None if criteria.limit is None else max(criteria.limit - len(forced), 0)
    for v in forced + eligible[:room]:
        v.kept = True
    kept = [v for v in verdicts if v.kept]
    if ranked and not by_hand:
        kept.sort(key=lambda v: -preference(v))
    for i, v in enumerate(kept, 1):
        v.rank = i
    rest = [v for v in verdicts if not v.kept]
    return Answer(kept + rest, when, start, ranked, criteria.limit, criteria.soft_window, by_hand, ranking)


def preference(v: Verdict) -> float:
    """The relevance a reference is kept on: its score, raised when it is of the window (RECENT_PREFERENCE)."""
    return v.score * (RECENT_PREFERENCE if not v.too_old else 1.0)


def why_empty(missions: list[Mission], criteria: Criteria, when: date, result: Answer) -> str:
    """The message of the first criterion that leaves nothing, said about what was left before it."""
    judging = Judging(criteria, when, None, False)
    failed = {v.mission.id: set(v.failed) for v in result.verdicts}
    before: set[str] = set()
    for criterion in CRITERIA:
        if not criterion.asked(criteria):
            continue
        pool = [m for m in missions if not failed[m.id] & before]
        if all(criterion.name in failed[m.id] for m in pool):
            return criterion.empty(judging, pool)
        before.add(criterion.name)
    return "aucune référence ne remplit tous les critères"


def select(missions: list[Mission], criteria: Criteria, when: date) -> list[Mission]:
    """The missions matching every criterion, in order; a UsageError saying why when none does."""
    result = judge(missions, criteria, when)
    if not result.kept:
        raise UsageError(why_empty(missions, criteria, when, result))
    return result.selected


def failed_criteria(mission: Mission, criteria: Criteria, when: date) -> list[str]:
    """The names of the criteria a mission fails, to explain an exclusion."""
    judging = Judging(criteria, when)
    return [c.name for c in CRITERIA if c.asked(criteria) and not c.keeps(mission, judging)]
