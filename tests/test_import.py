"""`dossier import`: the firm's fiches (text exports and Word files) become library YAML.

Expectations for the seeds are written from reading the seed text; the other fiches
are written by the tests themselves.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml

from conftest import ROOT, SEEDS, docx_text
from generator.importing.importer import parse_annees, parse_montants
from generator.library.loader import load_library
from generator.library.models import Mission
from generator.library.yamlio import read_yaml

NBSP = "\u00a0"
NNBSP = "\u202f"
SEED = {n: next(SEEDS.glob(f"{n:03d}_*.txt")) for n in range(5)}


@pytest.fixture
def library(tmp_path, monkeypatch) -> Path:
    """An empty library of the firm (its cabinet.yaml only), templates beside it."""
    (tmp_path / "references").mkdir()
    shutil.copy(ROOT / "references" / "cabinet.yaml", tmp_path / "references" / "cabinet.yaml")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path / "references"


def imported(library: Path, kind: str = "missions") -> dict[str, dict]:
    """Every file of a library folder, as the data the YAML reader returns."""
    return {p.stem: read_yaml(p).data for p in sorted((library / kind).glob("*.yaml"))}


def only(library: Path, kind: str = "missions") -> dict:
    files = imported(library, kind)
    assert len(files) == 1, files.keys()
    return next(iter(files.values()))


# --- the seeds, field by field ------------------------------------------------------------------

def test_seed_000_recent_layout(library, run):
    result = run("import", str(SEED[0]), "--into", "references")
    assert result.exit_code == 0, result.output
    files = imported(library)
    assert list(files) == ["2018-amo-coordination-montage-operationnel-financier-12"]
    data = files["2018-amo-coordination-montage-operationnel-financier-12"]
    assert data["titre"] == "AMO en vue de la coordination et du montage opérationnel et financier des 12 NPRU d'Est Ensemble"
    assert data["maitre_ouvrage"] == "Est Ensemble"
    assert data["type"] == "Stratégie et montage de projets"
    assert data["annees"] == {"debut": "2018", "fin": "2021"}
    assert data["directeur"] == "Valérie Embize"
    assert data["equipe"] == [{"nom": "Perspectives Urbaines et Sociales"}, {"nom": "Philippe Basseti"}, {"nom": "FCL"}]
    assert data["consultants"] == ["Valérie Embize", "Ludovic Quintana"]
    assert data["montant"] == [{"valeur": "99685", "taxe": "HT"}]
    # labelled but empty in the fiche: present and empty, not invented
    for key in ("cout_projet", "programme", "acteurs", "composantes"):
        assert key in data and data[key] is None
    assert "referent" not in data and "source" not in data
    enjeux = data["enjeux"].split("\n\n")
    assert len(enjeux) == 2
    assert enjeux[0].startswith("Depuis 2016 (loi NOTRe), la communauté d'agglomération Est Ensemble")
    assert enjeux[1].rstrip().endswith("à des espaces publics peu qualitatifs...")
    assert data["contenu"][0] == ("Mise en place d'un « management de projet participatif » visant à mobiliser "
                                  "les acteurs et à concentrer les énergies pour déterminer l'intérêt général.")
    assert data["contenu"][1].startswith("Apport d'une vision globale")
    assert len(data["contenu"]) == 4
    assert not any("▶" in item or item.startswith("-") for item in data["contenu"])


def test_seed_001_sections_before_fields_and_the_firm_name_kept_whole(library, run):
    result = run("import", str(SEED[1]), "--into", "references")
    assert result.exit_code == 0, result.output
    data = only(library)
    assert data["titre"] == "AMO pour la mise en place de la concertation via la création de la Maison du projet ANRU"
    assert data["maitre_ouvrage"] == "Ville de Neuilly-sur-Marne"
    assert data["type"] == "Accompagnement social"
    assert data["annees"] == {"debut": "2017"}
    assert data["directeur"] == "Claudia Romero"
    # "Perspectives Urbaines et Sociales et Résonance Urbaine": the firm's own " et " is not a split
    assert data["equipe"] == [{"nom": "Perspectives Urbaines et Sociales"}, {"nom": "Résonance Urbaine"}]
    assert data["acteurs"] == ["Ville de Neuilly-sur-Marne", "SOVAL", "Seine Saint Denis Habitat", "ICF la Sablière",
                               "France Habitation", "Efidis", "etc."]
    assert data["consultants"] == ["Claudia Romero", "Chloé Etori"]
    # "29 340 € (TF)": tranche ferme, HT/TTC unknown
    assert data["montant"] == [{"valeur": "29340", "tranche": "ferme"}]
    # the whole grid listed without its ticks: unknown, never « all 12 done »
    assert data["composantes_a_confirmer"] == "oui" and "composantes" not in data
    assert data["contenu"] == [
        "Définition de la stratégie de concertation (diagnostic et stratégie de concertation)",
        "Modalités de mise en oeuvre de cette stratégie : définition des besoins pour mettre en oeuvre la "
        "stratégie de concertation, évaluation de la démarche",
        "Accompagnement pour l'inauguration de la maison de projet",
    ]
    assert data["enjeux"].count("\n\n") == 1
    assert "« co-construction »" in data["enjeux"]
    # the report says what was unsure
    assert "Coordination inter chantiers" in result.output
    assert "sans ses coches" in result.output
    assert "ni HT ni TTC" in result.output


def test_seed_002_certification_stands_for_concertation(library, run):
    result = run("import", str(SEED[2]), "--into", "references")
    assert result.exit_code == 0, result.output
    data = only(library)
    assert data["maitre_ouvrage"] == "ANRU"
    assert data["annees"] == {"debut": "2021"}
    assert data["equipe"] == [{"nom": "Perspectives Urbaines et Sociales"}]
    assert data["acteurs"] == ["ANRU", "DDT", "AMP", "Ville de Marseille"]
    assert data["consultants"] == ["Valérie Embize"]
    assert data["montant"] == [{"valeur": "43850"}]  # "43 850 €": never assumed HT
    assert data["composantes_a_confirmer"] == "oui" and "composantes" not in data
    assert len(data["contenu"]) == 5
    assert data["contenu"][2] == "Créer un dialogue entre les équipes techniques de la Ville et de la Métropole."
    assert "« Certification » lue comme « Concertation »" in result.output


def test_seed_003_older_layout(library, run):
    result = run("import", str(SEED[3]), "--into", "references")
    assert result.exit_code == 0, result.output
    files = imported(library)
    assert list(files) == ["2013-etude-definition-projet-urbain-social-sud"]
    data = files["2013-etude-definition-projet-urbain-social-sud"]
    assert data["titre"] == ("Etude de définition du projet urbain et social du Sud-Ouest de l'agglomération "
                             "en vue de l'ANRU 2")
    # the labelled field wins over the client line under the title
    assert data["maitre_ouvrage"] == "CA d'Hénin Carvin (CAHC)"
    assert data["type"] == "Montage de projet"
    assert data["annees"] == {"debut": "2013"}
    assert data["sites"] == ["ZAC des deux Villes", "Quartier Kennedy", "Quartier Macé-Darcy",
                             "Quartier de la Plaine du 7", "Quartier Nouméa(ZUS)",
                             "Quartier La Parisienne et habitat ancien dégradé"]
    assert data["equipe"] == [{"nom": "Tracés urbains", "role": "mandataire"},
                              {"nom": "Perspectives Urbaines et Sociales"}, {"nom": "SPIRE"}, {"nom": "Lucie Melas"}]
    assert data["referent"] == "Claudia Romero"
    assert data["acteurs"][0] == "CA d'Hénin Carvin" and data["acteurs"][-1] == "etc."
    assert len(data["acteurs"]) == 9
    assert data["composantes_a_confirmer"] == "oui" and "composantes" not in data
    assert data["enjeux"].count("\n\n") == 2
    assert data["contenu"][-1] == "Montage du projet (financier et opérationnel)."
    assert data["source"] == "CCTP et dossier d'offre de la mission, CA d'Hénin-Carvin"
    assert "montant" not in data  # the 2013 layout has no amount: nothing invented
    assert "Insertion par l'act. économique" in result.output


def test_seed_004_is_a_work_sample(library, run):
    result = run("import", str(SEED[4]), "--into", "references")
    assert result.exit_code == 0, result.output
    assert imported(library) == {}
    files = imported(library, "productions")
    assert list(files) == ["fiche-2-1-5-se-donner-moyens-gestion-adaptee-quartiers"]
    data = files["fiche-2-1-5-se-donner-moyens-gestion-adaptee-quartiers"]
    assert data["titre"] == "SE DONNER LES MOYENS D’UNE GESTION ADAPTEE AUX QUARTIERS"
    assert data["numero"] == "2.1.5"
    assert data["nature"] == "Contrat de ville – Fiche orientation opérationnelle"
    assert data["entete"] == ["Pilier 2", "Axe 1"]
    titles = [s["titre"] for s in data["sections"]]
    assert titles == ["Enjeu", "Contexte", "Objectifs et dynamiques", "Réalisations attendues", "Effets attendus",
                      "Echelle Territoriale", "Animateur", "Partenaires mobilisables (dont habitants)",
                      "Dispositifs mobilisables", "Financements mobilisables", "Calendrier",
                      "indicateurs de réalisation", "Indicateurs d’effets",
                      "Liens autres enjeux / fiches « orientations opérationnelles »"]
    sections = {s["titre"]: s for s in data["sections"]}
    assert sections["Enjeu"]["paragraphes"] == [
        "Mettre en place des politiques efficientes de gestion des quartiers prioritaires, en adéquation avec "
        "les usages et favorisant le vivre ensemble et la participation des habitants"]
    contexte = sections["Contexte"]["puces"]
    assert len(contexte) == 5 and "paragraphes" not in sections["Contexte"]
    assert contexte[1].startswith("Une mise en œuvre progressive")  # "[bookmark: _Toc…]" removed
    assert sections["Effets attendus"]["puces"] == [
        "Faciliter l’appropriation par les habitants et les gestionnaires de l’évolution de leur environnement quotidien",
        "Pérenniser les investissements"]
    assert sections["Dispositifs mobilisables"]["paragraphes"] == [
        "Convention Gestion urbaine de proximité", "Charte locale d’abattement TFPB"]
    assert sections["Partenaires mobilisables (dont habitants)"]["paragraphes"][0].startswith(f"Les partenaires{NBSP}: centres")
    assert sections["Calendrier"]["paragraphes"] == ["Au fil de l’eau"]
    assert len(sections["Indicateurs d’effets"]["puces"]) == 2
    assert sections["Liens autres enjeux / fiches « orientations opérationnelles »"]["paragraphes"] == [
        f"2.1.6 FAVORISER L’IMPLICATION DES HABITANTS DANS L’AMELIORATION DE LEUR CADRE DE VIE ET LE «{NBSP}MIEUX VIVRE ENSEMBLE{NBSP}»"]
    written = library / "productions" / "fiche-2-1-5-se-donner-moyens-gestion-adaptee-quartiers.yaml"
    assert "bookmark" not in written.read_text(encoding="utf-8")


# --- the shipped library is what import produces ----------------------------------------------

def test_importing_the_seeds_reproduces_the_shipped_library(library, run):
    result = run("import", *map(str, SEED.values()), "--into", "references")
    assert result.exit_code == 0, result.output
    for kind in ("missions", "productions"):
        shipped = {p.stem: read_yaml(p).data for p in (ROOT / "references" / kind).glob("*.yaml")}
        assert imported(library, kind) == shipped, kind
    # and the models the rest of the tool works with are equal too
    ours, theirs = load_library(library), load_library(ROOT / "references")
    assert not ours.errors
    assert sorted(ours.missions, key=lambda m: m.id) == sorted(theirs.missions, key=lambda m: m.id)
    assert ours.productions == theirs.productions


def test_shipped_mission_names_follow_the_id_rule():
    from generator.library.ids import mission_id

    for path in (ROOT / "references" / "missions").glob("*.yaml"):
        data = Mission.model_validate(read_yaml(path).data).model_dump(exclude_defaults=True)
        data["annees"] = {"debut": data["annees"]["debut"]}
        assert mission_id(data) == path.stem


# --- re-import, dry run, overwrite ------------------------------------------------------------

def test_reimport_is_recognised_and_nothing_is_overwritten_without_overwrite(library, run):
    assert run("import", str(SEED[2]), "--into", "references").exit_code == 0
    path = library / "missions" / "2021-mission-appui-relative-equipements-publics-marseillais.yaml"
    again = run("import", str(SEED[2]), "--into", "references")
    assert again.exit_code == 0
    assert "déjà importée, identique" in again.output
    # the user completed the file by hand: a re-import keeps their work
    edited = path.read_text(encoding="utf-8").replace("montant:\n  - valeur: 43850\n", "montant:\n  - valeur: 43850\n    taxe: HT\n")
    path.write_text(edited, encoding="utf-8")
    kept = run("import", str(SEED[2]), "--into", "references")
    assert "déjà importée, différente" in kept.output and "--overwrite" in kept.output
    assert path.read_text(encoding="utf-8") == edited
    assert len(list((library / "missions").glob("*.yaml"))) == 1
    replaced = run("import", str(SEED[2]), "--into", "references", "--overwrite")
    assert "remplacée" in replaced.output
    assert "taxe: HT" not in path.read_text(encoding="utf-8")


def test_dry_run_writes_nothing(library, run):
    result = run("import", str(SEED[0]), str(SEED[4]), "--into", "references", "--dry-run")
    assert result.exit_code == 0
    assert "serait créée" in result.output
    assert not (library / "missions").exists() and not (library / "productions").exists()


def test_same_fiche_twice_in_one_import_is_written_once(library, run, tmp_path):
    copy = tmp_path / "copie.txt"
    shutil.copy(SEED[1], copy)
    result = run("import", str(SEED[1]), str(copy), "--into", "references")
    assert result.exit_code == 0
    assert "même fiche que" in result.output
    assert len(imported(library)) == 1


# --- encodings, layouts and values of other firms' fiches ----------------------------------------

CP1252_FICHE = (
    "Diagnostic social du quartier des Tilleuls\r\n"
    "\r\n"
    "Ville de Bondy\r\n"
    "\r\n"
    "Type de mission : Diagnostic\r\n"
    "Maître d'ouvrage : Ville de Bondy\r\n"
    "Années : 2019 – 2022\r\n"
    "Equipe : Perspectives Urbaines et Sociales (mandataire), Atelier Ville & Paysage (cotraitant)\r\n"
    "Consultants mobilisés : Claudia Romero et Chloé Etori\r\n"
    "Montant de la mission : TF : 20\u00a0000 € HT ; TO : 5\u00a0000 € HT\r\n"
    "Surface : 12 ha\r\n"
    "Composantes de la mission :\r\n"
    "☒ Conseil stratégique\r\n"
    "☐ Etudes urbaines\r\n"
    "☒ Cohésion sociale\r\n"
    "☐ Concertation\r\n"
    "\r\n"
    "Enjeux de la mission\r\n"
    "Le quartier des Tilleuls concentre 40 % de logements sociaux.\r\n"
    "\r\n"
    "Contenu de la mission\r\n"
    "- Entretiens avec les habitants\r\n"
    "- Restitution publique\r\n"
)


def test_cp1252_crlf_fiche_with_ticks_tranches_and_an_unknown_label(library, run, tmp_path):
    # cp1252 has no ☒/☐: those lines are written with [x] / [ ] as Windows exports do
    text = CP1252_FICHE.replace("☒", "[x]").replace("☐", "[ ]")
    source = tmp_path / "tilleuls.txt"
    source.write_bytes(text.encode("cp1252"))
    assert b"\x80" in source.read_bytes()  # the euro sign, Windows style
    result = run("import", str(source), "--into", "references")
    assert result.exit_code == 0, result.output
    assert "texte cp1252" in result.output
    files = imported(library)
    assert list(files) == ["2019-diagnostic-social-quartier-tilleuls"]
    data = files["2019-diagnostic-social-quartier-tilleuls"]
    assert data["maitre_ouvrage"] == "Ville de Bondy"
    assert data["annees"] == {"debut": "2019", "fin": "2022"}
    assert data["equipe"] == [{"nom": "Perspectives Urbaines et Sociales", "role": "mandataire"},
                              {"nom": "Atelier Ville & Paysage", "role": "cotraitant"}]
    assert data["consultants"] == ["Claudia Romero", "Chloé Etori"]
    assert data["montant"] == [{"valeur": "20000", "taxe": "HT", "tranche": "ferme"},
                               {"valeur": "5000", "taxe": "HT", "tranche": "optionnelle"}]
    assert data["composantes"] == ["Conseil stratégique", "Cohésion sociale"]
    assert data["contenu"] == ["Entretiens avec les habitants", "Restitution publique"]
    raw = (library / "missions" / "2019-diagnostic-social-quartier-tilleuls.yaml").read_text(encoding="utf-8")
    assert "Ã" not in raw and "\r" not in raw
    # the unknown label is reported and kept in the file, not lost
    assert "libellé inconnu « Surface »" in result.output
    assert "# Non importé (à vérifier) : Surface : 12 ha" in raw
    assert "jamais additionnés" in result.output
    assert not load_library(library).errors


def test_utf8_bom_and_utf8_are_named_in_the_report(library, run, tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + CP1252_FICHE.encode("utf-8"))
    result = run("import", str(bom), "--into", "references", "--dry-run")
    assert result.exit_code == 0
    assert "texte utf-8-sig" in result.output


@pytest.mark.parametrize("text, expected", [
    ("2018 - 2021", {"debut": 2018, "fin": 2021}),
    ("2018-2021", {"debut": 2018, "fin": 2021}),
    ("2018 – 2021", {"debut": 2018, "fin": 2021}),
    ("2017", {"debut": 2017}),
    ("2022 - en cours", {"debut": 2022, "en_cours": True}),
    ("depuis 2022", {"debut": 2022, "en_cours": True}),
    ("2018-21", {"debut": 2018, "fin": 2021}),
])
def test_years(text, expected):
    assert parse_annees(text)[0] == expected


def test_years_en_cours_alone_stays_empty_with_a_warning():
    value, warning = parse_annees("en cours")
    assert value is None and "année de début absente" in warning


@pytest.mark.parametrize("text, expected", [
    ("99 685 € HT", [{"valeur": 99685, "taxe": "HT"}]),
    ("29 340 € (TF)", [{"valeur": 29340, "tranche": "ferme"}]),
    ("43 850 €", [{"valeur": 43850}]),
    (f"99{NBSP}685{NBSP}€ TTC", [{"valeur": 99685, "taxe": "TTC"}]),
    ("20 000 € HT (TF) + 5 000 € HT (TO)",
     [{"valeur": 20000, "taxe": "HT", "tranche": "ferme"}, {"valeur": 5000, "taxe": "HT", "tranche": "optionnelle"}]),
    ("Tranche ferme : 12 500 €, tranche optionnelle : 3 000 €",
     [{"valeur": 12500, "tranche": "ferme"}, {"valeur": 3000, "tranche": "optionnelle"}]),
    ("45 k€ HT", [{"valeur": 45000, "taxe": "HT"}]),
    ("12 millions d’euros HT", [{"valeur": 12000000, "taxe": "HT"}]),
    ("99 685,50 €", [{"valeur": 99685.5}]),
    ("99 685 € HT (part PUS : 45 000 € HT)",
     [{"valeur": 99685, "taxe": "HT"}, {"valeur": 45000, "taxe": "HT", "perimetre": "cabinet"}]),
    ("montant total du groupement : 120 000 € HT", [{"valeur": 120000, "taxe": "HT", "perimetre": "groupement"}]),
    ("accord-cadre, maximum 200 000 € HT", [{"valeur": 200000, "taxe": "HT", "maximum": True}]),
    ("12 000 € H.T. (tranche 2)", [{"valeur": 12000, "taxe": "HT", "libelle": "tranche 2"}]),
])
def test_amounts(text, expected):
    assert parse_montants(text, firm_names=["Perspectives Urbaines et Sociales", "PUS"]) == expected


def test_all_empty_fiche_imports_title_and_client_and_is_marked_incomplete(library, run, tmp_path):
    source = tmp_path / "vide.txt"
    source.write_text(
        "Etude urbaine du centre-bourg\n\nCommune de Saint-Pierre\n\n"
        "Type de mission:\n\nMaître d'ouvrage:\n\nAnnée:\n\nEquipe:\n\nConsultants mobilisés:\n\n"
        "Montant de la mission:\n\nComposantes de la mission:\n\nEnjeux de la mission\n\nContenu de la mission\n",
        encoding="utf-8")
    result = run("import", str(source), "--into", "references")
    assert result.exit_code == 0, result.output
    assert "incomplète" in result.output
    data = only(library)
    assert data["titre"] == "Etude urbaine du centre-bourg"
    assert data["maitre_ouvrage"] == "Commune de Saint-Pierre"
    for key in ("type", "annees", "equipe", "consultants", "montant", "composantes", "enjeux", "contenu"):
        assert data[key] is None, key
    raw = next((library / "missions").glob("*.yaml")).read_text(encoding="utf-8")
    assert raw.splitlines()[1] == "# Fiche incomplète : à compléter : type, annees, montant, enjeux, contenu"
    assert not load_library(library).errors


# --- Word fiches -------------------------------------------------------------------------------

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


def _checkbox(paragraph, ticked: bool) -> None:
    """A Word check-box content control at the start of the paragraph."""
    sdt = parse_xml(
        f'<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w14="{W14}">'
        f'<w:sdtPr><w14:checkbox><w14:checked w14:val="{1 if ticked else 0}"/></w14:checkbox></w:sdtPr>'
        f'<w:sdtContent><w:r><w:t>{"☒" if ticked else "☐"}</w:t></w:r></w:sdtContent></w:sdt>'
    )
    paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, sdt)


def write_word_fiche(path: Path) -> None:
    document = Document()
    document.add_paragraph("Accompagnement du NPNRU de Clichy-sous-Bois", style="Title")
    document.add_paragraph("Ville de Clichy-sous-Bois")
    table = document.add_table(rows=0, cols=2)
    rows = [
        ("Type de mission", "Stratégie et montage de projets"),
        ("Maître d'ouvrage", "Grand Paris Grand Est"),
        ("Années", "2020 – en cours"),
        ("Equipe", "Perspectives Urbaines et Sociales (mandataire), Ville Ouverte (cotraitant)"),
        ("Montant", "TF : 62 000 € HT\nTO : 18 500 € HT"),
        ("Coût du projet", "120 M€ HT"),
        ("Directeur de mission", "Valérie Embize"),
        ("Référent", "Claudia Romero"),
        ("Programme", "Démolition de 300 logements, 450 reconstitutions"),
        ("Sites", "Bas-Clichy, Chêne Pointu"),
        ("Acteurs", "ANRU, EPFIF, Ville de Clichy-sous-Bois, etc."),
        ("Source", "Acte d'engagement"),
    ]
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
    consultants = table.add_row().cells
    consultants[0].text = "Consultants mobilisés :"
    consultants[1].paragraphs[0].add_run("Valérie Embize")
    consultants[1].paragraphs[0].add_run().add_break()
    consultants[1].paragraphs[0].add_run("Ludovic Quintana")
    composantes = table.add_row().cells
    composantes[0].text = "Composantes"
    cell = composantes[1]
    for i, (name, ticked) in enumerate([("Conseil stratégique", True), ("Etudes urbaines", False),
                                        ("Coordination inter chantiers", True), ("Concertation", False)]):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.add_run(f" {name}")
        _checkbox(paragraph, ticked)
    document.add_paragraph("Enjeux de la mission", style="Heading 2")
    document.add_paragraph("Le quartier du Bas-Clichy fait l'objet d'une ORCOD-IN.")
    document.add_paragraph("La ville engage un projet de renouvellement d'ensemble.")
    document.add_paragraph("Contenu de la mission", style="Heading 2")
    document.add_paragraph("Pilotage stratégique du projet", style="List Bullet")
    document.add_paragraph("Montage financier de la convention ANRU", style="List Bullet")
    document.add_paragraph("Grille des composantes (en fin de fiche, sans objet ici)")
    document.save(str(path))


def test_word_fiche_with_table_check_boxes_and_bullets(library, run, tmp_path):
    source = tmp_path / "clichy.docx"
    write_word_fiche(source)
    result = run("import", str(source), "--into", "references")
    assert result.exit_code == 0, result.output
    assert "Word (.docx)" in result.output
    files = imported(library)
    assert list(files) == ["2020-accompagnement-npnru-clichy-sous-bois"]
    data = files["2020-accompagnement-npnru-clichy-sous-bois"]
    assert data["titre"] == "Accompagnement du NPNRU de Clichy-sous-Bois"
    assert data["maitre_ouvrage"] == "Grand Paris Grand Est"
    assert data["type"] == "Stratégie et montage de projets"
    assert data["annees"] == {"debut": "2020", "en_cours": "true"}
    assert data["equipe"] == [{"nom": "Perspectives Urbaines et Sociales", "role": "mandataire"},
                              {"nom": "Ville Ouverte", "role": "cotraitant"}]
    assert data["consultants"] == ["Valérie Embize", "Ludovic Quintana"]
    assert data["montant"] == [{"valeur": "62000", "taxe": "HT", "tranche": "ferme"},
                               {"valeur": "18500", "taxe": "HT", "tranche": "optionnelle"}]
    assert data["composantes"] == ["Conseil stratégique", "Coordination inter-chantiers"]
    assert data["cout_projet"] == [{"valeur": "120000000", "taxe": "HT"}]
    assert data["directeur"] == "Valérie Embize" and data["referent"] == "Claudia Romero"
    assert data["programme"] == "Démolition de 300 logements, 450 reconstitutions"
    assert data["sites"] == ["Bas-Clichy", "Chêne Pointu"]
    assert data["acteurs"] == ["ANRU", "EPFIF", "Ville de Clichy-sous-Bois", "etc."]
    assert data["source"] == "Acte d'engagement"
    assert data["enjeux"] == ("Le quartier du Bas-Clichy fait l'objet d'une ORCOD-IN.\n\n"
                              "La ville engage un projet de renouvellement d'ensemble.\n")
    assert data["contenu"][:2] == ["Pilotage stratégique du projet", "Montage financier de la convention ANRU"]
    assert "« Coordination inter chantiers » lue comme" in result.output
    assert not load_library(library).errors


def test_round_trip_import_then_build_contains_every_field(library, run, tmp_path):
    source = tmp_path / "clichy.docx"
    write_word_fiche(source)
    assert run("import", str(source), str(SEED[3]), "--into", "references").exit_code == 0
    ids = sorted(p.stem for p in (library / "missions").glob("*.yaml"))
    args = ["build", "-r", "references", "--date", "2026-11-24", "-o", "outputs/out.docx"]
    for ident in ids:
        args += ["--id", ident]
    result = run(*args)
    assert result.exit_code == 0, result.output
    from generator.library.formatting import typeset

    text = docx_text(library.parent / "outputs" / "out.docx")
    for mission in load_library(library).missions:
        for value in (mission.titre, mission.maitre_ouvrage, mission.type, mission.directeur, mission.referent,
                      mission.source, mission.programme, *mission.consultants, *mission.acteurs, *mission.sites, *mission.contenu,
                      *(m.nom for m in mission.equipe), *mission.enjeux.split("\n\n")):
            if value:
                assert typeset(value.strip()) in text, value
        for name in mission.composantes:
            assert f"☒\n{name}" in text
    assert "2020\u2060\u2013\u2060en\u00a0cours" in text
    assert f"62{NNBSP}000{NBSP}€{NBSP}HT (tranche ferme)" in text
    assert f"18{NNBSP}500{NBSP}€{NBSP}HT (tranche optionnelle)" in text
    assert f"120{NNBSP}000{NNBSP}000{NBSP}€{NBSP}HT" in text
    assert "Tracés urbains (mandataire)" in text


# --- bad input --------------------------------------------------------------------------------

def test_bad_files_each_get_one_french_line_and_the_others_are_imported(library, run, tmp_path):
    bad = {
        "vide.txt": b"",
        "image.txt": bytes(range(256)) * 4,
        # OLE containers: an old Word document, and the encrypted package of a protected .docx
        "ancien.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "WordDocument".encode("utf-16-le"),
        "protege.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "EncryptedPackage".encode("utf-16-le"),
        "abime.docx": b"PK\x03\x04" + b"\x00" * 50,
        "lettre.txt": "Madame, Monsieur,\n\nVeuillez trouver ci-joint notre offre.\n".encode(),
    }
    paths = []
    for name, content in bad.items():
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    result = run("import", *paths, str(SEED[2]), "--into", "references")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    messages = {line.split(": ", 1)[0].rsplit("/", 1)[-1]: line for line in result.output.splitlines()
                if re.match(r"^\S+\.\w+: ", line)}
    assert "fichier vide" in messages["vide.txt"]
    assert "binaire" in messages["image.txt"]
    assert "ancien format Word (.doc)" in messages["ancien.doc"]
    assert "mot de passe" in messages["protege.docx"]
    assert "endommagé" in messages["abime.docx"]
    assert "pas une fiche référence" in messages["lettre.txt"]
    assert "6 fichiers sur 7 non importés" in result.output
    assert list(imported(library)) == ["2021-mission-appui-relative-equipements-publics-marseillais"]


def test_import_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "### `dossier import`" in readme


# --- the same fiches saved from Word give the same records ------------------------------------------

_BULLET_LINE = re.compile(r"^(?:- |■\t)(.*)$")
_FIELD_LINE = re.compile(r"^([A-Za-zÀ-ÿ' ]+?)\s*:\s*(.*)$")


def seed_as_word(seed: Path, target: Path, table: bool) -> None:
    """The seed as its author typed it in Word: one paragraph per line, real bullets, and with
    `table` the labelled fields in a two-column label | value table."""
    document = Document()
    rows = None
    for line in seed.read_text(encoding="utf-8").split("\n"):
        bullet, field_ = _BULLET_LINE.match(line), _FIELD_LINE.match(line)
        if table and field_ and not bullet:
            rows = rows or document.add_table(rows=0, cols=2)
            cells = rows.add_row().cells
            cells[0].text, cells[1].text = field_.group(1), field_.group(2)
        elif bullet and rows is not None and rows.rows[-1].cells[0].text.startswith("Composantes"):
            rows.rows[-1].cells[1].add_paragraph(bullet.group(1), style="List Bullet")
        elif bullet:
            document.add_paragraph(bullet.group(1), style="List Bullet")
        else:
            if line.strip():
                rows = None
            document.add_paragraph(line)
    document.save(str(target))


@pytest.mark.parametrize("number", [0, 1, 2, 3])
@pytest.mark.parametrize("table", [False, True], ids=["paragraphes", "tableau"])
def test_seed_saved_from_word_imports_to_the_same_mission(library, run, tmp_path, number, table):
    source = tmp_path / f"fiche-{number}.docx"
    seed_as_word(SEED[number], source, table)
    assert run("import", str(source), "--into", "references").exit_code == 0
    shipped = {p.stem: read_yaml(p).data for p in (ROOT / "references" / "missions").glob("*.yaml")}
    ((ident, data),) = imported(library).items()
    assert data == shipped[ident]


def test_cp1252_crlf_export_of_a_seed_imports_to_the_same_mission(library, run, tmp_path):
    source = tmp_path / "fiche.txt"
    source.write_bytes(SEED[1].read_text(encoding="utf-8").replace("▶ ", "").replace("\n", "\r\n").encode("cp1252"))
    result = run("import", str(source), "--into", "references")
    assert "texte cp1252" in result.output
    shipped = read_yaml(ROOT / "references" / "missions" / "2017-amo-mise-place-concertation-via-creation.yaml").data
    assert only(library) == shipped


def test_word_work_sample_in_a_table_with_its_kind_in_the_footer(library, run, tmp_path):
    document = Document()
    document.add_paragraph("FICHE 3.2")
    document.add_paragraph("FAVORISER L’INSERTION DES JEUNES")
    table = document.add_table(rows=0, cols=2)
    first = table.add_row().cells
    first[0].text = "Pilier 3"
    first[0].add_paragraph("Axe 2")
    first[1].text = f"Enjeu{NBSP}:{NBSP}Rapprocher les jeunes de l’emploi"
    contexte = table.add_row().cells
    contexte[0].text = "Contexte"
    contexte[1].paragraphs[0].text = "Un chômage des jeunes élevé"
    contexte[1].paragraphs[0].style = "List Bullet"
    contexte[1].add_paragraph("Des acteurs nombreux", style="List Bullet")
    calendrier = table.add_row().cells
    calendrier[0].text = "Calendrier"
    calendrier[1].text = "2016-2020"
    footer = document.sections[0].footer
    footer.paragraphs[0].text = "Contrat de ville"
    footer.add_paragraph("Fiche orientation opérationnelle")
    source = tmp_path / "fiche-3-2.docx"
    document.save(str(source))
    assert run("import", str(source), "--into", "references").exit_code == 0
    data = only(library, "productions")
    assert data["titre"] == "FAVORISER L’INSERTION DES JEUNES" and data["numero"] == "3.2"
    assert data["nature"] == "Contrat de ville – Fiche orientation opérationnelle"
    assert data["entete"] == ["Pilier 3", "Axe 2"]
    assert data["sections"] == [
        {"titre": "Enjeu", "paragraphes": ["Rapprocher les jeunes de l’emploi"]},
        {"titre": "Contexte", "puces": ["Un chômage des jeunes élevé", "Des acteurs nombreux"]},
        {"titre": "Calendrier", "paragraphes": ["2016-2020"]},
    ]
    assert list(imported(library, "productions")) == ["fiche-3-2-favoriser-insertion-jeunes"]
    assert not load_library(library).errors


def test_legacy_form_check_boxes_in_a_text_box(library, run, tmp_path):
    """Old fiches tick their composantes with FORMCHECKBOX fields, inside a floating text box."""
    document = Document()
    document.add_paragraph("Diagnostic du quartier du Luth")
    document.add_paragraph("Ville de Gennevilliers")
    document.add_paragraph("Type de mission: Diagnostic")
    anchor = document.add_paragraph("Composantes de la mission:")

    def box(ticked: bool, name: str) -> str:
        checked = "<w:checked/>" if ticked else ""
        return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:sizeAuto/>'
                f'<w:default w:val="0"/>{checked}</w:checkBox></w:ffData></w:fldChar></w:r>'
                f'<w:r><w:instrText> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
                f'<w:r><w:t xml:space="preserve"> {name}</w:t></w:r></w:p>')

    anchor._p.append(parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wps:txbx><w:txbxContent>'
        + box(True, "Conseil stratégique") + box(False, "Planification") + box(True, "Cohésion sociale")
        + '</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>'
        '<w:txbxContent><w:p><w:r><w:t>Copie VML</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape>'
        '</w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    source = tmp_path / "luth.docx"
    document.save(str(source))
    assert run("import", str(source), "--into", "references").exit_code == 0
    data = only(library)
    assert data["composantes"] == ["Conseil stratégique", "Cohésion sociale"]
    assert "Copie VML" not in str(data)


def test_team_listed_by_role_and_stray_text_kept_aside(library, run, tmp_path):
    source = tmp_path / "roles.txt"
    source.write_text(
        "Etude de peuplement du quartier du Plateau\n\nVille de Creil\n\n"
        "Type de mission : Etude\n\nMandataire : Tracés urbains\n\n"
        "Co-traitants : Perspectives Urbaines et Sociales, SPIRE\n\nAnnées : 2015\n\n"
        "Source : CCTP\n\nPUS - 12 rue de Paris - 75011 Paris\n", encoding="utf-8")
    result = run("import", str(source), "--into", "references")
    assert result.exit_code == 0, result.output
    data = only(library)
    assert data["equipe"] == [{"nom": "Tracés urbains", "role": "mandataire"},
                              {"nom": "Perspectives Urbaines et Sociales", "role": "cotraitant"},
                              {"nom": "SPIRE", "role": "cotraitant"}]
    assert data["source"] == "CCTP"
    assert "texte isolé après « Source »" in result.output
    raw = next((library / "missions").glob("*.yaml")).read_text(encoding="utf-8")
    assert "# Non importé (à vérifier) : PUS - 12 rue de Paris - 75011 Paris" in raw


def test_2013_grid_with_filled_and_empty_squares_keeps_the_filled_ones(library, run, tmp_path):
    source = tmp_path / "grille.txt"
    source.write_text(
        "Etude de gestion urbaine du quartier Kennedy\n\nVille d'Hénin-Beaumont\n\n"
        "Type de mission : Etude\n\nAnnées : 2012 - 2013\n\nComposantes de la mission :\n\n"
        "■\tConseil stratégique\n□\tEtudes urbaines\n■\tGestion urbaine de proximité\n□\tConcertation\n"
        "■\tGouvernance locale\n", encoding="utf-8")
    result = run("import", str(source), "--into", "references")
    assert result.exit_code == 0, result.output
    data = only(library)
    assert data["composantes"] == ["Conseil stratégique", "Gestion urbaine de proximité"]
    # a term outside the grid is neither dropped silently nor guessed
    assert "composante non reconnue « Gouvernance locale »" in result.output
    raw = next((library / "missions").glob("*.yaml")).read_text(encoding="utf-8")
    assert "# Non importé (à vérifier) : Composante : Gouvernance locale" in raw


@pytest.mark.parametrize("client_apart", [True, False], ids=["titre-sur-deux-lignes", "titre-puis-client"])
def test_manual_line_break_in_the_heading_of_a_word_fiche(library, run, tmp_path, client_apart):
    document = Document()
    heading = document.add_paragraph("Etude urbaine du quartier")
    heading.add_run().add_break()
    heading.add_run("des Tilleuls" if client_apart else "Ville de Bondy")
    if client_apart:
        document.add_paragraph("Ville de Bondy")
    document.add_paragraph("Type de mission : Etude")
    source = tmp_path / "tilleuls.docx"
    document.save(str(source))
    assert run("import", str(source), "--into", "references").exit_code == 0
    data = only(library)
    assert data["titre"] == ("Etude urbaine du quartier des Tilleuls" if client_apart else "Etude urbaine du quartier")
    assert data["maitre_ouvrage"] == "Ville de Bondy"


def test_boxes_typed_in_wingdings_are_read_as_boxes(library, run, tmp_path):
    document = Document()
    document.add_paragraph("Etude de programmation des équipements")
    document.add_paragraph("Ville de Sevran")
    document.add_paragraph("Composantes de la mission :")
    for glyph, name in (("þ", "Conseil stratégique"), ("¨", "Planification"), ("x", "Concertation")):
        paragraph = document.add_paragraph()
        paragraph.add_run(glyph).font.name = "Wingdings"
        paragraph.add_run(f" {name}")
    source = tmp_path / "sevran.docx"
    document.save(str(source))
    assert run("import", str(source), "--into", "references").exit_code == 0
    assert only(library)["composantes"] == ["Conseil stratégique", "Concertation"]


def test_reproducible_into_a_bare_directory_without_cabinet(tmp_path, monkeypatch, run):
    """No cabinet.yaml to name the firm: « Perspectives Urbaines et Sociales » still stays whole."""
    monkeypatch.chdir(tmp_path)
    result = run("import", *map(str, SEED.values()), "--into", str(tmp_path / "essai"))
    assert result.exit_code == 0, result.output
    for kind in ("missions", "productions"):
        shipped = {p.stem: read_yaml(p).data for p in (ROOT / "references" / kind).glob("*.yaml")}
        assert imported(tmp_path / "essai", kind) == shipped, kind


def test_report_prints_brackets_of_the_fiche_as_written(library, run, tmp_path):
    source = tmp_path / "crochets.txt"
    source.write_text("Etude de la place [centre]\n\nVille de Bondy\n\nType de mission : Etude\n\n"
                      "Composantes : [x] Concertation, [ ] Planification\n\nNote [importante] : voir annexe\n",
                      encoding="utf-8")
    result = run("import", str(source), "--into", "references")
    assert result.exit_code == 0, result.output
    assert "libellé inconnu « Note [importante] »" in result.output
    assert only(library)["composantes"] == ["Concertation"]
