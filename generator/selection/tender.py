"""What a tender is ranked against: its title, the lots the firm answers, and the need.

In a consultation split into lots, the firm answers one or some of them: the other lots'
titles and texts would pull in references for work it does not bid for. When the bid file
names the answered lots (`lots_repondus`), only their text counts, and the sections of the
other lots are cut out of a `besoin` pasted whole from the RC (« Lot 2 : … » up to the next
lot or article heading).
"""

from __future__ import annotations

import re

_LOT_HEADING = re.compile(r"^\W*lot\s*(?:n\s*[°o.]?\s*)?(\d+)\b", re.IGNORECASE)
_OTHER_HEADING = re.compile(r"^\W*(?:article|chapitre|titre)\s+\d+\b", re.IGNORECASE)


def _number(text: str) -> str:
    """« 02 » and « 2 » are the same lot."""
    return text.strip().lstrip("0") or "0"


def answered_need(besoin: str | None, answered: set[str], known: set[str]) -> str:
    """`besoin` without the sections of the lots not answered (all of it when none is named)."""
    if not besoin or not answered:
        return besoin or ""
    answered, known = {_number(n) for n in answered}, {_number(n) for n in known | answered}
    kept, skipping = [], False
    for line in besoin.splitlines():
        heading = _LOT_HEADING.match(line)
        if heading and _number(heading.group(1)) in known:
            skipping = _number(heading.group(1)) not in answered
        elif _OTHER_HEADING.match(line):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def tender_text(bid) -> str:
    """The text the references are ranked against (a `Bid`: title, answered lots, need)."""
    lots = bid.answered_lots
    answered = {lot.numero for lot in lots if lot.numero} if bid.lots_repondus else set()
    known = {lot.numero for lot in bid.lots if lot.numero}
    parts = [bid.titre]
    for lot in lots:
        parts += [lot.intitule, lot.texte]
    parts.append(answered_need(bid.besoin, answered, known))
    return "\n".join(filter(None, parts))
