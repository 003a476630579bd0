"""Which references go into a document: pure functions over the loaded missions.

`select` applies the criteria one after the other, so that when a selection comes out
empty it can say which criterion emptied it and what the library holds instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from generator.errors import UsageError
from generator.library.formatting import format_euros
from generator.library.models import Mission
from generator.library.vocabulary import COMPOSANTES, canonical_composante, contains, fold, nearest

SORTS = ("recent", "ancien", "titre", "client", "montant")


@dataclass(frozen=True)
class Criteria:
    types: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    any_component: bool = False
    since: int | None = None
    last: int | None = None
    persons: tuple[str, ...] = ()
    min_amount: Decimal | None = None
    text: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
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


def last_year(mission: Mission, today: date) -> int | None:
    """The last year a mission ran; « en cours » counts as the current year."""
    if mission.annees is None:
        return None
    return today.year if mission.annees.en_cours else mission.annees.last


def window_start(criteria: Criteria, today: date) -> int | None:
    """The first year that still counts as recent, or None when recency is not asked."""
    starts = [y for y in (criteria.since, today.year - criteria.last if criteria.last else None) if y]
    return max(starts) if starts else None


def _amount(mission: Mission) -> Decimal:
    return max((m.valeur for m in mission.montant), default=Decimal(0))


def sort_missions(missions: list[Mission], how: str, today: date) -> list[Mission]:
    by_title = sorted(missions, key=lambda m: (fold(m.titre), m.id or ""))
    if how == "titre":
        return by_title
    if how == "client":
        return sorted(by_title, key=lambda m: fold(m.maitre_ouvrage or "~"))
    if how == "montant":
        return sorted(by_title, key=_amount, reverse=True)
    years = {m.id: (last_year(m, today) or 0, m.annees.debut if m.annees else 0) for m in missions}
    return sorted(by_title, key=lambda m: years[m.id], reverse=how != "ancien")


def select(missions: list[Mission], criteria: Criteria, today: date) -> list[Mission]:
    """The missions matching every criterion, sorted; raise UsageError when none does."""
    _check_ids(missions, criteria)
    current = list(missions)
    for name, keep in _filters(criteria, today):
        kept = [m for m in current if keep(m)]
        if not kept:
            raise UsageError(_why_empty(name, criteria, current, today))
        current = kept
    current = sort_missions(current, criteria.sort, today)
    if criteria.ids and criteria.sort == "recent":
        # References chosen by hand come in the order they were asked for.
        order = {i: n for n, i in enumerate(criteria.ids)}
        current.sort(key=lambda m: order[m.id])
    return current[: criteria.limit] if criteria.limit else current


def _check_ids(missions: list[Mission], criteria: Criteria) -> None:
    known = [m.id for m in missions]
    for wanted in (*criteria.ids, *criteria.exclude):
        if wanted not in known:
            guess = nearest(wanted, known)
            hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
            raise UsageError(f"aucune référence n'a l'identifiant « {wanted} »{hint}")


def _filters(c: Criteria, today: date):
    start = window_start(c, today)
    canonical = [canonical_composante(x) or x for x in c.components]
    combine = any if c.any_component else all
    yield "confidentiel", lambda m: c.include_confidential or not m.confidentiel or m.id in c.ids
    if c.ids:
        yield "id", lambda m: m.id in c.ids
    if c.exclude:
        yield "exclude", lambda m: m.id not in c.exclude
    if c.types:
        yield "type", lambda m: any(contains(m.type, t) for t in c.types)
    if c.clients:
        yield "client", lambda m: any(contains(m.maitre_ouvrage, x) for x in c.clients)
    if canonical:
        yield "composante", lambda m: combine(x in m.composantes for x in canonical)
    if start:
        yield "recence", lambda m: (last_year(m, today) or 0) >= start
    if c.persons:
        yield "personne", lambda m: any(contains(n, p) for n in m.people for p in c.persons)
    if c.min_amount is not None:
        yield "montant", lambda m: _amount(m) >= c.min_amount
    if c.text:
        yield "texte", lambda m: all(contains(_searchable(m), t) for t in c.text)


def _searchable(m: Mission) -> str:
    return " ".join([m.titre, m.enjeux or "", *m.contenu])


def _known(values) -> str:
    unique = sorted({v for v in values if v}, key=fold)
    return ", ".join(f"« {v} »" for v in unique) or "aucun"


def _why_empty(name: str, c: Criteria, pool: list[Mission], today: date) -> str:
    if name == "confidentiel":
        return "toutes les références sont confidentielles ; ajoutez --confidentiel pour les inclure"
    if name == "id":
        return "les références demandées sont confidentielles ; ajoutez --confidentiel pour les inclure"
    if name == "exclude":
        return "toutes les références restantes ont été exclues (--exclude)"
    if name == "type":
        types = [m.type for m in pool]
        wanted = " ou ".join(f"« {t} »" for t in c.types)
        guess = nearest(c.types[0], [t for t in types if t])
        hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
        return f"aucun type ne contient {wanted}{hint} ; types connus : {_known(types)}"
    if name == "client":
        wanted = " ou ".join(f"« {x} »" for x in c.clients)
        return f"aucun maître d'ouvrage ne contient {wanted} ; maîtres d'ouvrage connus : {_known(m.maitre_ouvrage for m in pool)}"
    if name == "composante":
        unknown = [x for x in c.components if canonical_composante(x) is None]
        if unknown:
            guess = nearest(unknown[0], COMPOSANTES)
            hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
            return f"composante inconnue « {unknown[0]} »{hint} ; composantes : {', '.join(COMPOSANTES)}"
        joint = "l'une des" if c.any_component else "toutes les"
        return f"aucune référence n'a {joint} composantes {', '.join(c.components)}"
    if name == "recence":
        start = window_start(c, today)
        recent = max((last_year(m, today) or 0 for m in pool), default=0)
        latest = [m.titre for m in pool if last_year(m, today) == recent]
        return (
            f"aucune référence achevée en {start} ou après ; la plus récente date de {recent}"
            f" (« {latest[0]} ») ; élargissez avec --since ou --last" if latest else "aucune référence n'a d'années renseignées"
        )
    if name == "personne":
        names = [n for m in pool for n in m.people]
        return f"aucune référence avec {', '.join(c.persons)} ; personnes connues : {_known(names)}"
    if name == "montant":
        top = max((_amount(m) for m in pool), default=Decimal(0))
        return f"aucune référence d'au moins {format_euros(c.min_amount)} ; le plus gros montant est {format_euros(top)}"
    return "aucune référence ne contient " + " et ".join(f"« {t} »" for t in c.text) + " dans son titre, ses enjeux ou son contenu"


def failed_criteria(mission: Mission, criteria: Criteria, today: date) -> list[str]:
    """The names of the criteria a mission fails (as in `select`), to explain an exclusion."""
    return [name for name, keep in _filters(criteria, today) if not keep(mission)]
