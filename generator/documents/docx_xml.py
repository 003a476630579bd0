"""The few things python-docx has no API for, as small functions over `w:` elements.

Every other module works with python-docx paragraphs, tables and styles.
"""

from __future__ import annotations

import html
import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree


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


# Successors of an element in the schema's order: Word reports a file as damaged when the
# children of tblPr, tcPr or pPr are out of order, so new children go before these.
_TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
_TBLPR_AFTER_LAYOUT = _TBLPR_AFTER_BORDERS[2:]
_TBLPR_AFTER_CELLMAR = _TBLPR_AFTER_BORDERS[3:]
_TCPR_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_TCPR_AFTER_DIRECTION = _TCPR_AFTER_SHD[3:]
_PPR_AFTER_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)


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
    shd = _child(tcPr, "w:shd", _TCPR_AFTER_SHD)
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


def vertical_text(cell) -> None:
    """Text read bottom to top, for narrow column headers."""
    tcPr = cell._tc.get_or_add_tcPr()
    _child(tcPr, "w:textDirection", _TCPR_AFTER_DIRECTION).set(qn("w:val"), "btLr")


def cell_margins(table, top: int = 40, bottom: int = 40, left: int = 80, right: int = 80) -> None:
    """Inner cell margins of a whole table, in twentieths of a point."""
    tblPr = table._tbl.tblPr
    mar = _child(tblPr, "w:tblCellMar", _TBLPR_AFTER_CELLMAR)
    for side, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        el = _child(mar, f"w:{side}")
        el.set(qn("w:w"), str(value))
        el.set(qn("w:type"), "dxa")


def fixed_layout(table) -> None:
    """Column widths as set, not stretched to the content (stable in Word and LibreOffice)."""
    tblPr = table._tbl.tblPr
    _child(tblPr, "w:tblLayout", _TBLPR_AFTER_LAYOUT).set(qn("w:type"), "fixed")


def add_field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC…) showing `placeholder` until Word or LibreOffice updates it.

    Not marked dirty: a dirty field makes Word ask « update the fields that may refer to
    other files? » on every opening, which alarms the bid team. Page numbers are laid out
    by Word anyway, and the TOC is filled at render time (`fill_toc`).
    """
    def run_with(element):
        run = OxmlElement("w:r")
        run.append(element)
        paragraph._p.append(run)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
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


def fill_toc(document) -> int:
    """Write the document's headings as the cached result of its TOC field, so the sommaire
    is never an empty placeholder; Word's F9 or LibreOffice's update adds the page numbers.

    Returns the number of entries written (0 when the document has no TOC field).
    """
    body = document.element.body
    instr = next((i for i in body.iter(qn("w:instrText")) if (i.text or "").strip().startswith("TOC")), None)
    if instr is None:
        return 0
    levels = re.search(r'\\o\s+"(\d)-(\d)"', instr.text)
    low, high = (int(levels.group(1)), int(levels.group(2))) if levels else (1, 3)
    styles = {}
    for level in range(low, high + 1):
        heading, entry = _style_id(document, f"Heading {level}"), _style_id(document, f"TOC {level}")
        if heading:
            styles[heading] = entry or ""
    first = next(instr.iterancestors(qn("w:p")), None)
    if first is None:
        return 0
    entries = []
    style_path, val, text_tag = qn("w:pPr") + "/" + qn("w:pStyle"), qn("w:val"), qn("w:t")
    # A paragraph's style is its first pPr/pStyle. Reading the pStyle elements rather than every
    # paragraph (and its text) costs a tenth as much in a long dossier; they come in the order
    # of their paragraphs.
    for style in body.iter(qn("w:pStyle")):
        if style.get(val) not in styles:
            continue
        paragraph = style.getparent().getparent()
        if paragraph is None or paragraph.tag != qn("w:p") or paragraph.find(style_path) is not style:
            continue
        text = "".join(t.text or "" for t in paragraph.iter(text_tag)).strip()
        if text:
            entries.append((styles[style.get(val)], text))
    if not entries:
        return 0
    found = _field_bounds(body, instr.getparent())
    if found is None:  # a field we do not understand is left as Word saved it
        return 0
    separate, end = found
    if first not in separate.iterancestors():
        return 0
    if first not in end.iterancestors():
        # Word saves an updated TOC over several paragraphs (one per entry, the end in the last):
        # they go, and the field is rebuilt in the first one as in the default template.
        last = next((p for p in end.iterancestors(qn("w:p"))), None)
        between = []
        for sibling in first.itersiblings():
            between.append(sibling)
            if sibling is last:
                break
        else:
            return 0
        for sibling in between:
            sibling.getparent().remove(sibling)
    for child in list(first):
        if child.tag != qn("w:pPr") and child is not separate and (
                _after(first, separate, child)):
            first.remove(child)
    paragraphs = [first] + [OxmlElement("w:p") for _ in entries[1:]]
    for previous, paragraph in zip(paragraphs, paragraphs[1:]):
        previous.addnext(paragraph)
    for paragraph, (toc_style, text) in zip(paragraphs, entries):
        pPr = _child(paragraph, "w:pPr")
        paragraph.remove(pPr)
        paragraph.insert(0, pPr)
        if toc_style:
            _child(pPr, "w:pStyle").set(qn("w:val"), toc_style)
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        run.append(t)
        paragraph.append(run)
    paragraphs[-1].append(end)
    return len(entries)


def _field_bounds(body, instr_run):
    """The « separate » and « end » runs of the field whose instruction is in `instr_run`,
    skipping the fields nested in it (an updated TOC holds a PAGEREF per entry); None if absent."""
    runs = body.iter(qn("w:r"))  # read up to the field's end only, not the whole document
    if not any(run == instr_run for run in runs):
        return None
    depth, separate = 1, None
    for run in runs:
        kind = _fld_type(run)
        if kind == "begin":
            depth += 1
        elif kind == "separate" and depth == 1 and separate is None:
            separate = run
        elif kind == "end":
            depth -= 1
            if depth == 0:
                return (separate, run) if separate is not None else None
    return None


def _after(paragraph, separate, child) -> bool:
    """Whether `child` (of the paragraph) comes after the run `separate`, or holds something that does."""
    top = separate
    while top.getparent() is not paragraph:
        top = top.getparent()
    children = list(paragraph)
    return children.index(child) > children.index(top)


def _style_id(document, name: str) -> str | None:
    try:
        return document.styles[name].style_id
    except KeyError:
        return None


def _fld_type(run) -> str | None:
    char = run.find(qn("w:fldChar"))
    return None if char is None else char.get(qn("w:fldCharType"))


def auto_hyphenation(document) -> None:
    """Hyphenate the document (French patterns): justified paragraphs without wide gaps."""
    settings = document.settings.element
    if settings.find(qn("w:autoHyphenation")) is None:
        # Schema order: autoHyphenation comes early in w:settings, after the view and zoom settings.
        element = OxmlElement("w:autoHyphenation")
        anchor = None
        for tag in ("w:zoom", "w:view", "w:writeProtection"):
            anchor = settings.find(qn(tag))
            if anchor is not None:
                break
        if anchor is not None:
            anchor.addnext(element)
        else:
            settings.insert(0, element)


def no_hyphenation(style) -> None:
    """A paragraph style whose text is never hyphenated (headers of narrow columns)."""
    pPr = style.element.get_or_add_pPr()
    if pPr.find(qn("w:suppressAutoHyphens")) is None:
        # Schema order in pPr: after keepNext, keepLines, pageBreakBefore, framePr, widowControl,
        # numPr, and before the spacing and indentation.
        pPr.insert_element_before(OxmlElement("w:suppressAutoHyphens"),
                                  "w:pBdr", "w:shd", "w:tabs", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                                  "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                                  "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                  "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
                                  "w:sectPr", "w:pPrChange")


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


def no_borders(table) -> None:
    """A table used for layout only: no lines at all."""
    tblPr = table._tbl.tblPr
    borders = _child(tblPr, "w:tblBorders", _TBLPR_AFTER_BORDERS)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        _child(borders, f"w:{side}").set(qn("w:val"), "nil")


def _rule(pPr, side: str, color: str, size: int, space: int) -> None:
    borders = _child(pPr, "w:pBdr", _PPR_AFTER_BORDERS)
    line = _child(borders, f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)


def paragraph_rule_above(paragraph, color: str, size: int = 6) -> None:
    """A thin rule above one paragraph (the candidate block of the cover)."""
    _rule(paragraph._p.get_or_add_pPr(), "top", color, size, 6)


def paragraph_border_bottom(style, color: str, size: int = 8) -> None:
    """A rule under every paragraph of a style (used for headings)."""
    _rule(style.element.get_or_add_pPr(), "bottom", color, size, 4)


# --- reading a fiche written in Word (for `dossier import`) ----------------------------------

W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
TICKED_BOX = "☒"
EMPTY_BOX = "☐"
# Check boxes typed as Wingdings symbols (Insert > Symbol), by font and character code.
_SYMBOL_BOXES = {
    ("wingdings", "F0FE"): TICKED_BOX, ("wingdings", "F0FD"): TICKED_BOX, ("wingdings", "F078"): TICKED_BOX,
    ("wingdings", "F0A8"): EMPTY_BOX, ("wingdings", "F06F"): EMPTY_BOX,
    ("wingdings 2", "F052"): TICKED_BOX, ("wingdings 2", "F054"): TICKED_BOX, ("wingdings 2", "F0A3"): EMPTY_BOX,
}
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SKIPPED = {qn("w:pPr"), qn("w:rPr"), qn("w:del"), qn("w:moveFrom"), qn("w:instrText"), qn("w:sdtPr"), qn("w:delText"),
            # drawings: their text boxes are read as blocks of their own (see `_text_boxes`)
            qn("w:drawing"), qn("w:pict"), qn("w:object"), f"{MC}AlternateContent"}


def read_blocks(document) -> list:
    """The body as plain values: ("p", text, is_bullet) and ("table", rows of cells of paragraphs).

    Text inside content controls, hyperlinks and tracked insertions is kept (python-docx's
    `paragraph.text` skips content controls); check boxes of every kind become ☒ / ☐;
    manual line breaks stay as "\\n"; a bold lead-in before plain text (« **Année** 2018 ») is
    followed by a tab, as a label.
    """
    list_styles = _list_styles(document)
    return _blocks(document.element.body, list_styles)


def footer_blocks(document) -> list:
    """The first page footer's paragraphs, as `read_blocks` gives them (work samples name their
    kind there: « Contrat de ville / Fiche orientation opérationnelle »)."""
    if not document.sections or document.sections[0].footer.is_linked_to_previous:
        return []
    return _blocks(document.sections[0].footer._element, _list_styles(document))


def _list_styles(document) -> set[str]:
    """Ids of paragraph styles that number or bullet their paragraphs (Liste à puces…)."""
    by_id = {s.style_id: s for s in document.styles if s.type == 1}
    found = set()
    for style_id, style in by_id.items():
        current, seen = style, set()
        while current is not None and current.style_id not in seen:
            seen.add(current.style_id)
            pPr = current.element.pPr
            numPr = pPr.find(qn("w:numPr")) if pPr is not None else None
            if numPr is not None:
                # numId 0 is « no numbering »: LibreOffice writes it in every heading style.
                num_id = numPr.find(qn("w:numId"))
                if num_id is None or num_id.get(qn("w:val")) != "0":
                    found.add(style_id)
                break
            if "list" in current.name.lower():
                found.add(style_id)
                break
            current = current.base_style
    return found


def _blocks(parent, list_styles: set[str]) -> list:
    out = []
    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            out.append(("p", _with_bold_lead(child, _text(child)), _is_bullet(child, list_styles)))
            for box in _text_boxes(child):
                out.extend(_blocks(box, list_styles))
        elif child.tag == qn("w:tbl"):
            out.append(("table", _rows(child, list_styles)))
        elif child.tag in (qn("w:sdt"), qn("w:customXml")):
            content = child.find(qn("w:sdtContent"))
            out.extend(_blocks(content if content is not None else child, list_styles))
    return out


def _with_bold_lead(p, text: str) -> str:
    """« **Type de mission** Stratégie »: the bold lead-in is a label, so a tab follows it."""
    lead = ""
    for run in p.iterchildren(qn("w:r")):
        bold = run.find(f"{qn('w:rPr')}/{qn('w:b')}")
        run_text = _text(run)
        if bold is None or bold.get(qn("w:val"), "true") in ("0", "false"):
            if not run_text.strip():
                continue
            break
        lead += run_text
    else:
        return text  # all bold (a heading) or no text after the bold part
    if not lead.strip() or len(lead) > 60 or not text.startswith(lead) or text[len(lead):][:1] == "\t":
        return text
    return lead + "\t" + text[len(lead):]


def _text_boxes(p) -> list:
    """The text boxes anchored in a paragraph (once each: not their VML fallback copy)."""
    def between(box):
        for ancestor in box.iterancestors():
            if ancestor is p:
                return
            yield ancestor.tag

    return [box for box in p.iter(qn("w:txbxContent"))
            if not {f"{MC}Fallback", qn("w:txbxContent")} & set(between(box))]


def _rows(tbl, list_styles: set[str]) -> list[list[list]]:
    return [[_blocks(tc, list_styles) for tc in _wrapped(tr, "w:tc")] for tr in _wrapped(tbl, "w:tr")]


def _wrapped(parent, tag: str):
    """Direct `tag` children of `parent`, also those wrapped in content controls."""
    for child in parent.iterchildren():
        if child.tag == qn(tag):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
            yield from _wrapped(child, tag)


def _is_bullet(p, list_styles: set[str]) -> bool:
    pPr = p.find(qn("w:pPr"))
    if pPr is None:
        return False
    numPr = pPr.find(qn("w:numPr"))
    if numPr is not None:
        num_id = numPr.find(qn("w:numId"))
        return num_id is None or num_id.get(qn("w:val")) != "0"
    style = pPr.find(qn("w:pStyle"))
    return style is not None and style.get(qn("w:val")) in list_styles


def _text(element) -> str:
    parts = []
    for child in element.iterchildren():
        tag = child.tag
        if tag in _SKIPPED:
            continue
        if tag == qn("w:t"):
            parts.append(child.text or "")
        elif tag == qn("w:r") and _symbol_font(child):
            # « þ » typed in Wingdings shows a ticked box: read the glyph, not the letter.
            font = _symbol_font(child)
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            parts.append("".join(_SYMBOL_BOXES.get((font, f"F0{ord(c) & 0xFF:02X}"), "") for c in text))
        elif tag in (qn("w:tab"), qn("w:ptab")):
            parts.append("\t")
        elif tag in (qn("w:br"), qn("w:cr")):
            parts.append("\n")
        elif tag == qn("w:noBreakHyphen"):
            parts.append("-")
        elif tag == qn("w:sym"):
            key = ((child.get(qn("w:font")) or "").lower(), (child.get(qn("w:char")) or "").upper())
            parts.append(_SYMBOL_BOXES.get(key, ""))
        elif tag == qn("w:fldChar"):
            parts.append(_form_checkbox(child))
        elif tag == qn("w:sdt"):
            box = child.find(f"{qn('w:sdtPr')}/{W14}checkbox")
            if box is not None:
                checked = box.find(f"{W14}checked")
                ticked = checked is not None and checked.get(f"{W14}val", "1") in ("1", "true")
                parts.append(TICKED_BOX if ticked else EMPTY_BOX)
            else:
                parts.append(_text(child))
        else:
            parts.append(_text(child))
    return "".join(parts)


def _symbol_font(run) -> str:
    fonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    name = "" if fonts is None else (fonts.get(qn("w:ascii")) or fonts.get(qn("w:hAnsi")) or "").lower()
    return name if name.startswith("wingdings") else ""


def _form_checkbox(fld_char) -> str:
    """A legacy FORMCHECKBOX field: ticked when `w:checked` (or else its default) says so."""
    box = fld_char.find(f"{qn('w:ffData')}/{qn('w:checkBox')}")
    if box is None:
        return ""
    state = box.find(qn("w:checked"))
    if state is None:
        state = box.find(qn("w:default"))
    ticked = state is not None and state.get(qn("w:val"), "1") in ("1", "true", "on")
    return TICKED_BOX if ticked else EMPTY_BOX


def paragraph_texts(xml: str) -> list[str]:
    """The text of each paragraph of a part's XML, markup removed and entities decoded.

    Works on the XML string docxtpl renders, so a Jinja tag that Word split over
    several runs reads back whole, as the person editing the template sees it.
    """
    chunks = re.split(r"<w:p[ >]", xml)[1:]
    return [html.unescape(re.sub(r"<[^>]+>", "", chunk)) for chunk in chunks]


def element_text(element) -> str:
    """The text of every paragraph under `element` (a body, header…), tables included, one
    paragraph a line: its w:t texts, a space for each tab and line break.

    An XSLT transform (run by libxml2) rather than a Python loop over every paragraph and run:
    a third of the check of a long document's text."""
    return str(_PARAGRAPH_TEXTS(element))


_PARAGRAPH_TEXTS = etree.XSLT(etree.XML("""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
  <xsl:output method="text" encoding="utf-8"/>
  <xsl:template match="/">
    <xsl:for-each select="//w:p">
      <xsl:if test="position() != 1"><xsl:text>&#10;</xsl:text></xsl:if>
      <xsl:for-each select=".//w:t | .//w:tab | .//w:br | .//w:cr">
        <xsl:choose>
          <xsl:when test="self::w:t"><xsl:value-of select="text()"/></xsl:when>
          <xsl:otherwise><xsl:text> </xsl:text></xsl:otherwise>
        </xsl:choose>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>"""))


class _Members:
    """A stand-in for python-docx's zip writer that keeps each member's bytes."""

    def __init__(self):
        self.members: dict[str, bytes] = {}

    def write(self, pack_uri, blob: bytes) -> None:
        self.members[pack_uri.membername] = blob


def package_members(document) -> dict[str, bytes]:
    """The members of the package python-docx would save for `document` (name: bytes), without
    compressing them: output.package_bytes zips them once, in its stable order (saving, then
    normalising, compressed the whole document twice)."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    writer = _Members()
    # The three steps of PackageWriter.write, into `writer` instead of a zip file.
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    return writer.members
