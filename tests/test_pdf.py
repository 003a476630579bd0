"""PDF export through LibreOffice: pages, an up-to-date table of contents, a clear message without it."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from generator.documents.pdf import page_count

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
    assert "Mission d’appui relative aux équipements publics Marseillais" in text


@needs_libreoffice
def test_fiches_pdf_one_per_docx(project, run):
    result = run("fiches", "--type", "Stratégie", "--pdf")
    assert result.exit_code == 0, result.output
    pdfs = sorted((project / "outputs" / "fiches").glob("*.pdf"))
    assert len(pdfs) == 2 and all(page_count(p) >= 1 for p in pdfs)


def _pages(pdf) -> list[str]:
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for n in range(1, page_count(pdf) + 1)]


@needs_libreoffice
def test_each_shipped_fiche_holds_on_its_own_page(project, run):
    """The four real fiches fit a page each (the Hénin-Carvin one set a little tighter): no page
    holds an identity table alone nor the last lines of an overflowing fiche."""
    result = run("fiches", "--single", "--pdf")
    assert result.exit_code == 0, result.output
    pages = _pages(project / "outputs" / "fiches-references.pdf")
    assert len(pages) == 4
    for number, page in enumerate(pages, 1):
        assert page.lstrip().startswith(f"Référence {number} —"), page[:200]
        assert "Composantes de la mission" in page and "Contenu de la mission" in page


@needs_libreoffice
@pytest.mark.parametrize("args, last_line", [
    (["--type", "Stratégie"], "tiers de confiance désigné par l’ANRU"),
    # the longest fiche first: set tighter under the heading, its last bullet on the same page
    (["--id", "2013-etude-definition-projet-urbain-social-sud", "--id", "2017-amo-mise-place-concertation-via-creation"],
     "Montage du projet (financier et opérationnel)."),
])
def test_the_first_fiche_of_the_dossier_shares_the_section_page_whole(project, run, args, last_line):
    result = run("build", *args, "--pdf")
    assert result.exit_code == 0, result.output
    pages = _pages(project / "outputs" / "dossier-candidature.pdf")
    first = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Fiches références"))
    words = " ".join(pages[first].split())
    assert "Référence 1 —" in words and last_line in words
    assert pages[first + 1].lstrip().startswith("Référence 2 —")


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

