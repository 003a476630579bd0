"""What the bid team sees in Word: cover, table of contents, page breaks, tables, valid XML order."""

from __future__ import annotations

from docx import Document
from docx.oxml.ns import qn


def test_docx_table_of_contents_lists_the_headings_and_asks_word_nothing(project, run):
    assert run("build", "--type", "Stratégie").exit_code == 0
    document = Document(str(project / "outputs" / "dossier-candidature.docx"))
    toc = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("TOC ")]
    assert ("TOC 1", "Présentation du cabinet") in toc and ("TOC 1", "Fiches références") in toc
    assert ("TOC 2", "Mission d’appui relative aux équipements publics Marseillais dans le cadre du NPNRU") in toc
    # no "update the fields?" prompt in Word: no dirty field, no updateFields setting
    body = document.element.xml
    assert 'w:dirty="true"' not in body
    assert "updateFields" not in document.settings.element.xml


def test_cover_page_names_firm_tender_buyer_and_deadline_without_footer(project, run):
    result = run("build", "--type", "Stratégie", "--date", "2026-11-24", "--appel", "AMO NPNRU des Fauvettes",
                 "--acheteur", "Ville de Neuilly-sur-Marne", "--date-limite", "15/01/2027")
    assert result.exit_code == 0, result.output
    document = Document(str(project / "outputs" / "dossier-candidature.docx"))
    cover = [p.text for p in document.paragraphs[: [p.style.name for p in document.paragraphs].index("TOC Heading")]]
    band = document.tables[0].rows[0].cells[0].text
    assert "Perspectives Urbaines et Sociales" in band
    for expected in ("Dossier de candidature", "AMO NPNRU des Fauvettes", "Ville de Neuilly-sur-Marne",
                     "15 janvier 2027", "24 novembre 2026"):
        assert expected in cover
    assert document.sections[0].different_first_page_header_footer
    assert document.core_properties.title == "Dossier de candidature"
    assert document.core_properties.author == "Perspectives Urbaines et Sociales"
    assert document.core_properties.subject == "AMO NPNRU des Fauvettes"


def test_each_fiche_keeps_together_and_table_rows_never_split(project, run):
    assert run("fiches", "--single", "--date", "2026-11-24").exit_code == 0
    document = Document(str(project / "outputs" / "fiches-references.docx"))
    # the shipped fiches fit on a page: every line keeps with the next, so a fiche moves whole
    # to a new page; its last (empty) paragraph ends the chain, so the next may follow it
    paragraphs = document.paragraphs
    starts = [i for i, p in enumerate(paragraphs) if p.text.startswith("Référence ")]
    assert len(starts) == 4
    for first, following in zip(starts, starts[1:] + [len(paragraphs)]):
        chain = paragraphs[first:following]
        assert all(p.paragraph_format.keep_with_next for p in chain[:-1])
        assert chain[-1].text == "" and not chain[-1].paragraph_format.keep_with_next
    assert not any(p.paragraph_format.page_break_before for p in paragraphs)
    assert not document.element.body.xpath(".//w:br[@w:type='page']")
    for table in document.tables:
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
    # a fiche lists what the mission file says: no empty line
    rows = [row.cells for table in document.tables for row in table.rows if len(row.cells) == 2]
    assert rows and all(cells[1].text.strip() for cells in rows)


def test_a_fiche_longer_than_a_page_keeps_its_head_together_and_flows(project, run):
    """A keep-together chain longer than a page is broken anywhere by Word and LibreOffice (the
    identity table alone on a page): a long fiche chains its head only, and its text flows."""
    mission = project / "references" / "missions" / "2013-etude-definition-projet-urbain-social-sud.yaml"
    extra = "".join(f"  - Atelier {i} avec les habitants et les partenaires du quartier, restitution en comité "
                    "technique et rédaction d'une note de synthèse.\n" for i in range(1, 22))
    mission.write_text(mission.read_text(encoding="utf-8").replace("contenu:\n", "contenu:\n" + extra, 1),
                       encoding="utf-8")
    assert run("fiches", "--id", mission.stem, "-o", "long.docx").exit_code == 0
    paragraphs = Document(str(project / "long.docx")).paragraphs
    texts = [p.text for p in paragraphs]
    head = paragraphs[: texts.index("Enjeux de la mission")]
    assert head[0].text.startswith("Référence 1") and all(p.paragraph_format.keep_with_next for p in head)
    bullets = [p for p in paragraphs if p.text.startswith("Atelier ")]
    assert len(bullets) == 21 and not any(p.paragraph_format.keep_with_next for p in bullets)


def test_a_fiche_a_few_lines_too_long_is_set_tighter_and_stays_whole(project, run):
    # the Hénin-Carvin fiche overflows the page by a few lines at the normal spacing
    assert run("fiches", "--id", "2013-etude-definition-projet-urbain-social-sud", "-o", "f.docx").exit_code == 0
    paragraphs = Document(str(project / "f.docx")).paragraphs
    body = [p for p in paragraphs if p.style.name in ("Normal", "List Bullet") and p.text]
    assert body and all(p.paragraph_format.line_spacing == 1.0 for p in body)
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[:-1] if p.text)
    assert run("fiches", "--id", "2017-amo-mise-place-concertation-via-creation", "-o", "g.docx").exit_code == 0
    roomy = [p for p in Document(str(project / "g.docx")).paragraphs if p.style.name == "List Bullet"]
    assert roomy and all(p.paragraph_format.line_spacing is None for p in roomy)


def test_table_properties_are_in_schema_order(project, run):
    """Word calls a file damaged when tblPr children are out of order; LibreOffice does not care."""
    assert run("build", "--type", "Stratégie").exit_code == 0
    document = Document(str(project / "outputs" / "dossier-candidature.docx"))
    order = ["tblStyle", "tblW", "jc", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"]
    for tblPr in document.element.body.iter(qn("w:tblPr")):
        names = [child.tag.split("}")[1] for child in tblPr]
        assert names == sorted(names, key=order.index), names


def test_a_cv_shows_what_is_left_to_fill_in_about_the_person(project, run):
    (project / "references" / "personnes" / "chloe-etori.yaml").write_text(
        "nom: Chloé Etori\nfonction: Chargée d'études\nformation: [Master urbanisme]\n", encoding="utf-8")
    assert run("cv", "Chloé Etori", "-o", "cv.docx").exit_code == 0
    document = Document(str(project / "cv.docx"))
    lines = {p.text for p in document.paragraphs}
    # the function once, as the CV's subtitle; typographic apostrophe at render time
    assert "Chargée d’études" in lines and not any(line.startswith("Fonction") for line in lines)
    assert {"Formation\u00a0: Master urbanisme", "Expérience\u00a0: à compléter",
            "Domaines\u00a0: à compléter"} <= lines
    missing = next(p for p in document.paragraphs if p.text == "Domaines\u00a0: à compléter")
    assert missing.runs[-1].style.name == "À compléter"


def test_core_properties_are_well_formed_even_with_docxcompose_loaded(project, run):
    """docxcompose (imported by docxtpl when installed) remaps python-docx's « cp » prefix;
    Word then sees each property twice, once in a foreign namespace, and offers a repair."""
    import zipfile
    from collections import Counter

    from lxml import etree

    import docxcompose.utils  # noqa: F401  the plug-in, loaded as any environment could

    assert run("build", "--type", "Stratégie", "--appel", "AMO NPNRU").exit_code == 0
    with zipfile.ZipFile(project / "outputs" / "dossier-candidature.docx") as package:
        root = etree.fromstring(package.read("docProps/core.xml"))
    allowed = {"http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
               "http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/"}
    names = Counter(child.tag for child in root)
    assert {etree.QName(tag).namespace for tag in names} <= allowed, names
    assert max(names.values()) == 1, names
    assert {etree.QName(tag).localname for tag in names} >= {"title", "creator", "subject", "created", "modified"}
