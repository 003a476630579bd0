"""Amounts are money: exact decimals end to end, printed with every digit written, never a
float, a sign never dropped, a range kept as a range, the implausible refused or flagged."""

from __future__ import annotations

import io
import os
import re
from decimal import Decimal

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pydantic import ValidationError

from conftest import docx_text
from generator.importing.importer import parse_montants, _montants
from generator.library.formatting import format_montant
from generator.library.models import Montant

from .test_corpus import DATE, _write

MISSION = """titre: Mission témoin
maitre_ouvrage: Ville témoin
annees: 2025
montant:
  - valeur: {valeur}
    taxe: HT
"""


def _read_back(text: str) -> Decimal:
    """The figure a reader sees in « 99 999,995 € HT »."""
    figure = re.match(r"[-\d\s\u00a0\u202f,]+", text).group(0)
    return Decimal(re.sub(r"[\s\u00a0\u202f]", "", figure).replace(",", "."))


@pytest.mark.parametrize("written, printed", [
    ('"99 999,995"', "99\u202f999,995\u00a0€\u00a0HT"),
    ("1234.5678", "1\u202f234,5678\u00a0€\u00a0HT"),
    ("0.004", "0,004\u00a0€\u00a0HT"),
    ("12.5", "12,50\u00a0€\u00a0HT"),
    ('"35 000"', "35\u202f000\u00a0€\u00a0HT"),
    ("99999999999.99", "99\u202f999\u202f999\u202f999,99\u00a0€\u00a0HT"),
])
def test_an_amount_prints_exactly_as_written_in_every_document(project, run, written, printed):
    _write(project, "references/missions/zz.yaml", MISSION.format(valeur=written))
    target = project / "out.docx"
    result = run("build", "--date", DATE, "--id", "zz", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert printed in docx_text(target)
    assert run("table", "--date", DATE, "--id", "zz", "--format", "csv", "-o", "t.csv").exit_code == 0
    header, row = (line.split(";") for line in (project / "t.csv").read_text(encoding="utf-8-sig").splitlines()[:2])
    figure = row[header.index("Montant (€)")]
    assert Decimal(figure.replace(",", ".")) == _read_back(printed)


@pytest.mark.parametrize("written, said", [
    ('"-0"', "montant négatif"),
    ("-5000", "montant négatif"),
    ('"- 5 000"', "montant négatif"),
    ("12345678901234567890", "montant invraisemblable"),
    ("1e6", "nombre attendu"),
    ("NaN", "nombre attendu"),
    ('"1 000,5,5"', "nombre attendu"),
])
def test_an_amount_that_is_not_money_is_refused(project, run, written, said):
    _write(project, "references/missions/zz.yaml", MISSION.format(valeur=written))
    result = run("check", "--date", DATE)
    assert result.exit_code == 2, result.output
    assert re.search(rf"zz\.yaml:5: champ 'montant\[1\]\.valeur' : .*{said}", result.output), result.output


def test_more_than_two_decimals_is_flagged(project, run):
    _write(project, "references/missions/zz.yaml", MISSION.format(valeur="0.004"))
    result = run("check", "--date", DATE)
    assert "zz.yaml:5: avertissement : champ 'montant' : montant 0.004 avec plus de deux décimales" in result.output


@pytest.mark.parametrize("text, expected, warned", [
    ("20 000 à 30 000 € HT", [("20000", "30000", "HT")], None),
    ("de 20 à 30 k€ TTC", [("20000", "30000", "TTC")], None),
    ("entre 12 500 et 15 000 € HT", [("12500", "15000", "HT")], None),
    ("20 000 € - 30 000 € HT", [("20000", "30000", "HT")], None),
    ("-5 000 € HT", [], "montant négatif"),
    ("Montant : − 12 000 € TTC", [], "montant négatif"),
    ("12345678901234567890 € HT", [], "montant invraisemblable"),
    ("99 999,995 € HT", [("99999.995", None, "HT")], None),
    ("1,5 M€ HT", [("1500000", None, "HT")], None),
    ("2018-2021 : 45 000 € HT", [("45000", None, "HT")], None),
])
def test_import_keeps_ranges_signs_and_precision(text, expected, warned):
    warnings, kept = [], []
    amounts = _montants(text, "Montant", None, [], warnings, kept) or []
    got = [(str(a["valeur"]), None if "valeur_haute" not in a else str(a["valeur_haute"]), a.get("taxe")) for a in amounts]
    assert got == expected
    assert not any(isinstance(a["valeur"], float) for a in amounts)
    if warned:
        assert any(warned in w for w in warnings), warnings
        assert kept == [f"Montant : {text}"]  # the text stays in the notes, nothing lost


def test_a_range_prints_as_a_range(project, run):
    _write(project, "references/missions/zz.yaml",
           "titre: Mission témoin\nmaitre_ouvrage: Ville témoin\nannees: 2025\n"
           "montant:\n  - valeur: 20000\n    valeur_haute: 30000\n    taxe: HT\n")
    target = project / "out.docx"
    assert run("build", "--date", DATE, "--id", "zz", "-o", str(target)).exit_code == 0
    assert "20\u202f000 à 30\u202f000\u00a0€\u00a0HT" in docx_text(target)


def test_import_writes_the_exact_decimal(project, run):
    fiche = project / "fiche.txt"
    fiche.write_text("Intitulé de la mission : Étude témoin\nMaître d'ouvrage : Ville témoin\n"
                     "Années : 2024\nMontant : 1 234,5678 € HT\n", encoding="utf-8")
    result = run("import", str(fiche))
    assert result.exit_code == 0, result.output
    written = next((project / "references" / "missions").glob("2024-etude-temoin*.yaml")).read_text()
    assert "valeur: 1234.5678" in written


# --- any decimal a person writes: printed exactly, or refused --------------------------------

_SEPARATOR = st.sampled_from(["", " ", "\u00a0", "\u202f"])


@st.composite
def written_amounts(draw) -> str:
    sign = draw(st.sampled_from(["", "", "-", "+"]))
    groups = draw(st.lists(st.text("0123456789", min_size=3, max_size=3), max_size=6))
    head = draw(st.text("0123456789", min_size=1, max_size=3))
    separator = draw(_SEPARATOR)
    decimals = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=8)))
    comma = draw(st.sampled_from([",", "."]))
    euro = draw(st.sampled_from(["", " €", "€"]))
    return sign + separator.join([head, *groups]) + (comma + decimals if decimals else "") + euro


@settings(max_examples=int(os.environ.get("DOSSIER_EXAMPLES", 300)), deadline=None)
@given(written_amounts())
def test_any_written_amount_prints_exactly_or_is_refused(text):
    try:
        montant = Montant.model_validate({"valeur": text})
    except ValidationError:
        return
    written = Decimal(re.sub(r"[\s\u00a0\u202f€]", "", text).replace(",", "."))
    printed = format_montant(montant)
    assert _read_back(printed) == written
    assert "-" not in printed
    decimals = re.search(r",(\d+)", printed)
    shown = len(decimals.group(1)) if decimals else 0
    assert shown <= max(2, -written.as_tuple().exponent)  # never more precision than written (cents aside)


def _babel_number(value: Decimal) -> str:
    """Babel's own French formatting, as format_number wrote amounts before it wrote them itself."""
    from babel.numbers import format_decimal

    value = abs(value) if value == 0 else value
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    return format_decimal(value, format=pattern, locale="fr_FR", decimal_quantization=False)


@settings(max_examples=int(os.environ.get("DOSSIER_EXAMPLES", 300)), deadline=None)
@given(st.decimals(min_value=-10**13, max_value=10**13, places=None, allow_nan=False, allow_infinity=False)
       | st.integers(-10**13, 10**13).flatmap(lambda n: st.integers(-8, 6).map(lambda e: Decimal(n).scaleb(e))))
def test_every_amount_is_written_as_babel_writes_it_in_french(value):
    from generator.library.formatting import format_number

    assert format_number(value) == _babel_number(value)


@pytest.mark.parametrize("value, printed", [
    ("99685", "99\u202f685"), ("1234.5", "1\u202f234,50"), ("1234.5670", "1\u202f234,567"),
    ("-0", "0"), ("0.00", "0"), ("1E+3", "1\u202f000"), ("-1234.5", "-1\u202f234,50"), ("0.001", "0,001"),
])
def test_format_number_in_french(value, printed):
    from generator.library.formatting import format_number

    assert format_number(Decimal(value)) == printed
