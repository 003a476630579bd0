"""French (fr_FR) formatting of amounts, years, dates and lists, through Babel.

Pure functions: the same value always gives the same text.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

from generator.library.models import Annees, Montant

LOCALE = "fr_FR"
NBSP = "\u00a0"  # between a figure and its unit: "99 685 € HT"
EN_DASH = "\u2013"

_TRANCHES = {"ferme": "tranche ferme", "optionnelle": "tranche optionnelle"}
_PERIMETRES = {"cabinet": "part du cabinet", "groupement": "montant du groupement"}


def format_number(value: Decimal | int) -> str:
    """99685 → '99 685', 1234.5 → '1 234,50', 1234.5678 → '1 234,5678' (narrow no-break space, as
    CLDR writes French numbers): every digit written is printed, nothing is rounded, and no
    zero gets a sign."""
    # Babel's format_decimal gives the same text (a test compares them) but parses its pattern
    # and locale on every call: a tenth of a second per thousand amounts, the slowest part of
    # listing a large library. Python writes the digits; Babel gives the locale's symbols.
    value = Decimal(value)
    if value == 0:
        value = abs(value)  # « -0 » is zero
    if value != value.to_integral_value():  # at least two decimals, no trailing zero beyond
        value = value.normalize()
        if value.as_tuple().exponent > -2:
            value = value.quantize(Decimal("0.01"))
    elif value.as_tuple().exponent < 0:
        value = value.to_integral_value()
    group, point, minus = _SYMBOLS
    text = f"{abs(value):,f}".replace(",", "\0").replace(".", point).replace("\0", group)
    return minus + text if value < 0 else text


_SYMBOLS = (get_group_symbol(LOCALE), get_decimal_symbol(LOCALE), get_minus_sign_symbol(LOCALE))


def format_euros(value: Decimal | int) -> str:
    return f"{format_number(value)}{NBSP}€"


def _notes(montant: Montant) -> list[str]:
    notes = [
        _TRANCHES.get(montant.tranche or ""),
        _PERIMETRES.get(montant.perimetre or ""),
        "maximum de l'accord-cadre" if montant.maximum else None,
        montant.libelle,
    ]
    return [n for n in notes if n]


def format_basis(montant: Montant) -> str:
    """What an amount is, for a column of its own: 'HT, tranche ferme'; '' when unknown."""
    return ", ".join(([montant.taxe] if montant.taxe else []) + _notes(montant))


def format_montant(montant: Montant) -> str:
    """'99 685 € HT', '29 340 € (tranche ferme)', '43 850 €', '20 000 à 30 000 € HT' — the basis as
    known, never assumed."""
    text = format_euros(montant.valeur)
    if montant.valeur_haute is not None:
        text = f"{format_number(montant.valeur)} à {format_euros(montant.valeur_haute)}"
    if montant.taxe:
        text += f"{NBSP}{montant.taxe}"
    notes = _notes(montant)
    return f"{text} ({', '.join(notes)})" if notes else text


def format_montants(montants: list[Montant], separator: str = " ; ") -> str:
    """Several amounts side by side, each with its basis: never summed."""
    return separator.join(format_montant(m) for m in montants)


def format_annees(annees: Annees | None) -> str:
    """'2018–2021', '2017', '2022–en cours'."""
    if annees is None:
        return ""
    if annees.en_cours:
        return f"{annees.debut}{EN_DASH}en cours"
    if annees.fin and annees.fin != annees.debut:
        return f"{annees.debut}{EN_DASH}{annees.fin}"
    return str(annees.debut)


_SPACE_BEFORE = re.compile(r"[ \u00a0\u202f]+([:;!?»])")
_SPACE_AFTER = re.compile(r"«[ \u00a0\u202f]+")
_PERIOD = re.compile(r"(\d{4})\s*[–—-]\s*(\d{4}|en cours)\b")
_TYPESET_SIGNS = re.compile("['«»:;!?\u2013\u2014-]")  # what each rule of typeset needs to act
_WORD_JOINER = "\u2060"
NNBSP = "\u202f"


def typeset(text: str) -> str:
    """French typography for printing (the YAML is never rewritten): ’ for apostrophes,
    no-break spaces where a space stands before « : ; ! ? » and inside « », periods that
    never break (« 2024–en cours » stays on one line)."""
    if not text or not _TYPESET_SIGNS.search(text):
        return text  # none of the signs the rules below act on: most texts, one search
    text = text.replace("'", "’")
    text = _SPACE_BEFORE.sub(lambda m: (NBSP if m.group(1) in ":»" else NNBSP) + m.group(1), text)
    text = _SPACE_AFTER.sub("«" + NBSP, text)
    return _PERIOD.sub(lambda m: f"{m.group(1)}{_WORD_JOINER}{EN_DASH}{_WORD_JOINER}{m.group(2).replace(' ', NBSP)}", text)


def format_long_date(day: date) -> str:
    """'15 janvier 2027', '1er mars 2027'."""
    text = format_date(day, format="d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if day.day == 1 else text


def format_names(items: list[str]) -> str:
    """'A, B et C'."""
    items = [i for i in items if i]
    return format_list(items, locale=LOCALE) if items else ""


# The words of a role that agree with the person (masculine, feminine); the others
# (« de mission », « urbaniste », « responsable ») are the same for everyone.
_ROLE_WORDS = (
    ("directeur", "directrice"), ("référent", "référente"), ("consultant", "consultante"),
    ("chef", "cheffe"), ("chargé", "chargée"), ("expert", "experte"), ("animateur", "animatrice"),
    ("coordinateur", "coordinatrice"), ("coordonnateur", "coordonnatrice"), ("associé", "associée"),
    ("ingénieur", "ingénieure"), ("assistant", "assistante"), ("adjoint", "adjointe"),
    ("principal", "principale"), ("président", "présidente"), ("gérant", "gérante"),
    ("fondateur", "fondatrice"), ("conseiller", "conseillère"), ("délégué", "déléguée"),
    ("intervenant", "intervenante"), ("enquêteur", "enquêtrice"), ("auteur", "autrice"),
)
_AGREED = {
    "Mme": {masculine: feminine for masculine, feminine in _ROLE_WORDS},
    "M.": {feminine: masculine for masculine, feminine in _ROLE_WORDS},
}
_WORD = re.compile(r"\w+")


def agree_role(role: str, civilite: str | None) -> str:
    """A role as the person signs it: « directeur de mission » for Mme → « Directrice de
    mission ». Without a civilité, the role as written (nothing is guessed)."""
    words = _AGREED.get(civilite or "", {})

    def agree(match: re.Match) -> str:
        word = match.group(0)
        agreed = words.get(word.lower(), word)
        return agreed[0].upper() + agreed[1:] if word[0].isupper() else agreed

    text = _WORD.sub(agree, " ".join(role.split()))
    return text[:1].upper() + text[1:]
