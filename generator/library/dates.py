"""Dates as users write them: one parser for the command line, the bid file and any caller."""

from __future__ import annotations

import re
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


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def date_problem(value: str) -> str:
    """Why a text is not a date, in French: an impossible day says which, the rest the two forms."""
    numbers = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", value) or re.fullmatch(
        r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", value)
    if numbers:
        first, month, last = (int(n) for n in numbers.groups())
        year, day = (first, last) if len(numbers.group(1)) == 4 else (last, first)
        if not 1 <= month <= 12:
            return f"date impossible « {value.strip()} » : il n'y a pas de mois {month} ; {FORMATS_HINT}"
        if day < 1 or day > 31 or parse_date(value) is None:
            leap = f" ({year} n'est pas bissextile)" if month == 2 and day == 29 else ""
            return f"date impossible « {value.strip()} » : le {day} {_MONTHS[month - 1]} n'existe pas{leap}"
    return f"date non reconnue « {value} » ; {FORMATS_HINT}"


def date_option(value: str | None) -> date | None:
    """A date given as an option (None when absent); a UsageError in French when unreadable."""
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise UsageError(date_problem(value))
    return parsed


def as_date(value):
    """A YAML field's date, for a pydantic validator: text parsed, a date kept, else ValueError in French."""
    if isinstance(value, str):
        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(date_problem(value))
        return parsed
    return value
