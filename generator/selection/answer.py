"""Answering a tender: which references to keep, in which order, and why.

Every mission gets a verdict: the criteria it fails (in French), its relevance to the
tender's text, and whether it was kept, kept on purpose despite its age, or left out.
The recency window is counted back from the deadline, not from today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from generator.errors import WARNING, Problem, UsageError
from generator.library.formatting import format_names
from generator.library.loader import Library, source_of
from generator.library.models import Mission
from generator.selection.ranking import Relevance, rank, tokens
from generator.selection.criteria import Criteria, failed_criteria, last_year, sort_missions, window_start
from generator.library.vocabulary import canonical_composante, contains, nearest

# A mission that ended this many years before the window is a near-miss: worth a look,
# since some buyers accept a slightly older reference.
NEAR_MISS_YEARS = 2


@dataclass
class Verdict:
    mission: Mission
    relevance: Relevance
    reasons: list[str] = field(default_factory=list)  # why it fails the criteria, in French
    kept: bool = False
    forced: bool = False  # kept by hand (inclure) despite its reasons
    too_old: bool = False
    near_miss: bool = False
    soft: bool = False  # only outside the default window: may complete the list, marked
    rank: int | None = None

    @property
    def score(self) -> float:
        return self.relevance.score

    @property
    def note(self) -> str:
        """Why a kept reference is there despite a reason, in French for the bid team; else empty."""
        if self.forced:
            return "retenue à la main (inclure)" + (" : " + " ; ".join(self.reasons) if self.reasons else "")
        if self.kept and self.too_old:
            return "gardée pour compléter la liste, signalée comme ancienne : " + \
                " ; ".join(r.removeprefix("trop ancienne : ") for r in self.reasons)
        return ""


@dataclass
class Answer:
    verdicts: list[Verdict]  # the kept ones in their order, then the others by relevance
    when: date
    start: int | None
    ranked: bool  # ordered by relevance to a text (else by the --sort order)
    wanted: int | None = None
    soft_window: bool = False

    @property
    def period(self) -> str:
        """The recency window in French, as the explanation and the note show it."""
        if not self.start:
            return "sans limite d'ancienneté"
        text = f"achevées en {self.start} ou après, ou en cours"
        if self.soft_window:
            text += " (période par défaut : les plus anciennes complètent la liste, signalées ; " \
                    "fenetre_annees dans l'appel pour les écarter)"
        return text

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
        """Fewer references than asked for, or some kept with nothing in common with the tender."""
        short = self.wanted is not None and len(self.kept) < self.wanted
        return not self.kept or short or (self.ranked and any(not v.relevance.matches for v in self.kept))

    def nearest(self, n: int = 3) -> list[Verdict]:
        """The left-out references closest to making it: fewest reasons, then most relevant."""
        return sorted(self.excluded, key=lambda v: (len(v.reasons), -v.score, v.mission.id))[:n]

    def old_notes(self) -> dict[str, str]:
        """Mission id → the mark of a reference kept although outside the window."""
        def mark(v: Verdict) -> str:
            year = last_year(v.mission, self.when)
            if v.soft:
                return f"Référence achevée en {year}, antérieure aux {self.when.year - self.start} dernières années"
            return f"Référence antérieure à la période demandée (achevée en {year}), retenue à dessein"

        return {v.mission.id: mark(v) for v in self.kept if v.too_old}


def _ranks_the_text(c: Criteria, text: str | None) -> bool:
    """Whether --text is the text ranked against (no bid text): then it is a need, not words to find."""
    return bool(c.text) and text == " ".join(c.text)


def _reason(name: str, mission: Mission, c: Criteria, when: date, text: str | None) -> str:
    if name == "recence":
        year = last_year(mission, when)
        if year is None:
            return "années non renseignées : récence invérifiable"
        period = "la période par défaut" if c.soft_window else "la période demandée"
        return f"trop ancienne : achevée en {year}, {period} commence en {window_start(c, when)}"
    if name == "composante":
        wanted = [canonical_composante(x) or x for x in c.components]
        missing = [x for x in wanted if x not in mission.composantes]
        if mission.composantes_a_confirmer:
            return f"composantes à confirmer (grille importée sans ses coches) : {format_names(missing)} invérifiable"
        if not mission.composantes:  # the fiche says nothing: not the same as « not done »
            return f"composantes non renseignées : {format_names(missing)} invérifiable (à compléter dans la fiche)"
        return "composante requise absente : " + format_names(missing)
    if name == "type":
        return f"type « {mission.type or 'non renseigné'} » hors des types demandés"
    if name == "personne":
        return "aucune des personnes demandées n'y est intervenue"
    if name == "texte":
        if _ranks_the_text(c, text):
            return "aucun terme en commun avec le texte"
        return "ne contient pas " + " et ".join(f"« {t} »" for t in c.text)
    return {
        "confidentiel": "confidentielle (--confidentiel pour l'inclure)",
        "id": "hors des références choisies (--id)",
        "exclude": "écartée à la main (exclure)",
        "client": "maître d'ouvrage hors des clients demandés",
        "montant": "montant inférieur au minimum demandé",
    }[name]


def answer(missions: list[Mission], criteria: Criteria, when: date, text: str | None,
           include: tuple[str, ...] | list[str] = ()) -> Answer:
    """Every mission judged against the criteria and ranked against `text` (pure)."""
    known = [m.id for m in missions]
    for wanted in [*include, *criteria.ids, *criteria.exclude]:
        if wanted not in known:
            guess = nearest(wanted, known)
            hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
            raise UsageError(f"aucune référence n'a l'identifiant « {wanted} »{hint}")
    start = window_start(criteria, when)
    relevance = rank(missions, text)
    ranked = bool(tokens(text))
    verdicts = []
    for mission in missions:
        failed = failed_criteria(mission, criteria, when)
        if _ranks_the_text(criteria, text):
            # A pasted tender is never found word for word: what counts is a term in common.
            failed = [n for n in failed if n != "texte"] + ([] if relevance[mission.id].matches else ["texte"])
        year = last_year(mission, when)
        too_old = "recence" in failed
        verdicts.append(Verdict(
            mission=mission,
            relevance=relevance[mission.id],
            reasons=[_reason(name, mission, criteria, when, text) for name in failed],
            forced=mission.id in include and "exclude" not in failed,
            too_old=too_old,
            near_miss=failed == ["recence"] and year is not None and year >= start - NEAR_MISS_YEARS,
            soft=criteria.soft_window and failed == ["recence"],
        ))
    if ranked:
        verdicts.sort(key=lambda v: (-v.score, -(last_year(v.mission, when) or 0), v.mission.id))
    else:
        order = {m.id: i for i, m in enumerate(sort_missions(missions, criteria.sort, when))}
        verdicts.sort(key=lambda v: order[v.mission.id])
    forced = [v for v in verdicts if v.forced]
    # Within the limit, the references of the window come first; older ones (when the
    # window is only the default) complete the list. The kept ones stay in relevance order.
    eligible = sorted((v for v in verdicts if (not v.reasons or v.soft) and not v.forced), key=lambda v: v.soft)
    room = None if criteria.limit is None else max(criteria.limit - len(forced), 0)
    for v in forced + eligible[:room]:
        v.kept = True
    kept = [v for v in verdicts if v.kept]
    for i, v in enumerate(kept, 1):
        v.rank = i
    rest = [v for v in verdicts if not v.kept]
    return Answer(kept + rest, when, start, ranked, criteria.limit, criteria.soft_window)


def empty_message(result: Answer) -> str:
    """Why nothing (or too little) was kept, with the three nearest references and what they lack."""
    if result.kept:
        head = f"sélection faible : {len(result.kept)} référence(s) retenue(s)"
        head += f" sur {result.wanted} demandée(s)" if result.wanted else ""
    else:
        head = "aucune référence ne remplit tous les critères de l'appel"
    closest = result.nearest()
    lines = [head + (" ; les plus proches :" if closest else "")]
    for v in closest:
        score = f"{v.score:.1f}".replace(".", ",")
        lines.append(f"  - {v.mission.id} (score {score}) : " + " ; ".join(v.reasons))
    old = [v.mission.id for v in closest if v.too_old and len(v.reasons) == 1]
    if old:
        lines.append("Si l'acheteur accepte des références plus anciennes : « inclure: [" + ", ".join(old) + "] » "
                     "dans le fichier d'appel, ou retirez-en « fenetre_annees » (elles seront signalées comme anciennes).")
    return "\n".join(lines)


def compliance(result: Answer, library: Library) -> list[Problem]:
    """What the reference table lacks for the buyer (arrêté du 22 mars 2019): one warning per gap."""
    problems = []
    for v in result.kept:
        m = v.mission
        where = source_of(library, m)
        name, doc = where if where else (m.id, None)

        def gap(field: str, message: str) -> None:
            line = doc.lines.get((field,)) if doc else None
            problems.append(Problem(name, line, field, message, WARNING))

        if m.annees is None:
            gap("annees", "date de réalisation manquante (années)")
        if not m.montant:
            gap("montant", "montant de la mission manquant")
        elif any(x.taxe is None for x in m.montant):
            gap("montant", "montant sans base HT ou TTC")
        if len(m.equipe) > 1 and m.montant and any(x.perimetre is None for x in m.montant):
            gap("montant", "mission en groupement : précisez si le montant est la part du cabinet ou celui du groupement (perimetre)")
        if m.nature_client is None:
            gap("nature_client", "destinataire public ou privé non précisé")
        if v.too_old and v.soft:
            gap("annees", f"antérieure à la période par défaut (depuis {result.start}) : gardée, signalée comme ancienne ; "
                "écrivez fenetre_annees dans l'appel si l'acheteur exige une période")
        elif v.too_old:
            gap("annees", f"hors de la période demandée (depuis {result.start}) : retenue à dessein, signalée comme ancienne")
    return problems


def people_names(library: Library, names: list[str]) -> list[str]:
    """The bid's proposed people, checked against personnes/ (a typo is a usage error)."""
    known = [p.nom for p in library.personnes]
    for name in names:
        if library.person(name) is None:
            guess = nearest(name, known) or [k for k in known if contains(k, name)]
            hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else f" ; personnes connues : {format_names(known)}"
            raise UsageError(f"personne inconnue « {name} » dans personnes/{hint}")
    return names
