"""The tableau des références as XLSX and CSV, read back as a buyer's spreadsheet would."""

from __future__ import annotations

import csv
import io

import openpyxl
from docx import Document

DATE = "2026-11-24"


def _sheet(path):
    book = openpyxl.load_workbook(path)
    return book, book.active


def test_xlsx_has_numbers_with_euro_format_and_basis_beside_them(project, run):
    result = run("table", "--format", "xlsx", "--date", DATE)
    assert result.exit_code == 0, result.output
    book, sheet = _sheet(project / "outputs" / "tableau-references.xlsx")
    header = [c.value for c in sheet[1]]
    assert header == ["N°", "Objet de la mission", "Destinataire", "Public ou privé", "Période", "Montant (€)",
                      "Base du montant", "Rôle du cabinet", "Attestation de bonne exécution"]
    rows = {r[2]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"ANRU", "Est Ensemble", "Ville de Neuilly-sur-Marne", "CA d’Hénin Carvin (CAHC)"}
    est = rows["Est Ensemble"]
    assert est[4:7] == ("2018\u2060–\u20602021", 99685, "HT")
    assert rows["Ville de Neuilly-sur-Marne"][5:7] == (29340, "tranche ferme")
    # a single year stays a single year, never an end year
    assert rows["ANRU"][4] == "2021"
    # an amount whose basis the fiche does not give says so, never an assumed HT
    assert rows["ANRU"][5] == 43850 and rows["ANRU"][6] == "base HT ou TTC à compléter"
    # a mission without amount: « à compléter », never a blank or zero
    assert rows["CA d’Hénin Carvin (CAHC)"][5] == "à compléter"
    assert all(value not in (None, "") for row in rows.values() for value in row)
    amount = next(c for c in sheet["F"][1:] if c.value == 99685)
    assert amount.data_type == "n"
    assert "€" in amount.number_format and "#,##0" in amount.number_format
    assert isinstance(sheet["A2"].value, int)


def test_xlsx_header_is_styled_frozen_filtered_and_properties_set(project, run):
    run("table", "--format", "xlsx", "--type", "strategie", "--date", DATE, "--appel", "AMO NPNRU")
    book, sheet = _sheet(project / "outputs" / "tableau-references.xlsx")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:") and sheet.auto_filter.ref.endswith("3")
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width
    assert book.properties.creator == "Perspectives Urbaines et Sociales"
    assert book.properties.subject == "AMO NPNRU"
    # fixed from --date, not the clock: the same inputs give the same bytes
    assert book.properties.created.date().isoformat() == DATE
    assert book.properties.modified.date().isoformat() == DATE
    # printed like the Word table: A4 landscape, one page wide, header on every page, numbered
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.oddFooter.right.text == "page &P / &N"


def test_several_amounts_get_several_columns_and_are_never_summed(project, run):
    (project / "references" / "missions" / "2024-deux-tranches.yaml").write_text(
        "titre: Deux tranches\nmaitre_ouvrage: Ville de Bondy\ntype: Stratégie\nannees: 2024 - en cours\n"
        "montant:\n  - valeur: 20000\n    taxe: HT\n    tranche: ferme\n  - valeur: 5000,50\n    taxe: HT\n    tranche: TO\n",
        encoding="utf-8",
    )
    run("table", "--format", "xlsx", "--id", "2024-deux-tranches", "--date", DATE)
    _, sheet = _sheet(project / "outputs" / "tableau-references.xlsx")
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, next(sheet.iter_rows(min_row=2, values_only=True))))
    assert row["Période"] == "2024\u2060–\u2060en\u00a0cours"
    assert row["Montant 1 (€)"] == 20000 and row["Base du montant 1"] == "HT, tranche ferme"
    assert float(row["Montant 2 (€)"]) == 5000.5 and row["Base du montant 2"] == "HT, tranche optionnelle"
    assert 25000.5 not in row.values()


def test_csv_is_utf8_with_bom_and_semicolons_for_french_excel(project, run):
    result = run("table", "--format", "csv", "--date", DATE)
    assert result.exit_code == 0, result.output
    raw = (project / "outputs" / "tableau-references.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["N°", "Objet de la mission", "Destinataire", "Public ou privé"]
    est = next(r for r in rows if r[2] == "Est Ensemble")
    assert est[5:7] == ["99685", "HT"]
    assert all(len(r) == len(rows[0]) for r in rows)


def test_the_three_formats_hold_the_same_references_in_the_same_order(project, run):
    for fmt in ("docx", "xlsx", "csv"):
        assert run("table", "--format", fmt, "--date", DATE).exit_code == 0
    out = project / "outputs"
    table = Document(str(out / "tableau-references.docx")).tables[0]
    docx_clients = [r.cells[2].text for r in table.rows[1:]]
    _, sheet = _sheet(out / "tableau-references.xlsx")
    xlsx_clients = [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)]
    csv_rows = list(csv.reader(io.StringIO((out / "tableau-references.csv").read_text("utf-8-sig")), delimiter=";"))
    assert docx_clients == xlsx_clients == [r[2] for r in csv_rows[1:]]
    # one definition of the columns: the spreadsheet splits the amount into value and basis, nothing else
    docx_headers = [c.text for c in table.rows[0].cells]
    assert [h for h in csv_rows[0] if not h.startswith(("Montant", "Base du montant"))] == \
        [h for h in docx_headers if h != "Montant et base"]


def test_two_runs_give_identical_xlsx_and_docx_bytes(project, run):
    for name in ("a", "b"):
        run("table", "--format", "xlsx", "--date", DATE, "-o", f"{name}.xlsx")
        run("table", "--date", DATE, "-o", f"{name}.docx")
        run("fiches", "--single", "--date", DATE, "-o", f"{name}-fiches.docx")
    assert (project / "a.xlsx").read_bytes() == (project / "b.xlsx").read_bytes()
    assert (project / "a.docx").read_bytes() == (project / "b.docx").read_bytes()
    assert (project / "a-fiches.docx").read_bytes() == (project / "b-fiches.docx").read_bytes()


def test_public_client_and_contact_reach_the_docx_table_and_the_spreadsheet(project, run):
    (project / "references" / "missions" / "2025-controlable.yaml").write_text(
        "titre: Mission contrôlable\nmaitre_ouvrage: Ville de Bondy\nnature_client: public\ntype: Stratégie\n"
        "annees: 2025\ncontact:\n  nom: Jeanne Martin\n  telephone: 01 23 45 67 89\n", encoding="utf-8")
    # the contact column is there when the bid file says the RC asks for it
    (project / "appel.yaml").write_text("titre: AMO\ncolonnes_tableau: [contact]\ninclure: [2025-controlable]\n"
                                        "fenetre_annees:\n", encoding="utf-8")
    assert run("table", "--id", "2025-controlable", "--bid", "appel.yaml").exit_code == 0
    table = Document(str(project / "outputs" / "tableau-references.docx")).tables[0]
    row = dict(zip([c.text for c in table.rows[0].cells], [c.text for c in table.rows[1].cells]))
    assert row["Destinataire"] == "Ville de Bondy" and row["Public ou privé"] == "public"
    assert row["Contact chez le client"] == "Jeanne Martin, 01\u00a023\u00a045\u00a067\u00a089" or \
        row["Contact chez le client"] == "Jeanne Martin, 01 23 45 67 89"
    assert run("table", "--id", "2025-controlable", "--format", "xlsx", "--bid", "appel.yaml").exit_code == 0
    _, sheet = _sheet(project / "outputs" / "tableau-references.xlsx")
    row = dict(zip([c.value for c in sheet[1]], next(sheet.iter_rows(min_row=2, values_only=True))))
    assert row["Public ou privé"] == "public" and row["Contact chez le client"] == "Jeanne Martin, 01 23 45 67 89"
    # without the bid's request, no contact column
    assert run("table", "--id", "2025-controlable").exit_code == 0
    headers = [c.text for c in Document(str(project / "outputs" / "tableau-references.docx")).tables[0].rows[0].cells]
    assert "Contact chez le client" not in headers
