"""The note for the bid team: how the references were chosen, and what is left to fill in.

The one place that words what is internal. The buyer's documents (context.py) carry
none of it: criteria, recency window, ranking scores and reasons, references kept
although old, counts and gaps go here and to the terminal, never into a DOCX the
firm sends.
"""

from __future__ import annotations

from itertools import groupby

from generator.documents.context import BuildOptions
from generator.errors import Problem

NOTE_NAME = "note-interne.md"


def _terms(verdict) -> str:
    return " ; ".join(f"{m.label} ({', '.join(m.fields)})" for m in verdict.relevance.matches[:8])


def _score(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def internal_note(options: BuildOptions, gaps: list[Problem]) -> str:
    """« Pourquoi ces références » as Markdown: criteria, ranking, old references, gaps."""
    lines = ["# Pourquoi ces références", "",
             "Note interne pour l'équipe de réponse : ne pas joindre au dossier envoyé à l'acheteur.", ""]
    if options.appel.titre:
        lines += [f"Appel : {options.appel.titre}", ""]
    if options.selection_description:
        lines += [f"Critères : {options.selection_description}", ""]
    answer = options.answer
    if answer is not None:
        lines += [f"Période : {('missions ' if answer.start else '') + answer.period}",
                  "Ordre : " + ("pertinence par rapport au besoin de l'appel" if answer.ranked else "ordre demandé (--sort)"),
                  "", "## Références retenues", ""]
        old = answer.old_notes()
        for v in answer.kept:
            line = f"{v.rank}. **{v.mission.titre}** — score {_score(v.score)} — {_terms(v) or 'aucun terme du besoin'}"
            notes = [n for n in (v.note, old.get(v.mission.id, "")) if n]
            lines.append(line + (f" ({' ; '.join(notes)})" if notes else ""))
        excluded = [(v.mission.titre, " ; ".join(v.reasons) + (" (de peu)" if v.near_miss else "")) for v in answer.excluded]
        excluded += [(v.mission.titre, f"moins pertinente, au-delà des {answer.wanted} références demandées")
                     for v in answer.beyond_limit]
        if excluded:
            lines += ["", "## Références écartées", ""]
            lines += [f"- **{titre}** : {raison}" for titre, raison in excluded]
    lines += ["", "## À compléter avant l'envoi", ""]
    lines += gap_lines(gaps) or ["Rien : le dossier peut être produit avec --final."]
    return "\n".join(lines) + "\n"


def gap_lines(gaps: list[Problem]) -> list[str]:
    """The gaps grouped by file, each once, as the terminal and the note show them."""
    lines = []
    unique = sorted(set(gaps), key=lambda p: p.sort_key())
    for path, group in groupby(unique, key=lambda p: p.path):
        lines.append(f"{path} :")
        lines += [f"  {problem}" for problem in group]
    return lines
