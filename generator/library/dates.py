"""Dates as users write them: one parser for the command line, the bid file and any caller."""

from __future__ import annotations

from datetime import date, datetime

from generator.errors import UsageError

FORMATS_HINT = "écrivez 2027-01-15 ou 15/01/2027"


def parse_date(value: str) -> date | None:
    """'2027-01-15' or '15/01/2027' → date; None when it is neither."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def date_option(value: str | None) -> date | None:
    """A date given as an option (None when absent); a UsageError in French when unreadable."""
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise UsageError(f"date non reconnue « {value} » ; {FORMATS_HINT}")
    return parsed


def as_date(value):
    """A YAML field's date, for a pydantic validator: text parsed, a date kept, else ValueError in French."""
    if isinstance(value, str):
        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(f"date non reconnue « {value} » ; {FORMATS_HINT}")
        return parsed
    return value
