"""Answering a tender: the references ranked against its text, and what they lack.

The verdicts come from the one engine of `criteria` (`judge`), given the relevance of
each mission to the tender's text. The recency window is counted back from the
reference date (the deadline), not from the clock. Relevance comes before recency, and
an answer says when nothing fits: see `criteria.Answer` and `RECENT_PREFERENCE`.
"""

from __future__ import annotations

from datetime import date

from generator.errors import WARNING, Problem
from generator.library.loader import Library, source_of
from generator.library.models import Mission
from generator.selection.criteria import Answer, Criteria, Verdict, judge
from generator.selection.ranking import Concepts, rank_tender

__all__ = ["Answer", "Verdict", "answer", "compliance", "empty_message", "kept_notes"]


def answer(missions: list[Mission], criteria: Criteria, when: date, text: str | None,
           include: tuple[str, ...] | list[str] = (), concepts: Concepts | None = None,
           fingerprint: str | None = None) -> Answer:
    """Every mission judged against the criteria and ranked against `text` (pure; `fingerprint`,
    the library's when `missions` are all of it, lets the ranking reuse its word index)."""
    # Without a text of its own (no bid), --text is the need: a term in common is enough.
    text_is_need = bool(criteria.text) and text == " ".join(criteria.text)
    ranking = rank_tender(missions, text, concepts, fingerprint)
    return judge(missions, criteria, when, relevance=ranking.relevance, ranked=bool(ranking.terms),
                 text_is_need=text_is_need, include=include, ranking=ranking)


def empty_message(result: Answer) -> str:
    """Why nothing (or too little) was kept, with the three nearest references and what they lack."""
    if result.kept:
        head = f"sélection faible : {len(result.kept)} référence(s) retenue(s)"
        head += f" sur {result.wanted} demandée(s)" if result.wanted else ""
    else:
        head = "aucune référence ne remplit tous les critères de l'appel"
    if result.kept and result.no_fit and not (result.wanted is not None and len(result.kept) < result.wanted):
        lines = ["références les plus proches de l'appel, et ce qui leur manque :"]
        for v, lacks in result.lacking():
            score = f"{v.score:.1f}".replace(".", ",")
            lines.append(f"  - {v.mission.id} (score {score}) : il lui manque " + (", ".join(f"« {t} »" for t in lacks) or "—"))
        return "\n".join(lines)
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


def kept_notes(result: Answer) -> list[str]:
    """The references kept despite a criterion, in French for the bid team, each once.

    Only the selection knows this: a reference kept by hand (inclure) although it fails a
    criterion (a required composante, the period), or kept for its relevance although
    older than the default period. What a reference lacks for the table is not repeated
    here: a draft's gap summary lists it (documents/gaps.py).
    """
    lines = [f"  {v.mission.id} : {v.note}" for v in result.kept if v.note]
    if not lines:
        return []
    if any(v.too_old and v.soft for v in result.kept):
        lines.append("  si l'acheteur exige une période, écrivez fenetre_annees dans le fichier d'appel")
    return ["Références retenues malgré un critère (pour l'équipe de réponse) :", *lines]


def compliance(result: Answer, library: Library) -> list[Problem]:
    """What the reference table lacks for the buyer (arrêté du 22 mars 2019): one warning per gap.

    `--strict` refuses on them. A draft does not print them: its gap summary carries the
    same fields, and `kept_notes` what only the selection knows."""
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
            gap("annees", f"antérieure à la période par défaut (depuis {result.start}) : gardée pour sa pertinence ; "
                "écrivez fenetre_annees dans l'appel si l'acheteur exige une période")
        elif v.too_old:
            gap("annees", f"hors de la période demandée (depuis {result.start}) : retenue à dessein, signalée comme ancienne")
    return problems
