"""The tableau des références as a spreadsheet: XLSX (openpyxl) and CSV for French Excel.

Amounts are numbers a buyer's spreadsheet can filter and sort, each next to its basis
(HT/TTC, tranche…); a reference with several amounts gets several amount columns,
so no figure is ever added to another. An amount shows every decimal it was written with.

Texts come from the library, from imported fiches, from partners: a title beginning with
« = », « + », « - » or « @ » is a text, never a formula. In the XLSX it is stored as a text
cell (it reads exactly as written); in the CSV it gets the usual apostrophe in front, which
Excel and LibreOffice take as « this is text ».
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from generator.library.formatting import format_basis, format_montant
from generator.output import normalize_docx
from generator.documents.context import TableRow, table_columns

EURO_FORMAT = '#,##0 "€";-#,##0 "€"'
EURO_CENTS_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'
HEADER_FILL = "1F3864"

MISSING = "à compléter"


def _text(key: str):
    return lambda r: getattr(r, key) or MISSING


def _amount_columns(rows: list[TableRow]):
    count = max((len(r.montants) for r in rows), default=0) or 1
    columns = []
    for i in range(count):
        suffix = f" {i + 1}" if count > 1 else ""

        def value(r, i=i):
            if i < len(r.montants):
                return r.montants[i].valeur
            return MISSING if i == 0 else None

        def basis(r, i=i):
            if i < len(r.montants):
                return _basis(r.montants[i]) or "base HT ou TTC à compléter"
            return MISSING if i == 0 else ""

        columns.append((f"Montant{suffix} (€)", 13, value))
        columns.append((f"Base du montant{suffix}", 24, basis))
    return columns


def _basis(montant) -> str:
    """The basis, and for a range its two ends (the amount cell holds the low one, to sort by)."""
    basis = format_basis(montant)
    if montant.valeur_haute is None:
        return basis
    span = f"fourchette {format_montant(montant.model_copy(update={'taxe': None, 'tranche': None, 'perimetre': None, 'maximum': False, 'libelle': None}))}"
    return f"{span}, {basis}" if basis else span


def columns(rows: list[TableRow], optional: list[str] | tuple[str, ...] = ()):
    """The columns of the Word table (context.REFERENCE_COLUMNS), the amount split into
    a number and its basis so that a spreadsheet can sort and sum by basis."""
    out = []
    for column in table_columns(optional):
        if column.key == "montant":
            out += _amount_columns(rows)
        elif column.key == "numero":
            out.append((column.header, column.chars, lambda r: r.numero))
        else:
            out.append((column.header, column.chars, _text(column.key)))
    return out


def _is_amount(header: str) -> bool:
    return header.startswith("Montant")


def xlsx_bytes(rows: list[TableRow], *, title: str, author: str, subject: str, document_date: date,
               optional: list[str] | tuple[str, ...] = ()) -> bytes:
    """A workbook with a styled, frozen, filterable header; the same rows give the same bytes."""
    book = Workbook()
    # Named styles: one style record shared by every cell, where a style set cell by cell
    # is compared against all the others (seconds at 10,000 rows).
    top = Alignment(wrap_text=True, vertical="top")
    for name, number_format in (("Texte", "@"), ("Euros", EURO_FORMAT), ("Euros et centimes", EURO_CENTS_FORMAT)):
        book.add_named_style(NamedStyle(name=name, alignment=top, number_format=number_format))
    styles = {"Texte", "Euros", "Euros et centimes"}
    sheet = book.active
    sheet.title = "Références"
    cols = columns(rows, optional)
    sheet.append([header for header, _, _ in cols])
    for row in rows:
        sheet.append([_cell_value(value(row)) for _, _, value in cols])

    thin = Side(style="thin", color="BFBFBF")
    for index, (header, width, _) in enumerate(cols, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True, color="FFFFFF")
        head.fill = PatternFill("solid", fgColor=HEADER_FILL)
        head.alignment = Alignment(wrap_text=True, vertical="center")
        head.border = Border(bottom=thin)
        for cell in sheet[letter][1:]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # « =HYPERLINK(…) » in a title is text, never a formula
            if _is_amount(header) and isinstance(cell.value, (int, Decimal)):
                style = _amount_style(cell.value)
                if style not in styles:
                    places = -cell.value.as_tuple().exponent
                    number_format = f'#,##0.{"0" * places} "€";-#,##0.{"0" * places} "€"'
                    book.add_named_style(NamedStyle(name=style, alignment=top, number_format=number_format))
                    styles.add(style)
                cell.style = style
            else:
                cell.style = "Texte"
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(rows) + 1, 2)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    # Printed, as the Word table: the title on the left, page numbers on the right.
    sheet.oddFooter.left.text = title
    sheet.oddFooter.right.text = "page &P / &N"

    stamp = datetime.combine(document_date, time())
    props = book.properties
    props.title, props.creator, props.subject = title, author, subject
    props.lastModifiedBy = ""
    props.category = "Dossier de candidature"  # how a later run recognises its own output (output.py)
    props.created = props.modified = stamp
    buffer = io.BytesIO()
    # ExcelWriter rather than Workbook.save: save() stamps the current time as "modified".
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return normalize_docx(buffer.getvalue())


def _amount_style(value: int | Decimal) -> str:
    """Whole euros, cents, or as many decimals as written: the cell shows the figure exactly."""
    if isinstance(value, int):
        return "Euros"
    places = -value.as_tuple().exponent
    return "Euros et centimes" if places <= 2 else f"Euros, {places} décimales"


def _cell_value(value):
    # Whole euros stay integers so the cell shows no spurious decimals.
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, Decimal) and len(value.as_tuple().digits) > 15:
        return format(value, "f")  # beyond a spreadsheet number's 15 digits: kept exact as text
    return value


# What a spreadsheet reads as the start of a formula (OWASP's list, with the full-width forms).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def _csv_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(rows: list[TableRow], optional: list[str] | tuple[str, ...] = ()) -> bytes:
    """UTF-8 with a BOM and « ; » separators, decimal commas: what Excel in French opens as is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    cols = columns(rows, optional)
    writer.writerow([header for header, _, _ in cols])
    for row in rows:
        writer.writerow([_csv_value(value(row)) for _, _, value in cols])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return _csv_text(str(value))
