"""Custom templates: export a default, check a broken one, and the documented variables."""

from __future__ import annotations

import re
from datetime import date

from docx import Document

from conftest import ROOT, docx_text
from generator.selection.answer import answer
from generator.selection.criteria import Criteria
from generator.documents.context import CV_VARIABLES, DOCUMENT_VARIABLES, BuildOptions, cv_context, document_context
from generator.library.loader import load_library
from generator.documents.template_check import variables_markdown


def _template(path, *paragraphs):
    """A .docx whose paragraphs are given as lists of runs: [["{{ a", ".b }}"]] splits a tag in two runs."""
    document = Document()
    for runs in paragraphs:
        paragraph = document.add_paragraph()
        for i, text in enumerate(runs):
            paragraph.add_run(text).bold = i % 2 == 1
    document.save(str(path))
    return path


def test_check_finds_unknown_variable_with_its_paragraph_and_a_suggestion(project, run):
    path = _template(project / "mine.docx", ["{{ document.titre }}"], ["{%p for r in references %}"],
                     ["{{ r.maitre_ouvrag }}"], ["{%p endfor %}"])
    result = run("templates", "check", str(path))
    assert result.exit_code == 3
    assert "paragraphe 3 « {{ r.maitre_ouvrag }} » : variable inconnue « r.maitre_ouvrag » ; vouliez-vous dire « r.maitre_ouvrage » ?" in result.output


def test_check_finds_unknown_filters(project, run):
    path = _template(project / "mine.docx", ["{{ document.titre|uper }}"])
    result = run("templates", "check", str(path))
    assert result.exit_code == 3
    assert "filtre Jinja inconnu « uper » ; vouliez-vous dire « upper » ?" in result.output


def test_check_finds_a_tag_split_across_runs(project, run):
    path = _template(project / "mine.docx", ["Client : {{ r.maitre", "_ouvrage }}"])
    result = run("templates", "check", str(path))
    assert result.exit_code == 3
    assert "paragraphe 1 « Client : {{ r.maitre_ouvrage }} » : balise « {{ r.maitre_ouvrage }} » coupée" in result.output


def test_check_finds_unbalanced_tags_and_unclosed_blocks(project, run):
    bad_tag = _template(project / "a.docx", ["Titre"], ["{{ document.titre }"])
    result = run("templates", "check", str(bad_tag))
    assert result.exit_code == 3
    assert "paragraphe 2 « {{ document.titre } » : balise « {{ … }} » non refermée" in result.output
    unclosed = _template(project / "b.docx", ["{%p for r in references %}"], ["{{ r.titre }}"])
    result = run("templates", "check", str(unclosed))
    assert result.exit_code == 3
    assert "paragraphe 1 « {%p for r in references %} » : bloc « for » jamais refermé" in result.output


def test_default_templates_check_clean(project, run):
    files = [str(ROOT / "templates" / f"{n}.docx") for n in ("dossier", "tableau", "fiches", "cv")]
    result = run("templates", "check", *files)
    assert result.exit_code == 0, result.output
    assert result.output.count("aucun problème") == 4


def test_exported_template_is_used_by_build_and_can_be_restyled(project, run):
    (project / "templates" / "dossier.docx").unlink()
    assert run("templates", "export", "dossier").exit_code == 0
    assert run("templates", "export", "dossier").exit_code == 1  # never overwritten silently
    path = project / "templates" / "dossier.docx"
    template = Document(str(path))
    template.styles["Heading 1"].font.size = template.styles["Heading 1"].font.size * 1.5
    template.add_paragraph("Annexe ajoutée par le cabinet : {{ cabinet.nom }}")
    template.save(str(path))
    assert run("templates", "check", str(path)).exit_code == 0
    assert run("build", "--type", "Stratégie").exit_code == 0
    text = docx_text(project / "outputs" / "dossier-candidature.docx")
    assert "Annexe ajoutée par le cabinet : Perspectives Urbaines et Sociales" in text
    listed = run("templates", "list")
    assert "templates/dossier.docx" in listed.output


def _paths(value, path="", out=None) -> set[str]:
    out = set() if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            _paths(item, f"{path}.{key}" if path else key, out)
    elif isinstance(value, (list, tuple)):
        out.add(path)
        for item in value:
            if isinstance(item, (dict, list, tuple)):
                _paths(item, path + "[]", out)
    else:
        out.add(path)
    return out


def _full_library(project):
    (project / "references" / "cabinet.yaml").write_text(
        "nom: Perspectives Urbaines et Sociales\nsigle: PUS\nadresse: 1 rue de Paris, 75001 Paris\n"
        "chiffres_affaires:\n  - annee: 2025\n    montant: 500000\n", encoding="utf-8")
    (project / "references" / "personnes" / "valerie-embize.yaml").write_text(
        "nom: Valérie Embize\nfonction: Directrice\n", encoding="utf-8")
    return load_library(project / "references")


def test_documented_variables_are_exactly_what_the_context_provides(project):
    library = _full_library(project)
    options = BuildOptions(document_date=date(2026, 11, 24), annexes=True)
    context = document_context(library, library.missions, options, "Dossier de candidature")
    assert _paths(context) == set(DOCUMENT_VARIABLES)
    # with a tender answered and --pourquoi, the buyer's context is the same: the note is a file apart
    tender = answer(library.missions, Criteria(since=2018), date(2026, 11, 24), "concertation habitants")
    with_note = BuildOptions(document_date=date(2026, 11, 24), annexes=True, answer=tender, pourquoi=True)
    context = document_context(library, tender.selected, with_note, "Dossier de candidature")
    assert _paths(context) == set(DOCUMENT_VARIABLES)
    person = library.person("Valérie Embize")
    assert _paths(cv_context(library, person, options)) == set(CV_VARIABLES)


def test_readme_lists_the_variables_as_the_code_generates_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- variables:start -->\n(.*?)<!-- variables:end -->", readme, re.S)
    assert section, "README.md lacks the generated variables section"
    assert section.group(1) == variables_markdown(), "regenerate it: dossier templates variables"


def test_a_renamed_copy_of_the_cv_template_is_checked_as_a_cv(project, run):
    assert run("templates", "export", "cv", "-o", "cv-cabinet.docx").exit_code == 0
    result = run("templates", "check", "cv-cabinet.docx")
    assert result.exit_code == 0, result.output
    path = _template(project / "mon-cv.docx", ["{{ personne.nom }}"], ["{{ personne.fonctio }}"])
    result = run("templates", "check", str(path))
    assert result.exit_code == 3 and "variable inconnue « personne.fonctio »" in result.output


def _mission_file(path, ident, extra=""):
    path.write_text(f"id: {ident}\ntitre: Étude {ident}\nmaitre_ouvrage: Ville de Bondy\ntype: Concertation\n"
                    f"annees: 2024\n{extra}", encoding="utf-8")


def test_check_renders_templates_on_a_sample_holding_each_kind_of_value(project, run):
    # 40 missions alike, then one whose team gives the firm a role: the template names an unknown
    # variable only where that role is set, and the check still finds it.
    missions = project / "references" / "missions"
    for path in missions.glob("*.yaml"):
        path.unlink()
    for i in range(40):
        _mission_file(missions / f"a{i:02d}.yaml", f"a{i:02d}")
    _mission_file(missions / "z.yaml", "z", "equipe:\n  - nom: Autre cabinet\n    role: mandataire\n"
                  "  - nom: Perspectives Urbaines et Sociales\n    role: cotraitant\n")
    from docx import Document as NewDocument

    document = NewDocument()
    for text in ("{%p for r in references %}", "{%p if r.role %}", "{{ r.role_inconnu }}", "{%p endif %}",
                 "{%p endfor %}"):
        document.add_paragraph(text)
    document.save(str(project / "templates" / "fiches.docx"))
    result = run("check", "--date", "2026-11-24")
    assert result.exit_code == 2
    assert "templates/fiches.docx: variable inconnue « role_inconnu »" in result.output

    from generator.library.checks import representative_sample

    library = load_library(project / "references", use_cache=False)
    sample = representative_sample(library.missions, library)
    assert [m.id for m in sample] == ["a00", "z"]


def test_check_renders_the_templates_again_only_when_they_or_the_sample_change(project, run, monkeypatch):
    from generator.documents import build

    assert run("check", "--date", "2026-11-24").exit_code == 0
    calls = []
    real = build.dossier
    monkeypatch.setattr(build, "dossier", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert run("check", "--date", "2026-11-24").exit_code == 0
    assert calls == []  # nothing changed: the answer of the last render
    _template(project / "templates" / "fiches.docx", ["{{ document.titr }}"])
    result = run("check", "--date", "2026-11-24")
    assert result.exit_code == 2 and "templates/fiches.docx" in result.output and calls
    calls.clear()
    again = run("check", "--date", "2026-11-24")
    assert again.output == result.output and calls == []  # a refusal is remembered too
    mission = project / "references" / "missions" / "2017-amo-mise-place-concertation-via-creation.yaml"
    mission.write_text(mission.read_text(encoding="utf-8").replace("type: Accompagnement social\n", ""),
                       encoding="utf-8")
    assert run("check", "--date", "2026-11-24").exit_code == 2 and calls  # the sample changed: rendered again


def test_templates_check_without_a_file_checks_every_template_in_use(project, run):
    _template(project / "templates" / "fiches.docx", ["{{ document.titr }}"])
    (project / "templates" / "cv.docx").unlink()
    result = run("templates", "check")
    assert result.exit_code == 3
    assert "templates/fiches.docx" in result.output and "variable inconnue « document.titr »" in result.output
    assert "templates/dossier.docx : aucun problème" in result.output
    # No cv.docx in the project: the default one is what `dossier cv` uses, so it is checked.
    assert "modèle par défaut « cv » : aucun problème" in result.output


def test_a_column_per_reference_widens_or_narrows_the_table_grid(project, run):
    # {%tc for %} makes one cell per reference in a row: Word needs the table's grid to have
    # exactly as many columns as that row has cells, or it shows the table damaged.
    def grid_and_cells(path):
        table = Document(str(path)).tables[0]
        grid = table._tbl.tblGrid.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}gridCol")
        return len(grid), [cell.text for cell in table.rows[0].cells]

    document = Document()
    row = document.add_table(rows=1, cols=3).rows[0]
    for cell, text in zip(row.cells, ["{%tc for r in references %}", "Réf. {{ r.numero }}", "{%tc endfor %}"]):
        cell.text = text
    document.save(str(project / "colonnes.docx"))
    for count in (4, 2):  # wider, then narrower than the template's 3 columns
        result = run("build", "--limit", str(count), "--template", "colonnes.docx", "-o", f"colonnes-{count}.docx")
        assert result.exit_code == 0, result.output
        assert grid_and_cells(project / f"colonnes-{count}.docx") == (
            count, [f"Réf. {n}" for n in range(1, count + 1)])


def test_an_edited_template_is_read_afresh_even_with_its_old_date(project, run, monkeypatch):
    # What is read from a template before rendering is kept between runs (render.py); the
    # template's bytes decide, not its name or date.
    import os

    from generator.documents import render

    path = _template(project / "mien.docx", ["Version A : {{ cabinet.nom }}"])
    assert run("build", "--template", "mien.docx", "-o", "a.docx").exit_code == 0
    assert "Version A : Perspectives Urbaines et Sociales" in docx_text(project / "a.docx")
    patched = []
    real = render._Template.patch_xml
    monkeypatch.setattr(render._Template, "patch_xml", lambda self, xml: patched.append(1) or real(self, xml))
    assert run("build", "--template", "mien.docx", "-o", "a2.docx").exit_code == 0
    assert patched == [] and docx_text(project / "a2.docx") == docx_text(project / "a.docx")  # kept
    before = path.stat()
    edited = Document(str(path))
    edited.paragraphs[0].runs[0].text = "Version B : {{ cabinet.nom }}"
    edited.save(str(path))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run("build", "--template", "mien.docx", "-o", "b.docx").exit_code == 0
    assert "Version B : Perspectives Urbaines et Sociales" in docx_text(project / "b.docx") and patched


def test_one_file_per_fiche_compiles_the_template_once_and_counts_each_fiche_apart(project, run, monkeypatch):
    from generator.documents import sandbox

    compiled = []
    real = sandbox.SandboxedTemplates.compile
    monkeypatch.setattr(sandbox.SandboxedTemplates, "compile",
                        lambda self, source, *a, **k: compiled.append(len(source)) or real(self, source, *a, **k))
    monkeypatch.setattr(sandbox, "_COMPILED", {})
    result = run("fiches", "-o", "fiches/")
    assert result.exit_code == 0, result.output
    files = sorted((project / "fiches").glob("fiche-*.docx"))
    assert len(files) == 4
    assert len({docx_text(path) for path in files}) == 4  # each fiche its own mission
    body = max(compiled)
    assert compiled.count(body) == 1  # the body of the template, compiled for the first fiche only
    steps = []
    monkeypatch.setattr(sandbox.SandboxedTemplates, "tick",
                        lambda self, count=1: steps.append((id(self), self.steps)) or setattr(self, "steps", self.steps + count))
    assert run("fiches", "-o", "fiches/").exit_code == 0
    assert len({env for env, _ in steps}) >= 4  # each fiche counts its loop turns and calls apart
