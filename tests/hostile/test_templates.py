"""A broken template, in the project or given with --template: its name, the tag and a hint (exit 3)."""

from __future__ import annotations

import pytest
from docx import Document

TEMPLATES = [
    ("variable-inconnue", [["{{ cabinet.nomm }}"]],
     "variable inconnue « nomm » dans la balise « {{ cabinet.nomm }} » ; vouliez-vous dire « nom » ? "
     "(« dossier templates » liste les variables)"),
    ("boucle-non-fermee", [["{%p for r in references %}"], ["{{ r.titre }}"]],
     "balise Jinja invalide : une boucle ou une condition n'est jamais refermée : ajoutez « {% endfor %} »"),
    ("fin-sans-debut", [["{{ cabinet.nom }}"], ["{% endif %}"]],
     "balise Jinja invalide dans « {% endif %} » : « {% endif %} » sans ouverture correspondante (for / if) avant lui"),
    ("mot-cle-inconnu", [["{% iff cabinet.nom %}x{% endif %}"]],
     "balise Jinja invalide dans « {% iff cabinet.nom %} » : mot-clé « iff » inconnu après « {% » ; attendu : for, if, "
     "endfor, endif…"),
    ("ligne-de-tableau-hors-tableau", [["{%tr for r in references %}"], ["{{ r.titre }}"], ["{%tr endfor %}"]],
     "balise Jinja invalide dans « {%tr for r in references %} » : « {%tr » doit être placé dans une ligne de tableau ; "
     "déplacez la balise ou écrivez « {% »"),
    ("balise-coupee-entre-paragraphes", [["{{ cabinet.nom "], ["}}"]],
     "balise « {{ » … « }} » non refermée ou coupée par un retour à la ligne dans le paragraphe « {{ cabinet.nom » ; "
     "chaque balise doit tenir dans un seul paragraphe du modèle"),
    ("accolade-manquante", [["{{ cabinet.nom }"]],
     "balise « {{ » … « }} » non refermée ou coupée par un retour à la ligne dans le paragraphe « {{ cabinet.nom } » ; "
     "chaque balise doit tenir dans un seul paragraphe du modèle"),
    ("filtre-qui-echoue", [["{% for r in references %}{{ r.titre|int + 'a' }}{% endfor %}"]],
     "une balise du modèle a échoué (TypeError : unsupported operand type(s) for +: 'int' and 'str')"),
    ("titre-tronque", [["{%p for r in references %}"], ["{{ r.titre[:5] }}"], ["{%p endfor %}"]],
     "contrôle du contenu : « Mission d’appui relative aux équipements publics Marseillai… » (référence "
     "2021-mission-appui-relative-equipements-publics-marseillais, champ « titre ») manque dans le document produit ; "
     "aucun fichier n'a été écrit. Vérifiez les balises du modèle autour de ce champ"),
]


def make_template(path, paragraphs) -> None:
    """A Word file whose paragraphs hold these runs (a run boundary is where Word splits a tag)."""
    document = Document()
    for runs in paragraphs:
        paragraph = document.add_paragraph()
        for text in runs:
            paragraph.add_run(text)
    document.save(str(path))


@pytest.mark.parametrize("name, paragraphs, message", TEMPLATES, ids=[t[0] for t in TEMPLATES])
def test_build_with_a_broken_template_names_it_and_keeps_the_previous_output(project, run, name, paragraphs, message):
    make_template(project / "templates" / "dossier.docx", paragraphs)
    target = project / "outputs" / "dossier.docx"
    target.parent.mkdir()
    target.write_bytes(b"previous")
    result = run("build", "-o", str(target))
    assert result.exit_code == 3, result.output
    assert result.output.splitlines()[-1] == f"Erreur : templates/dossier.docx : {message}"
    assert target.read_bytes() == b"previous"


@pytest.mark.parametrize("name, paragraphs, message", TEMPLATES, ids=[t[0] for t in TEMPLATES])
def test_check_dry_renders_the_project_templates(project, run, name, paragraphs, message):
    make_template(project / "templates" / "fiches.docx", paragraphs)
    result = run("check", "--date", "2026-11-24")
    assert result.exit_code == 2, result.output
    # The dry run renders every mission in file order, so the first loss it meets is another title.
    message = message.replace("Mission d’appui relative aux équipements publics Marseillai…",
                              "Etude de définition du projet urbain et social du Sud-Ouest…")
    message = message.replace("2021-mission-appui-relative-equipements-publics-marseillais",
                              "2013-etude-definition-projet-urbain-social-sud")
    assert f"templates/fiches.docx: {message}" in result.output.splitlines()


def test_tag_split_across_word_runs_still_renders(project, run, tmp_path):
    # Word often stores « {{ cabinet.nom }} » as several runs after an edit: docxtpl joins them.
    make_template(tmp_path / "split.docx", [["{", "{ cabi", "net.nom }", "}"]])
    result = run("build", "--template", str(tmp_path / "split.docx"), "-o", "outputs/split.docx")
    assert result.exit_code == 0, result.output
    assert Document("outputs/split.docx").paragraphs[0].text == "Perspectives Urbaines et Sociales"


def test_a_file_that_is_not_a_docx(project, run):
    (project / "templates" / "tableau.docx").write_text("pas un document Word")
    result = run("table")
    assert result.exit_code == 3
    assert result.output.splitlines()[-1] == (
        "Erreur : templates/tableau.docx : modèle Word illisible (BadZipFile) ; est-ce bien un fichier .docx ?"
    )
    check = run("check")
    assert "templates/tableau.docx: modèle Word illisible (BadZipFile) ; est-ce bien un fichier .docx ?" in check.output


def test_the_shipped_templates_pass_the_dry_run(project, run):
    result = run("check", "--date", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert "templates/" not in result.output


def test_the_content_check_reads_the_text_that_is_written_headers_and_footers_included(project, run, monkeypatch):
    """The check reads the rendered parts before they are written: the same text, header, footer
    and first-page header included, as the document read back from the file."""
    from generator.documents import verify

    document = Document()
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].add_run("Première page : {{ cabinet.nom }}")
    section.header.paragraphs[0].add_run("En-tête : {{ appel.titre }}")
    section.footer.paragraphs[0].add_run("Pied : {{ cabinet.nom }} — {{ document.titre }}")
    for runs in (["{%p for r in references %}"], ["{{ r.titre }} ({{ r.annees }})"], ["{%p endfor %}"]):
        document.add_paragraph().add_run(runs[0])
    document.save(str(project / "templates" / "fiches.docx"))
    read: list[str] = []
    original = verify.rendered_text
    monkeypatch.setattr(verify, "rendered_text", lambda d: read.append(original(d)) or read[-1])
    result = run("fiches", "--single", "--type", "Stratégie", "-o", "outputs/fiches.docx")
    assert result.exit_code == 0, result.output
    written = verify.document_text((project / "outputs" / "fiches.docx").read_bytes())
    assert read == [written]
    assert "Première page : Perspectives Urbaines et Sociales" in written
    assert "Pied : Perspectives Urbaines et Sociales — Fiches références" in written


def test_a_template_replaced_at_the_same_path_is_checked_with_its_own_tags(project, run):
    """One process (the web page runs for hours) builds with templates/fiches.docx, then the bid
    team replaces it by one that leaves the client out: the content check asks the new
    template's fields only, and still catches what it loses."""
    first = [["{%p for r in references %}"], ["{{ r.titre }} — {{ r.maitre_ouvrage }}"], ["{%p endfor %}"]]
    second = [["{%p for r in references %}"], ["{{ r.titre }}"], ["{%p endfor %}"]]
    truncated = [["{%p for r in references %}"], ["{{ r.titre[:5] }}"], ["{%p endfor %}"]]
    for paragraphs, code in ((first, 0), (second, 0), (truncated, 3)):
        make_template(project / "templates" / "fiches.docx", paragraphs)
        result = run("fiches", "--single", "--type", "Stratégie", "-o", "outputs/fiches.docx")
        assert result.exit_code == code, result.output
    assert "champ « titre ») manque dans le document produit" in result.output
