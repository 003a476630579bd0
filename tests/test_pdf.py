"""PDF export through LibreOffice: pages, an up-to-date table of contents, a clear message without it."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from generator.pdf import page_count

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) et poppler (pdftotext) requis ; scripts/install-system-deps.sh les installe",
)


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@needs_libreoffice
def test_build_pdf_has_pages_and_a_filled_table_of_contents(project, run):
    result = run("build", "--type", "Stratégie", "--date", "2026-11-24", "--pdf")
    assert result.exit_code == 0, result.output
    pdf = project / "outputs" / "dossier-candidature.pdf"
    assert "Écrit : outputs/dossier-candidature.pdf" in result.output
    assert page_count(pdf) >= 5
    text = _pdf_text(pdf)
    sommaire = text.split("Sommaire", 1)[1].split("Présentation du cabinet\n", 1)[0]
    # each heading in the TOC with its page number, not the "update the TOC" placeholder
    for heading in ("Présentation du cabinet", "Moyens humains", "Tableau des références", "Fiches références"):
        assert re.search(re.escape(heading) + r"\s*\.{3,}\s*\d+", sommaire), sommaire
    assert "Mettez à jour le sommaire" not in text
    assert "Mission d'appui relative aux équipements publics Marseillais" in text


@needs_libreoffice
def test_fiches_pdf_one_per_docx(project, run):
    result = run("fiches", "--type", "Stratégie", "--pdf")
    assert result.exit_code == 0, result.output
    pdfs = sorted((project / "outputs" / "fiches").glob("*.pdf"))
    assert len(pdfs) == 2 and all(page_count(p) >= 1 for p in pdfs)


def test_pdf_without_libreoffice_says_how_to_install_it(project, run, monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = run("table", "--pdf")
    assert result.exit_code == 4
    assert "LibreOffice est introuvable" in result.output
    assert "libreoffice-writer-nogui" in result.output


def test_pdf_is_refused_for_spreadsheet_formats(project, run):
    result = run("table", "--format", "xlsx", "--pdf")
    assert result.exit_code == 1
    assert "--format docx" in result.output


def test_docx_table_of_contents_lists_the_headings_and_asks_word_nothing(project, run):
    from docx import Document

    assert run("build", "--type", "Stratégie").exit_code == 0
    document = Document(str(project / "outputs" / "dossier-candidature.docx"))
    toc = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("TOC ")]
    assert ("TOC 1", "Présentation du cabinet") in toc and ("TOC 1", "Fiches références") in toc
    assert ("TOC 2", "Mission d'appui relative aux équipements publics Marseillais dans le cadre du NPNRU") in toc
    # no "update the fields?" prompt in Word: no dirty field, no updateFields setting
    body = document.element.xml
    assert 'w:dirty="true"' not in body
    assert "updateFields" not in document.settings.element.xml


def test_cover_page_names_firm_tender_buyer_and_deadline_without_footer(project, run):
    from docx import Document

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
