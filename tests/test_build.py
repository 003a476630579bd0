"""The main job: `dossier build --type "Stratégie"` on the shipped library."""

from __future__ import annotations

from docx import Document

from conftest import docx_text
from generator.library.formatting import typeset

NNBSP = "\u202f"
NBSP = "\u00a0"
STRATEGIE = [
    "2021-mission-appui-relative-equipements-publics-marseillais",
    "2018-amo-coordination-montage-operationnel-financier-12",
]


def test_build_strategie_writes_both_missions_with_every_field(project, run):
    result = run("build", "--type", "Stratégie", "--date", "2026-11-24")
    assert result.exit_code == 0, result.output
    path = project / "outputs" / "dossier-candidature.docx"
    assert f"Écrit : outputs/dossier-candidature.docx" in result.output
    text = docx_text(path)
    # 000 — Est Ensemble, as written in the seed
    assert "AMO en vue de la coordination et du montage opérationnel et financier des 12 NPRU d’Est Ensemble" in text
    assert "Est Ensemble" in text
    assert "2018\u2060–\u20602021" in text  # French typography at render time: ’, a period that never breaks
    assert f"99{NNBSP}685{NBSP}€{NBSP}HT" in text
    assert "Valérie Embize, Ludovic Quintana" in text
    assert "Perspectives Urbaines et Sociales, Philippe Basseti, FCL" in text
    # 002 — ANRU, amount with no HT/TTC stated stays unstated
    assert "Mission d’appui relative aux équipements publics Marseillais dans le cadre du NPNRU" in text
    assert "ANRU, DDT, AMP, Ville de Marseille" in text
    assert f"43{NNBSP}850{NBSP}€" in text.split("\n")
    assert f"43{NNBSP}850{NBSP}€{NBSP}HT" not in text
    # every bullet of both contenus, without the ▶ markers
    for bullet in (
        "Mise en place d'un « management de projet participatif » visant à mobiliser les acteurs et à concentrer les énergies pour déterminer l'intérêt général.",
        "Créer un dialogue entre les équipes techniques de la Ville et de la Métropole.",
        "Acter le besoin de recruter un ou deux coordinateurs au sein des équipes de la Ville afin d'accompagner la mise en œuvre opérationnelle.",
    ):
        assert typeset(bullet) in text  # « ’ » and no-break spaces inside « », the YAML unchanged
    assert "▶" not in text
    # the other missions are not in
    assert "Neuilly-sur-Marne" not in text
    assert "Hénin" not in text


def test_build_has_real_styles_sections_and_grid(project, run):
    assert run("build", "--type", "strategie").exit_code == 0
    document = Document(str(project / "outputs" / "dossier-candidature.docx"))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    h1 = [t for s, t in headings if s == "Heading 1"]
    assert h1 == ["Présentation du cabinet", "Moyens humains", "Tableau des références", "Composantes des références", "Fiches références"]
    h2 = [t for s, t in headings if s == "Heading 2"]
    assert "Mission d’appui relative aux équipements publics Marseillais dans le cadre du NPNRU" in h2
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert len([b for b in bullets if b.startswith(("Stabiliser", "Initier", "Créer", "Acter"))]) == 5
    # the 12-box grid of 002: every composante, ticked as the data says
    text = docx_text(project / "outputs" / "dossier-candidature.docx")
    assert "☒" in text and "Concertation" in text and "Gestion urbaine de proximité" in text
    # A4 portrait
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_reference_table_has_one_row_per_reference_and_repeats_its_header(project, run):
    assert run("build", "--type", "Stratégie").exit_code == 0
    document = Document(str(project / "outputs" / "dossier-candidature.docx"))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "N°")
    # the DC2 list (arrêté du 22 mars 2019): one column per item, never a blank cell
    assert [c.text for c in table.rows[0].cells] == ["N°", "Objet de la mission", "Destinataire", "Public ou privé",
                                                     "Période", "Montant et base", "Rôle du cabinet",
                                                     "Attestation de bonne exécution"]
    assert len(table.rows) == 1 + 2
    assert table.rows[1].cells[2].text == "ANRU"
    assert table.rows[2].cells[4].text == "2018\u2060–\u20602021"
    assert all(cell.text.strip() for row in table.rows for cell in row.cells)
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")


def test_table_command_selects_strategie_case_and_accent_insensitively(project, run):
    result = run("table", "--type", "strategie")
    assert result.exit_code == 0, result.output
    document = Document(str(project / "outputs" / "tableau-references.docx"))
    rows = document.tables[0].rows
    assert [r.cells[2].text for r in rows[1:]] == ["ANRU", "Est Ensemble"]


def test_unknown_type_says_what_the_library_holds(project, run):
    result = run("build", "--type", "Strategie urbaine")
    assert result.exit_code == 1
    assert "aucun type ne contient « Strategie urbaine »" in result.output
    assert "« Stratégie et montage de projets »" in result.output
    assert not (project / "outputs" / "dossier-candidature.docx").exists()


def test_text_with_markup_characters_reaches_the_docx_intact(project, run):
    mission = project / "references" / "missions" / "2024-lieux.yaml"
    mission.write_text(
        "titre: Étude <Lieux> & Territoires \"quartiers\"\n"
        "maitre_ouvrage: Ville d'Ivry & <Co>\n"
        "type: Stratégie\n"
        "annees: 2024\n"
        "contenu:\n  - Ateliers <b>non gras</b> & {{ pas une variable }}\n",
        encoding="utf-8",
    )
    result = run("build", "--id", "2024-lieux")
    assert result.exit_code == 0, result.output
    text = docx_text(project / "outputs" / "dossier-candidature.docx")
    assert "Étude <Lieux> & Territoires \"quartiers\"" in text
    assert "Ville d’Ivry & <Co>" in text
    assert "Ateliers <b>non gras</b> & {{ pas une variable }}" in text


def test_fiches_one_file_per_mission_or_single(project, run):
    result = run("fiches", "--type", "Stratégie")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (project / "outputs" / "fiches").iterdir())
    assert files == sorted(f"fiche-{i}.docx" for i in STRATEGIE)
    result = run("fiches", "--single", "--type", "Stratégie")
    text = docx_text(project / "outputs" / "fiches-references.docx")
    assert text.count("Contenu de la mission") == 2


def test_same_inputs_give_identical_bytes(project, run):
    run("build", "--type", "Stratégie", "--date", "2026-11-24", "-o", "a.docx")
    run("build", "--type", "Stratégie", "--date", "2026-11-24", "-o", "b.docx")
    assert (project / "a.docx").read_bytes() == (project / "b.docx").read_bytes()


def test_bad_yaml_names_file_line_and_field_and_writes_nothing(project, run):
    (project / "outputs").mkdir()
    previous = project / "outputs" / "dossier-candidature.docx"
    previous.write_bytes(b"previous")
    bad = project / "references" / "missions" / "2020-bad.yaml"
    bad.write_text("titre: Mission\nannees: 2020\nmontant:\n  - valeur: douze\nmaitre_ouvrag: Ville\n", encoding="utf-8")
    result = run("build", "--type", "Stratégie")
    assert result.exit_code == 2
    assert "references/missions/2020-bad.yaml:4: champ 'montant[1].valeur' : nombre attendu, trouvé « douze »" in result.output
    assert "references/missions/2020-bad.yaml:5: champ 'maitre_ouvrag' : champ inconnu « maitre_ouvrag » ; vouliez-vous dire « maitre_ouvrage » ?" in result.output
    assert "Traceback" not in result.output
    assert previous.read_bytes() == b"previous"
