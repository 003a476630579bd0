"""`dossier import` on fiches of other missions: shapes a real export has that the seeds do not.

Each expectation is what a careful reader sees in the fiche the test writes.
"""

from __future__ import annotations

from pathlib import Path

from test_import import imported, library, only  # noqa: F401  (fixture)
from generator.library.vocabulary import fold


def test_team_with_roles_written_inside_the_value(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text(
        "Etude de relogement\n\nParis Habitat\n\nType de mission : Relogement\n\nAnnée : 2019\n\n"
        "Equipe : Mandataire : Perspectives Urbaines et Sociales ; Cotraitants : Le Frêne, Trajectoires\n",
        encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    assert only(library)["equipe"] == [
        {"nom": "Perspectives Urbaines et Sociales", "role": "mandataire"},
        {"nom": "Le Frêne", "role": "cotraitant"},
        {"nom": "Trajectoires", "role": "cotraitant"},
    ]


def test_typed_numbers_of_a_numbered_list_are_markers(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text(
        "Etude pré-opérationnelle OPAH-RU\n\nVille de Saint-Denis\n\nAnnée : 2020\n\nContenu de la mission\n\n"
        "1. Diagnostic multicritère\n2) Définition du périmètre\n3 - Programme d'actions\n"
        "• Animation des ateliers\n■ Rédaction de la convention\n",
        encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    assert only(library)["contenu"] == [
        "Diagnostic multicritère", "Définition du périmètre", "Programme d'actions", "Animation des ateliers",
        "Rédaction de la convention",
    ]


def test_text_after_a_ticked_grid_is_not_lost(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text(
        "Schéma directeur de la médiation\n\nMétropole Européenne de Lille\n\nAnnée : 2018\n\n"
        "Composantes de la mission :\n\n☒ Conseil stratégique ☐ Etudes urbaines\n☐ Planification ☒ Cohésion sociale\n\n"
        "Résultats obtenus\n\nUne charte signée par douze partenaires.\n",
        encoding="utf-8")
    result = run("import", str(fiche))
    assert result.exit_code == 0
    (path,) = (library / "missions").glob("*.yaml")
    assert only(library)["composantes"] == ["Conseil stratégique", "Cohésion sociale"]
    text = path.read_text(encoding="utf-8")
    assert "# Non importé (à vérifier) : Composantes : Résultats obtenus" in text
    assert "# Non importé (à vérifier) : Composantes : Une charte signée par douze partenaires" in text


def test_objectifs_heading_is_prose_of_the_enjeux(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Charte de relogement\n\nVille de Sevran\n\nAnnée : 2016\n\nObjectifs de la mission\n\n"
                     "Reloger 300 ménages dans de bonnes conditions.\n", encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    assert only(library)["enjeux"] == "Reloger 300 ménages dans de bonnes conditions.\n"


def test_ligature_oe_is_kept_in_the_id():
    assert fold("Mise en œuvre de la GUSP") == "mise en oeuvre de la gusp"


def test_amount_label_repeated_in_the_value_is_not_a_libelle(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Etude\n\nVille de Bondy\n\nAnnée : 2021\n\nMontant de la mission : Montant : 120 k€ TTC\n",
                     encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    assert only(library)["montant"] == [{"valeur": "120000", "taxe": "TTC"}]


def test_word_table_whose_value_is_a_composante_name_and_a_side_column(library, run, tmp_path):
    from docx import Document

    document = Document()
    document.add_paragraph("Accompagnement des conseils citoyens")
    document.add_paragraph("Ville de Sevran")
    table = document.add_table(rows=3, cols=3)
    for row, (label, value) in enumerate([("Type de mission", "Concertation"), ("Année", "2016"),
                                          ("Montant", "15 000 € HT")]):
        table.cell(row, 0).text, table.cell(row, 1).text = label, value
    table.cell(0, 2).merge(table.cell(2, 2)).text = "Photo du quartier"
    document.save(tmp_path / "fiche.docx")
    assert run("import", str(tmp_path / "fiche.docx")).exit_code == 0
    data = only(library)
    assert data["type"] == "Concertation"
    assert "composantes" not in data
    (path,) = (library / "missions").glob("*.yaml")
    assert "# Non importé (à vérifier) : Photo du quartier" in path.read_text(encoding="utf-8")


def test_labels_of_other_firms_fiches(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text(
        "MOUS relogement du quartier Bel Air\n\nMaître d'ouvrage :\nVille de Saint-Germain-en-Laye\n\n"
        "Date de la mission : 2016 - 2019\n\nLieu d'intervention : Quartier Bel Air\n\n"
        "Membres de l'équipe : Perspectives Urbaines et Sociales, Claudia Romero\n\n"
        "Montant : 3 x 10 000 € HT\n\nDescription\n\n▶ Enquête sociale\n",
        encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    data = only(library)
    assert data["titre"] == "MOUS relogement du quartier Bel Air"
    assert data["maitre_ouvrage"] == "Ville de Saint-Germain-en-Laye"
    assert data["annees"] == {"debut": "2016", "fin": "2019"}
    assert data["sites"] == ["Quartier Bel Air"]
    assert data["equipe"] == [{"nom": "Perspectives Urbaines et Sociales"}, {"nom": "Claudia Romero"}]
    # the « 3 x » is part of what the fiche says about the amount: never dropped
    assert data["montant"] == [{"valeur": "10000", "taxe": "HT", "libelle": "3 x"}]
    assert data["contenu"] == ["Enquête sociale"]


def test_numbered_optional_tranche():
    from generator.importing.importer import parse_montants

    assert parse_montants("15 000 € HT (TF) et 7 500 € HT (TO 2)") == [
        {"valeur": 15000, "taxe": "HT", "tranche": "ferme"},
        {"valeur": 7500, "taxe": "HT", "tranche": "optionnelle", "libelle": "n° 2"},
    ]


FICHE = "Etude de peuplement\n\nVille de Grigny\n\nType de mission : Étude\n\nAnnée : 2019\n\nMontant : 12 000 € HT\n"


def test_old_mac_export_is_read_without_mojibake(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_bytes(FICHE.replace("\n", "\r").encode("mac_roman"))
    result = run("import", str(fiche))
    assert result.exit_code == 0, result.output
    assert "texte mac_roman" in result.output
    data = only(library)
    assert (data["type"], data["annees"], data["montant"]) == ("Étude", {"debut": "2019"},
                                                               [{"valeur": "12000", "taxe": "HT"}])


def test_utf16_without_bom(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_bytes(FICHE.encode("utf-16-le"))
    result = run("import", str(fiche))
    assert result.exit_code == 0, result.output
    assert only(library)["type"] == "Étude"


def test_a_text_too_big_for_a_fiche_is_refused(library, run, tmp_path):
    fiche = tmp_path / "enorme.txt"
    fiche.write_text(FICHE + "Enjeux de la mission\n\n" + "Paragraphe sans fin. " * 120_000, encoding="utf-8")
    result = run("import", str(fiche))
    assert result.exit_code == 2
    assert any(line.endswith("enorme.txt: fichier texte trop volumineux pour une fiche (2,5 Mo ; au plus 2 Mo, "
                             "comme un fichier de la bibliothèque)") for line in result.output.splitlines())
    assert not (library / "missions").exists() or not list((library / "missions").iterdir())


def test_label_like_sentence_inside_the_enjeux_keeps_its_colon(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Accompagnement du NPNRU du Val Fourré\n\nVille de Mantes-la-Jolie\n\nEnjeux de la mission\n\n"
                     "Le quartier entre dans le NPNRU.\n\nObjectif : accompagner la ville.\n\nContexte : un PRU1 achevé.\n\n"
                     "Année: 2019\n", encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    assert only(library)["enjeux"] == ("Le quartier entre dans le NPNRU.\n\nObjectif : accompagner la ville.\n\n"
                                       "Contexte : un PRU1 achevé.\n")


def test_numbered_optional_tranches_written_to1_to2():
    from generator.importing.importer import parse_montants

    assert parse_montants("145 000 € HT (TF) + 30 000 € HT (TO1) + 25 000 € HT (TO2)") == [
        {"valeur": 145000, "taxe": "HT", "tranche": "ferme"},
        {"valeur": 30000, "taxe": "HT", "tranche": "optionnelle", "libelle": "n° 1"},
        {"valeur": 25000, "taxe": "HT", "tranche": "optionnelle", "libelle": "n° 2"},
    ]


def test_title_over_two_lines_of_a_text_export(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Etude urbaine et sociale du quartier\nGrand Ensemble des Mureaux\n\nVille des Mureaux\n\n"
                     "Type de mission : Etude\n\nAnnée : 2015\n", encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    data = only(library)
    assert data["titre"] == "Etude urbaine et sociale du quartier Grand Ensemble des Mureaux"
    assert data["maitre_ouvrage"] == "Ville des Mureaux"


def test_title_and_client_on_consecutive_lines(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Etude urbaine du quartier\nVille des Mureaux\n\nType de mission : Etude\n\nAnnée : 2015\n",
                     encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    data = only(library)
    assert (data["titre"], data["maitre_ouvrage"]) == ("Etude urbaine du quartier", "Ville des Mureaux")


def test_word_fiche_with_bold_labels_and_no_colon(library, run, tmp_path):
    from docx import Document

    document = Document()
    document.add_paragraph("Etude de gestion urbaine de proximité")
    document.add_paragraph("Ville de Pantin")
    for label, value in [("Type de mission", "Gestion urbaine"), ("Année", "2018"),
                         ("Montant de la mission", "22 000 € HT")]:
        paragraph = document.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(" " + value)
    paragraph = document.add_paragraph()
    paragraph.add_run("Le quartier").bold = True
    paragraph.add_run(" est hors champ.")
    document.save(tmp_path / "fiche.docx")
    assert run("import", str(tmp_path / "fiche.docx")).exit_code == 0
    data = only(library)
    assert (data["type"], data["annees"], data["montant"]) == (
        "Gestion urbaine", {"debut": "2018"}, [{"valeur": "22000", "taxe": "HT"}])


def test_special_files_are_refused_never_waited_on(library, run, tmp_path):
    import os

    os.mkfifo(tmp_path / "tube.txt")
    (tmp_path / "boucle.txt").symlink_to("boucle.txt")
    result = run("import", str(tmp_path / "tube.txt"), str(tmp_path / "boucle.txt"))
    assert result.exit_code == 2
    assert any(line.endswith("tube.txt: fichier spécial (tube, périphérique), pas un fichier ordinaire")
               for line in result.output.splitlines())
    assert any(line.endswith("boucle.txt: lecture impossible (lien symbolique qui boucle)")
               for line in result.output.splitlines())


def test_headings_saved_by_libreoffice_are_not_bullets(library, run, tmp_path):
    from docx import Document
    from docx.oxml import parse_xml

    document = Document()
    heading = document.styles["Heading 2"]
    # LibreOffice writes « no numbering » (numId 0) into every heading style it saves.
    heading.element.get_or_add_pPr().append(parse_xml(
        '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'))
    document.add_paragraph("Gestion urbaine et sociale de proximité")
    document.add_paragraph("Ville d'Aubervilliers")
    document.add_paragraph("Année : 2015")
    document.add_paragraph("Enjeux de la mission", style="Heading 2")
    document.add_paragraph("Premier paragraphe des enjeux.")
    document.add_paragraph("Contenu de la mission", style="Heading 2")
    document.add_paragraph("Diagnostic GUP", style="List Bullet")
    document.save(tmp_path / "fiche.docx")
    assert run("import", str(tmp_path / "fiche.docx")).exit_code == 0
    data = only(library)
    assert data["enjeux"] == "Premier paragraphe des enjeux.\n"
    assert data["contenu"] == ["Diagnostic GUP"]


def test_roles_after_a_dash_and_a_full_stop(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Etude\n\nVille de Bondy\n\nAnnée : 2021\n\n"
                     "Equipe : Perspectives Urbaines et Sociales (mandataire) – Cotraitant : Atelier X. "
                     "Sous-traitant : Y\n", encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    (path,) = (library / "missions").glob("*.yaml")
    assert "  - nom: Atelier X\n    role: cotraitant\n" in path.read_text(encoding="utf-8")
    assert only(library)["equipe"] == [
        {"nom": "Perspectives Urbaines et Sociales", "role": "mandataire"},
        {"nom": "Atelier X", "role": "cotraitant"},
        {"nom": "Y", "role": "sous-traitant"},
    ]


def test_a_share_in_percent_does_not_make_the_whole_the_firms_amount():
    from generator.importing.importer import parse_montants

    assert parse_montants("45 000 € HT (part PUS : 60 %)", None, ["PUS"]) == [
        {"valeur": 45000, "taxe": "HT", "libelle": "part PUS : 60 %"}]


def test_line_separators_of_a_pdf_copy_never_reach_the_yaml(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Etude\u0085du quartier\n\nVille de X\n\nAnnée : 2019\n\nEnjeux de la mission\n\n"
                     "Texte copié\u2028depuis un PDF.\n", encoding="utf-8")
    assert run("import", str(fiche)).exit_code == 0
    data = only(library)
    assert (data["titre"], data["enjeux"]) == ("Etude du quartier", "Texte copié depuis un PDF.\n")
    assert run("check").exit_code == 0


def test_windows_characters_read_as_latin1_and_stray_controls_are_repaired(library, run, tmp_path):
    fiche = tmp_path / "fiche.txt"
    fiche.write_text("Etude de l\u0092offre\x07 urbaine\n\nVille de X\n\nAnnée : 2019\n", encoding="utf-8")
    result = run("import", str(fiche))
    assert result.exit_code == 0
    assert only(library)["titre"] == "Etude de l’offre urbaine"
    assert run("check").exit_code == 0


def test_a_value_the_loader_refuses_is_set_aside_not_written():
    from generator.importing.importer import MISSIONS, Imported, _keep_valid

    result = Imported(Path("fiche.txt"), kind=MISSIONS,
                      record={"titre": "Etude", "maitre_ouvrage": "Ville", "source": "a {_{ b"})
    _keep_valid(result)
    assert result.record["source"] is None
    assert result.kept == ["source: a {_{ b"]
