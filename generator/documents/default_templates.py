"""The default Word templates, built with python-docx so that a change is reviewable.

`python -m generator.documents.default_templates [DIR]` writes them to `templates/`. They hold
docxtpl (Jinja) tags; a firm can open them in Word, restyle them, and keep them in its
own `templates/` folder. The variables they use are documented in `context.py`.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from generator.documents import docx_xml
from generator.documents.context import OPTIONAL_COLUMNS, table_columns
from generator.library.formatting import typeset
from generator.library.vocabulary import COMPOSANTES

FONT = "Arial"
NAVY = "1F3864"
BLUE = "2E5597"
LIGHT = "DCE4F2"
GREY = RGBColor(0x59, 0x59, 0x59)
FIXED_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)

TEMPLATE_NAMES = ("dossier", "tableau", "fiches", "cv", "dc1", "dc2", "dc4")


# --- page set-up and styles ---------------------------------------------------------------

def new_document(title: str, landscape: bool = False, tender_footer: bool = True):
    doc = Document()
    section = doc.sections[0]
    width, height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    section.top_margin, section.bottom_margin = Cm(2), Cm(1.8)
    _styles(doc)
    _footer(section, tender_footer)
    doc.dossier_title = title  # core properties are written with the package (output.core_xml)
    docx_xml.set_language(doc)
    docx_xml.auto_hyphenation(doc)
    return doc


def _styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    docx_xml.style_font(normal, FONT)
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1
    normal.paragraph_format.widow_control = True
    for name, size, color, before, after in (
        ("Title", 26, NAVY, 0, 12),
        ("Subtitle", 14, BLUE, 0, 6),
        ("Heading 1", 16, NAVY, 18, 8),
        ("Heading 2", 13, BLUE, 12, 6),
        ("Heading 3", 11, NAVY, 10, 3),
    ):
        style = styles[name]
        docx_xml.style_font(style, FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor.from_string(color)
        style.font.bold = name != "Subtitle"
        style.font.italic = False
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.keep_with_next = True
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3"):
        docx_xml.no_hyphenation(styles[name])  # titles are never hyphenated
    docx_xml.paragraph_border_bottom(styles["Heading 1"], NAVY)
    docx_xml.paragraph_border_bottom(styles["Title"], NAVY, size=12)
    styles["List Bullet"].paragraph_format.space_after = Pt(2)
    for level, indent in ((1, 0), (2, 0.6)):
        toc = styles.add_style(f"TOC {level}", 1)
        toc.base_style = normal
        toc.paragraph_format.left_indent = Cm(indent)
        toc.paragraph_format.space_after = Pt(2)
    label = styles.add_style("Libellé", 1)
    label.base_style = normal
    label.font.bold = True
    label.font.color.rgb = RGBColor.from_string(NAVY)
    small = styles.add_style("Petit", 1)
    small.base_style = normal
    small.font.size = Pt(8.5)
    small.font.color.rgb = GREY
    docx_xml.no_hyphenation(small)  # notes under a value, often in a narrow cell
    missing = styles.add_style("À compléter", 2)
    missing.font.italic = True
    missing.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    header = styles.add_style("En-tête de tableau", 1)
    header.base_style = normal
    header.font.bold = True
    header.font.size = Pt(9)
    header.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    header.paragraph_format.space_after = Pt(0)
    docx_xml.no_hyphenation(header)
    cell = styles.add_style("Cellule", 1)
    cell.base_style = normal
    cell.font.size = Pt(9)
    cell.paragraph_format.space_after = Pt(1)
    docx_xml.no_hyphenation(cell)  # narrow columns: « à com-pléter » reads badly; words wrap whole
    for name, size, bold, color in (
        ("Page de garde — cabinet", 22, True, "FFFFFF"),
        ("Page de garde — sigle", 11, False, "DCE4F2"),
        ("Page de garde — valeur", 13, True, NAVY),
    ):
        cover_style = styles.add_style(name, 1)
        cover_style.base_style = normal
        cover_style.font.size = Pt(size)
        cover_style.font.bold = bold
        cover_style.font.color.rgb = RGBColor.from_string(color)
        cover_style.paragraph_format.space_after = Pt(2)
    styles["Page de garde — cabinet"].paragraph_format.space_before = Pt(14)
    box = styles.add_style("Case", 1)
    box.base_style = cell
    box.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    docx_xml.style_font(box, "DejaVu Sans")


def _footer(section, tender: bool = True) -> None:
    """The firm, the tender (its number) or else the document's title, and the page."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    what = ("{% if appel.titre %}{{ appel.titre }}{% if appel.numero %} (n°\u00a0{{ appel.numero }}){% endif %}"
            "{% else %}{{ document.titre }}{% endif %}") if tender else "{{ document.titre }}"
    run = paragraph.add_run("{{ cabinet.nom }} — " + what + " — page ")
    run.font.size = Pt(8)
    docx_xml.add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" / ").font.size = Pt(8)
    docx_xml.add_field(paragraph, "NUMPAGES", "1")


def tag(doc, text: str) -> None:
    """A paragraph holding only a docxtpl block tag ({%p …%}); it vanishes when rendered."""
    doc.add_paragraph(text)


def table(doc, widths_cm: list[float], headers: list[str] | None = None):
    """A grid table with fixed column widths, a shaded header row repeated on each page."""
    t = doc.add_table(rows=1 if headers else 0, cols=len(widths_cm))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    docx_xml.fixed_layout(t)
    docx_xml.cell_margins(t)
    for column, width in zip(t.columns, widths_cm):
        column.width = Cm(width)
    if headers:
        row = t.rows[0]
        docx_xml.repeat_header_row(row)
        docx_xml.keep_row_together(row)
        for cell, text in zip(row.cells, headers):
            cell.width = cell.width
            docx_xml.shade_cell(cell, NAVY)
            cell.paragraphs[0].text = text
            cell.paragraphs[0].style = doc.styles["En-tête de tableau"]
    return t


def row(doc, t, texts: list[str], style: str = "Cellule", widths_cm: list[float] | None = None):
    r = t.add_row()
    docx_xml.keep_row_together(r)
    for i, (cell, text) in enumerate(zip(r.cells, texts)):
        if widths_cm:
            cell.width = Cm(widths_cm[i])
        cell.paragraphs[0].text = text
        cell.paragraphs[0].style = doc.styles[style]
    return r


def loop_rows(doc, t, loop: str, texts: list[str], widths_cm: list[float], style: str = "Cellule"):
    """Three rows: `{%tr for …%}`, the repeated row, `{%tr endfor %}`."""
    row(doc, t, [f"{{%tr {loop} %}}"] + [""] * (len(texts) - 1), widths_cm=widths_cm)
    repeated = row(doc, t, texts, style=style, widths_cm=widths_cm)
    row(doc, t, ["{%tr endfor %}"] + [""] * (len(texts) - 1), widths_cm=widths_cm)
    return repeated


# French typography: a no-break space before « : » and inside « », so that neither is left
# alone at the start of a line.

def field_line(doc) -> None:
    """« Libellé : valeur » of a person, « à compléter » in red when the value is empty."""
    line = doc.add_paragraph()
    line.paragraph_format.space_after = Pt(2)
    line.add_run("{{ c.libelle }}\u00a0: ").bold = True
    line.add_run("{{ c.valeur }}")
    line.add_run("{% if not c.valeur %}à compléter{% endif %}", style=doc.styles["À compléter"])


# --- blocks shared by several templates ----------------------------------------------------

def references_table(doc, width_cm: float = 17.0, optional_columns: bool = True) -> None:
    """The tableau des références, its columns from context.REFERENCE_COLUMNS: one table with
    the optional columns (contact) and one without, the bid file choosing (tableau.contact);
    `optional_columns=False`: the required columns only (the DC2 form)."""
    if not optional_columns:
        _references_table(doc, width_cm, table_columns())
        return
    (optional_key,) = OPTIONAL_COLUMNS  # one optional column today; more would need one table per combination
    for condition, optional in ((f"{{%p if tableau.{optional_key} %}}", [optional_key]), ("{%p else %}", [])):
        tag(doc, condition)
        _references_table(doc, width_cm, table_columns(optional))
    tag(doc, "{%p endif %}")


def _references_table(doc, width_cm: float, columns) -> None:
    scale = width_cm / sum(c.width for c in columns)
    widths = [round(c.width * scale, 2) for c in columns]
    t = table(doc, widths, [c.header for c in columns])
    repeated = loop_rows(doc, t, "for r in references", [""] * len(columns), widths)
    for column, cell in zip(columns, repeated.cells):
        if column.key == "numero":
            cell.paragraphs[0].text = "{{ r.numero }}"
            continue
        # Never a blank cell: what the library lacks says « à compléter » in red.
        missing_or(doc, cell, f"r.{column.key}")
        if column.key == "titre":
            cell.add_paragraph("{%p if r.type %}")
            cell.add_paragraph("{{ r.type }}", style=doc.styles["Petit"]).runs[0].italic = True
            cell.add_paragraph("{%p endif %}")
        if column.key == "montant":
            cell.add_paragraph("{%p if r.montant and r.montant_manque %}")
            cell.add_paragraph(style=doc.styles["Petit"]).add_run("{{ r.montant_manque }}", style=doc.styles["À compléter"])
            cell.add_paragraph("{%p endif %}")


def matrix(doc) -> None:
    widths = [5.2] + [0.98] * len(COMPOSANTES)
    t = table(doc, widths, ["Référence", *(typeset(c) for c in COMPOSANTES)])
    header = t.rows[0]
    header.height = Cm(4.2)
    for cell in header.cells[1:]:
        docx_xml.vertical_text(cell)
    for cell in header.cells:
        cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
    cells = ["{{ r.numero }}. {{ r.titre_court }}"] + [f"{{{{ r.matrice[{i}] }}}}" for i in range(len(COMPOSANTES))]
    repeated = loop_rows(doc, t, "for r in references", cells, widths)
    for cell in repeated.cells[1:]:
        cell.paragraphs[0].style = doc.styles["Case"]
    label = repeated.cells[0]
    label.add_paragraph("{%p if r.grille_manque %}")
    label.add_paragraph(style=doc.styles["Petit"]).add_run("{{ r.grille_manque }}", style=doc.styles["À compléter"])
    label.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ legende_matrice }}", style=doc.styles["Petit"])


def fiche(doc, under_heading: bool = False) -> None:
    """One fiche référence per item of `references`, laid out by `r.mise_en_page` (context.py).

    A fiche that fits on one page is one block: every paragraph and row keeps with the next, so
    it moves whole to the next page when it does not fit in what is left of this one. A fiche a
    little too long is the same block set tighter. A longer one keeps only its head (title,
    identity, grid) together and flows, so that no page is left with its identity table alone.
    The last, empty paragraph of each fiche ends its chain: the next fiche may start on the same
    page. under_heading: the first fiche follows a Titre 1 on its page (the dossier)."""
    tag(doc, "{%p for r in references %}")
    page = "(r.mise_en_page_sous_titre if loop.first else r.mise_en_page)" if under_heading else "r.mise_en_page"
    tag(doc, f'{{%p if {page} == "une_page" %}}')
    _fiche_body(doc, whole=True)
    tag(doc, f'{{%p elif {page} == "serree" %}}')
    _fiche_body(doc, whole=True, tight=True)
    tag(doc, "{%p else %}")
    _fiche_body(doc, whole=False)
    tag(doc, "{%p endif %}")
    end = doc.add_paragraph(style=doc.styles["Petit"])
    end.paragraph_format.space_after = Pt(14)
    end.paragraph_format.keep_with_next = False
    tag(doc, "{%p endfor %}")


def _fiche_body(doc, whole: bool, tight: bool = False) -> None:
    start = _body_length(doc)
    doc.add_paragraph("Référence {{ r.numero }}{% if r.type %} — {{ r.type }}{% endif %}", style=doc.styles["Petit"])
    doc.add_paragraph("{{ r.titre }}", style=doc.styles["Heading 2"])
    tag(doc, "{%p if r.maitre_ouvrage %}")
    doc.add_paragraph("{{ r.maitre_ouvrage }}", style=doc.styles["Subtitle"])
    tag(doc, "{%p endif %}")

    widths = [4.2, 12.8]
    t = table(doc, widths)
    loop_rows(doc, t, "for c in r.champs", ["{{ c.libelle }}", "{{ c.valeur }}"], widths)
    for cell in t.rows[1].cells[:1]:
        cell.paragraphs[0].style = doc.styles["Libellé"]
        docx_xml.shade_cell(cell, LIGHT)

    doc.add_paragraph("Composantes de la mission", style=doc.styles["Heading 3"])
    tag(doc, "{%p if r.grille_manque %}")
    doc.add_paragraph(style=doc.styles["Petit"]).add_run("{{ r.grille_manque }}", style=doc.styles["À compléter"])
    tag(doc, "{%p endif %}")
    widths = [0.8, 7.7, 0.8, 7.7]
    grid = table(doc, widths)
    repeated = loop_rows(
        doc, grid, "for a, b in r.grille_lignes",
        ["{{ a.case }}", "{{ a.nom }}", "{{ b.case }}", "{{ b.nom }}"], widths,
    )
    for i in (0, 2):
        repeated.cells[i].paragraphs[0].style = doc.styles["Case"]
    head = _body_length(doc)

    listed(doc, "r.enjeux", "Enjeux de la mission", style="Normal").paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    listed(doc, "r.contenu", "Contenu de la mission")
    blocks = list(doc.element.body)[start:_body_length(doc)]
    head_blocks, text_blocks = blocks[:head - start], blocks[head - start:]
    for paragraph in _paragraphs(doc, blocks if whole else head_blocks):
        paragraph.paragraph_format.keep_with_next = True
    if not tight:
        return
    for paragraph in _paragraphs(doc, text_blocks):
        paragraph.paragraph_format.line_spacing = 1.0
        paragraph.paragraph_format.space_after = Pt(2)
        if paragraph.style.name != "Heading 3":
            for run in paragraph.runs:
                run.font.size = Pt(9.5)
    for paragraph in _paragraphs(doc, [b for b in head_blocks if b.tag == qn("w:tbl")]):
        paragraph.paragraph_format.line_spacing = 1.0  # identity and grid: single-spaced cells
        paragraph.paragraph_format.space_after = Pt(0)
    for paragraph in _paragraphs(doc, blocks):
        if paragraph.style.name == "Heading 3":
            paragraph.paragraph_format.space_before = Pt(4)


def _paragraphs(doc, blocks):
    """Every paragraph of these body blocks, those inside tables included."""
    for block in blocks:
        for element in block.iter(qn("w:p")):
            yield Paragraph(element, doc)


def _body_length(doc) -> int:
    """How many blocks the body holds, its final section properties left out."""
    body = doc.element.body
    return len(body) - (1 if len(body) and body[-1].tag == qn("w:sectPr") else 0)


def listed(doc, items: str, heading: str, style: str = "List Bullet"):
    """A Titre 3 and one paragraph per element of `items`; both vanish when it is empty."""
    tag(doc, f"{{%p if {items} %}}")
    doc.add_paragraph(heading, style=doc.styles["Heading 3"])
    tag(doc, f"{{%p for item in {items} %}}")
    paragraph = doc.add_paragraph("{{ item }}", style=doc.styles[style])
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    return paragraph


def cover(doc) -> None:
    """A bid cover: the firm in a band at the top, the tender in the middle, the candidate
    at the bottom; no footer on it (the page count still includes it)."""
    doc.sections[0].different_first_page_header_footer = True
    band = table(doc, [17.0])
    band_row = band.add_row()
    band_row.height = Cm(2.6)
    cell = band_row.cells[0]
    docx_xml.shade_cell(cell, NAVY)
    docx_xml.no_borders(band)
    firm = cell.paragraphs[0]
    firm.style = doc.styles["Page de garde — cabinet"]
    firm.add_run("{{ cabinet.nom }}")
    tag_line = cell.add_paragraph("{% if cabinet.sigle %}{{ cabinet.sigle }}{% endif %}", style=doc.styles["Page de garde — sigle"])
    # The logo, when cabinet.yaml names one: render.py turns the path into an image.
    tag(doc, "{%p if cabinet.logo %}")
    doc.add_paragraph("{{ cabinet.logo }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    tag(doc, "{%p endif %}")
    tag_line.paragraph_format.space_after = Pt(6)

    title = doc.add_paragraph("{{ document.titre }}", style=doc.styles["Title"])
    title.paragraph_format.space_before = Pt(96)
    tag(doc, "{%p if appel.titre %}")
    doc.add_paragraph("{{ appel.titre }}", style=doc.styles["Subtitle"])
    tag(doc, "{%p endif %}")
    for label, value, text in (
        ("Consultation n°", "appel.numero", "{{ appel.numero }}"),
        ("Acheteur", "appel.acheteur", "{{ appel.acheteur }}{% if appel.nature %} ({{ appel.nature }}){% endif %}"),
        ("Date limite de remise des offres", "appel.date_limite", "{{ appel.date_limite }}"),
    ):
        tag(doc, f"{{%p if {value} %}}")
        doc.add_paragraph(label, style=doc.styles["Libellé"]).paragraph_format.space_before = Pt(14)
        doc.add_paragraph(text, style=doc.styles["Page de garde — valeur"])
        tag(doc, "{%p endif %}")
    tag(doc, "{%p if appel.lots %}")
    doc.add_paragraph("{% if appel.lots|length > 1 %}Lots auxquels{% else %}Lot auquel{% endif %} le candidat répond",
                      style=doc.styles["Libellé"]).paragraph_format.space_before = Pt(14)
    tag(doc, "{%p for lot in appel.lots %}")
    doc.add_paragraph("Lot {{ lot }}", style=doc.styles["Page de garde — valeur"])
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    candidate = doc.add_paragraph("Candidat", style=doc.styles["Libellé"])
    candidate.paragraph_format.space_before = Pt(48)
    docx_xml.paragraph_rule_above(candidate, NAVY)
    doc.add_paragraph("{{ cabinet.nom }}", style=doc.styles["Page de garde — valeur"])
    tag(doc, "{%p for ligne in cabinet.coordonnees %}")
    doc.add_paragraph("{{ ligne }}", style=doc.styles["Petit"])
    tag(doc, "{%p endfor %}")
    dated = doc.add_paragraph("{{ document.date }}")
    dated.paragraph_format.space_before = Pt(8)


def missing_or(doc, cell, value: str) -> None:
    """In a cell: the value, or « à compléter » in red when the library lacks it."""
    first = cell.paragraphs[0]
    first.text = "{%p if " + value + " %}"
    cell.add_paragraph("{{ " + value + " }}", style=doc.styles["Cellule"])
    cell.add_paragraph("{%p else %}")
    missing = cell.add_paragraph(style=doc.styles["Cellule"])
    missing.add_run("à compléter", style=doc.styles["À compléter"])
    cell.add_paragraph("{%p endif %}")


# --- the templates -------------------------------------------------------------------------

def dossier_template():
    doc = new_document("Dossier de candidature")
    cover(doc)

    heading = doc.add_paragraph("Sommaire", style=doc.styles["TOC Heading"])
    heading.paragraph_format.page_break_before = True
    toc = doc.add_paragraph()
    docx_xml.add_field(toc, 'TOC \\o "1-2" \\h \\z \\u', "Mettez à jour le sommaire : clic droit › Mettre à jour les champs (Word), "
                       "Outils › Mettre à jour › Tout (LibreOffice).")

    h = doc.add_paragraph("Présentation du cabinet", style=doc.styles["Heading 1"])
    h.paragraph_format.page_break_before = True
    widths = [4.5, 12.5]
    t = table(doc, widths)
    repeated = loop_rows(doc, t, "for c in cabinet.identite", ["{{ c.libelle }}", ""], widths)
    repeated.cells[0].paragraphs[0].style = doc.styles["Libellé"]
    docx_xml.shade_cell(repeated.cells[0], LIGHT)
    missing_or(doc, repeated.cells[1], "c.valeur")
    doc.add_paragraph("Présentation", style=doc.styles["Heading 3"])
    tag(doc, "{%p for para in cabinet.presentation %}")
    doc.add_paragraph("{{ para }}").paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not cabinet.presentation %}")
    p = doc.add_paragraph()
    p.add_run("Présentation du cabinet à compléter (champ «\u00a0presentation\u00a0» de references/cabinet.yaml).", style=doc.styles["À compléter"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if cabinet.chiffres_affaires %}")
    doc.add_paragraph("Chiffre d’affaires", style=doc.styles["Heading 3"])
    widths = [3, 6]
    t = table(doc, widths, ["Année", "Chiffre d’affaires"])
    loop_rows(doc, t, "for ca in cabinet.chiffres_affaires", ["{{ ca.annee }}", "{{ ca.montant }}"], widths)
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if personnes %}")
    h = doc.add_paragraph("Moyens humains", style=doc.styles["Heading 1"])
    h.paragraph_format.page_break_before = True
    tag(doc, "{%p for p in personnes %}")
    doc.add_paragraph("{{ p.nom }}", style=doc.styles["Heading 2"])
    tag(doc, "{%p for c in p.champs %}")
    field_line(doc)
    tag(doc, "{%p endfor %}")
    listed(doc, "p.missions", "Références de la sélection")
    listed(doc, "p.autres_missions", "Autres références")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    h = doc.add_paragraph("Tableau des références", style=doc.styles["Heading 1"])
    h.paragraph_format.page_break_before = True
    references_table(doc, 17.0)

    h = doc.add_paragraph("Composantes des références", style=doc.styles["Heading 1"])
    h.paragraph_format.page_break_before = True
    matrix(doc)

    h = doc.add_paragraph("Fiches références", style=doc.styles["Heading 1"])
    h.paragraph_format.page_break_before = True
    fiche(doc, under_heading=True)

    tag(doc, "{%p if productions %}")
    h = doc.add_paragraph("Annexes\u00a0: travaux produits", style=doc.styles["Heading 1"])
    h.paragraph_format.page_break_before = True
    tag(doc, "{%p for a in productions %}")
    doc.add_paragraph("{{ a.nature }}{% if a.numero %} — fiche {{ a.numero }}{% endif %}", style=doc.styles["Petit"])
    doc.add_paragraph("{{ a.titre }}", style=doc.styles["Heading 2"])
    client = doc.add_paragraph(style=doc.styles["Petit"])
    client.add_run("Maître d’ouvrage\u00a0: ")
    client.add_run("{{ a.maitre_ouvrage }}")
    client.add_run("{% if not a.maitre_ouvrage %}à compléter{% endif %}", style=doc.styles["À compléter"])
    client.add_run(" — année\u00a0: {{ a.annee }}")
    client.add_run("{% if not a.annee %}à compléter{% endif %}", style=doc.styles["À compléter"])
    tag(doc, "{%p for e in a.entete %}")
    doc.add_paragraph("{{ e }}", style=doc.styles["Libellé"])
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for s in a.sections %}")
    doc.add_paragraph("{{ s.titre }}", style=doc.styles["Heading 3"])
    tag(doc, "{%p for para in s.paragraphes %}")
    doc.add_paragraph("{{ para }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for item in s.puces %}")
    doc.add_paragraph("{{ item }}", style=doc.styles["List Bullet"])
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    return doc


def tableau_template():
    doc = new_document("Tableau des références", landscape=True)
    doc.add_paragraph("{{ document.titre }}", style=doc.styles["Title"])
    doc.add_paragraph("{{ cabinet.nom }} — {{ document.date }}", style=doc.styles["Subtitle"])
    tag(doc, "{%p if appel.titre %}")
    doc.add_paragraph("{{ appel.titre }}{% if appel.numero %} — consultation n°\u00a0{{ appel.numero }}{% endif %}",
                      style=doc.styles["Petit"])
    tag(doc, "{%p endif %}")
    references_table(doc, 25.7)
    return doc


def fiches_template():
    doc = new_document("Fiches références")
    fiche(doc)
    return doc


def cv_template():
    doc = new_document("Curriculum vitæ")
    doc.add_paragraph("{{ personne.nom }}", style=doc.styles["Title"])
    function = doc.add_paragraph(style=doc.styles["Subtitle"])
    function.add_run("{{ personne.fonction }}")
    function.add_run("{% if not personne.fonction %}Fonction à compléter{% endif %}", style=doc.styles["À compléter"])
    doc.add_paragraph("{{ cabinet.nom }}{% if appel.titre %} — {{ appel.titre }}{% endif %}", style=doc.styles["Petit"])
    tag(doc, "{%p if personne.role_propose %}")
    role = doc.add_paragraph()
    role.add_run("Rôle proposé\u00a0: ").bold = True
    role.add_run("{{ personne.role_propose }}")
    tag(doc, "{%p endif %}")
    doc.add_paragraph("Parcours", style=doc.styles["Heading 1"])
    tag(doc, "{%p for c in personne.champs %}")
    field_line(doc)
    tag(doc, "{%p endfor %}")
    doc.add_paragraph("Présentation", style=doc.styles["Heading 1"])
    tag(doc, "{%p for para in personne.presentation %}")
    doc.add_paragraph("{{ para }}").paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not personne.presentation %}")
    doc.add_paragraph().add_run("Présentation à compléter", style=doc.styles["À compléter"])
    tag(doc, "{%p endif %}")
    doc.add_paragraph("Références", style=doc.styles["Heading 1"])
    widths = [2.2, 4.0, 7.8, 3.0]
    t = table(doc, widths, ["Années", "Maître d’ouvrage", "Mission", "Rôle"])
    repeated = loop_rows(doc, t, "for m in personne.references", ["", "", "{{ m.titre }}", "{{ m.role }}"], widths)
    missing_or(doc, repeated.cells[0], "m.annees")
    missing_or(doc, repeated.cells[1], "m.maitre_ouvrage")
    mission = repeated.cells[2]
    mission.add_paragraph("{%p if m.description %}")
    mission.add_paragraph("{{ m.description }}", style=doc.styles["Petit"])
    mission.add_paragraph("{%p endif %}")
    return doc


BUILDERS = {
    "dossier": dossier_template,
    "tableau": tableau_template,
    "fiches": fiches_template,
    "cv": cv_template,
}


def _builders() -> dict:
    """The templates of the documents and of the forms DC1, DC2, DC4 (form_templates.py)."""
    from generator.documents.form_templates import BUILDERS as FORMS

    return {**BUILDERS, **FORMS}


def template_bytes(name: str) -> bytes:
    from generator.output import core_xml, normalize_docx

    buffer = io.BytesIO()
    doc = _builders()[name]()
    doc.save(buffer)
    core = core_xml({"title": getattr(doc, "dossier_title", name), "revision": 1,
                     "comments": "Modèle de document dossier (balises Jinja de docxtpl)"}, FIXED_TIME)
    return normalize_docx(buffer.getvalue(), core)


def write_templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in _builders():
        path = folder / f"{name}.docx"
        path.write_bytes(template_bytes(name))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_templates(Path(sys.argv[1] if len(sys.argv) > 1 else "templates")):
        print(written_path)
