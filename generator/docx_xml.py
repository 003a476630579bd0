"""The few things python-docx has no API for, as small functions over `w:` elements.

Every other module works with python-docx paragraphs, tables and styles.
"""

from __future__ import annotations

import html
import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def _child(parent, tag: str, before: tuple[str, ...] = ()):
    """The first `tag` child of `parent`, created (in schema order) when missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        if before:
            parent.insert_element_before(found, *before)
        else:
            parent.append(found)
    return found


def repeat_header_row(row) -> None:
    """The row is repeated at the top of every page the table runs onto."""
    trPr = row._tr.get_or_add_trPr()
    _child(trPr, "w:tblHeader").set(qn("w:val"), "true")


def keep_row_together(row) -> None:
    """A row is never split across two pages."""
    trPr = row._tr.get_or_add_trPr()
    _child(trPr, "w:cantSplit").set(qn("w:val"), "true")


def shade_cell(cell, fill: str) -> None:
    tcPr = cell._tc.get_or_add_tcPr()
    shd = _child(tcPr, "w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


def vertical_text(cell) -> None:
    """Text read bottom to top, for narrow column headers."""
    tcPr = cell._tc.get_or_add_tcPr()
    _child(tcPr, "w:textDirection").set(qn("w:val"), "btLr")


def cell_margins(table, top: int = 40, bottom: int = 40, left: int = 80, right: int = 80) -> None:
    """Inner cell margins of a whole table, in twentieths of a point."""
    tblPr = table._tbl.tblPr
    mar = _child(tblPr, "w:tblCellMar")
    for side, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        el = _child(mar, f"w:{side}")
        el.set(qn("w:w"), str(value))
        el.set(qn("w:type"), "dxa")


def fixed_layout(table) -> None:
    """Column widths as set, not stretched to the content (stable in Word and LibreOffice)."""
    tblPr = table._tbl.tblPr
    _child(tblPr, "w:tblLayout").set(qn("w:type"), "fixed")


def add_field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC…) whose result Word computes on opening."""
    def run_with(element):
        run = OxmlElement("w:r")
        run.append(element)
        paragraph._p.append(run)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    text = OxmlElement("w:t")
    text.set(qn("xml:space"), "preserve")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def update_fields_on_open(document) -> None:
    """Ask Word to refresh the table of contents and page numbers when the file opens."""
    settings = document.settings.element
    _child(settings, "w:updateFields").set(qn("w:val"), "true")


def set_language(document, lang: str = "fr-FR") -> None:
    """Proofing language of the whole document (spell-check in French)."""
    styles = document.styles.element
    rpr_default = styles.find(qn("w:docDefaults"))
    if rpr_default is None:
        return
    rPr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rPr is None:
        return
    _child(rPr, "w:lang").set(qn("w:val"), lang)


def style_font(style, name: str) -> None:
    """A font for every script (python-docx sets only the Latin one)."""
    style.font.name = name
    rPr = style.element.get_or_add_rPr()
    fonts = _child(rPr, "w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)


def paragraph_border_bottom(style, color: str, size: int = 8) -> None:
    """A rule under every paragraph of a style (used for headings)."""
    pPr = style.element.get_or_add_pPr()
    borders = _child(pPr, "w:pBdr")
    bottom = _child(borders, "w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size))
    bottom.set(qn("w:space"), "4")
    bottom.set(qn("w:color"), color)


def paragraph_texts(xml: str) -> list[str]:
    """The text of each paragraph of a part's XML, markup removed and entities decoded.

    Works on the XML string docxtpl renders, so a Jinja tag that Word split over
    several runs reads back whole, as the person editing the template sees it.
    """
    chunks = re.split(r"<w:p[ >]", xml)[1:]
    return [html.unescape(re.sub(r"<[^>]+>", "", chunk)) for chunk in chunks]


def element_paragraph_texts(element) -> list[str]:
    """The text of every paragraph under a python-docx element (body, header…), tables included."""
    spaces = {qn("w:tab"), qn("w:br"), qn("w:cr")}
    text_tag = qn("w:t")
    return [
        "".join(node.text or "" if node.tag == text_tag else " " for node in p.iter(text_tag, *spaces))
        for p in element.iter(qn("w:p"))
    ]
