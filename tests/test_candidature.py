"""The whole candidature: firm data, pieces and their validity, DC1 / DC2 / DC4, the pack."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from generator.library.pieces import EXPIRED, EXPIRES, MISSING, VALID, load_pieces, status_at
from tests.conftest import docx_text

TODAY = "2026-11-24"

CABINET = """\
nom: Perspectives Urbaines et Sociales
sigle: PUS
forme_juridique: SARL
siret: 732 829 320 00074
adresse: 12 rue des Lilas, 93100 Montreuil
telephone: 01 23 45 67 89
email: contact@pus.example
signataire:
  nom: Valérie Embize
  qualite: Gérante
pme: oui
chiffres_affaires:
  - {annee: 2025, montant: 610000, part_domaine: 540000}
  - {annee: 2024, montant: 580000, part_domaine: 500000}
  - {annee: 2023, montant: 550000, part_domaine: 480000}
effectifs:
  - {annee: 2025, total: 8, encadrement: 3}
  - {annee: 2024, total: 7, encadrement: 3}
  - {annee: 2023, total: 7, encadrement: 2}
assurance: {assureur: MAF, police: "123456", valide_jusqu_au: 2027-12-31}
"""

MEMBER = """\
nom: Tracés Urbains
sigle: TU
forme_juridique: SAS
siret: '35600000000048'
adresse: 3 place Carnot, 69002 Lyon
"""

BID = """\
titre: AMO gestion urbaine de proximité
acheteur: Ville de Bondy
numero_consultation: 2027-AMO-014
date_limite: 2027-01-15
lots:
  - "1 : Diagnostic et charte de GUP"
  - "2 : Animation et suivi"
lots_repondus: [1]
besoin: gestion urbaine de proximité, concertation des habitants
montant_marche: 120000
groupement:
  forme: conjoint
  mandataire: PUS
  mandataire_solidaire: oui
  prestations_cabinet: Diagnostic, concertation, charte GUP
  membres:
    - fichier: traces/cabinet.yaml
      prestations: Diagnostic urbain et cartographie
sous_traitants:
  - nom: Atelier Photo Ville
    siret: '73282932000074'
    adresse: 5 rue Haute, 75011 Paris
    forme_juridique: EURL
    prestations: Reportage photographique des diagnostics en marchant
    montant: 8000
    duree_mois: 6
pieces_demandees: [dc1, dc2, dc4, kbis, urssaf, fiscale, assurance]
"""


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_piece(root: Path, name: str, text: str, pdf: bool = True) -> None:
    folder = root / "references" / "pieces"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    if pdf:
        (folder / f"{name}.pdf").write_bytes(pdf_bytes())


@pytest.fixture
def tender(project):
    """A groupement (PUS mandataire, Tracés Urbains from its own file) with one subcontractor;
    the library has one expired piece (URSSAF) and one missing (fiscal)."""
    (project / "references" / "cabinet.yaml").write_text(CABINET, encoding="utf-8")
    (project / "traces").mkdir()
    (project / "traces" / "cabinet.yaml").write_text(MEMBER, encoding="utf-8")
    (project / "appel.yaml").write_text(BID, encoding="utf-8")
    add_piece(project, "kbis", "type: kbis\nfichier: kbis.pdf\ndate_emission: 2026-11-02\n")
    add_piece(project, "urssaf", "type: urssaf\nfichier: urssaf.pdf\ndate_emission: 2026-03-10\n")
    add_piece(project, "assurance", "type: RC pro\nfichier: assurance.pdf\ndate_emission: 2026-01-05\n"
                                     "valide_jusqu_au: 2027-12-31\n")
    return project


def complete_member(project: Path) -> None:
    (project / "traces" / "cabinet.yaml").write_text(MEMBER + """\
email: contact@traces.example
telephone: 04 00 00 00 00
signataire: {nom: Jean Tracé, qualite: Président}
pme: oui
assurance: {assureur: SMABTP, police: A-77, valide_jusqu_au: 2027-06-30}
chiffres_affaires:
  - {annee: 2025, montant: 300000, part_domaine: 100000}
  - {annee: 2024, montant: 280000, part_domaine: 90000}
  - {annee: 2023, montant: 260000, part_domaine: 80000}
effectifs:
  - {annee: 2025, total: 4, encadrement: 1}
  - {annee: 2024, total: 4, encadrement: 1}
  - {annee: 2023, total: 3, encadrement: 1}
""", encoding="utf-8")
    bid = (project / "appel.yaml").read_text(encoding="utf-8")
    bid = bid.replace("    duree_mois: 6\n", "    duree_mois: 6\n    email: atelier@photo.example\n"
                      "    telephone: 01 11 11 11 11\n    representant: Ana Photo, gérante\n    pme: oui\n")
    (project / "appel.yaml").write_text(bid, encoding="utf-8")


def renew_pieces(project: Path) -> None:
    add_piece(project, "urssaf", "type: urssaf\nfichier: urssaf.pdf\ndate_emission: 2026-11-20\n")
    add_piece(project, "fiscale", "type: attestation fiscale\nfichier: fiscale.pdf\ndate_emission: 2026-04-12\n"
                                  "valide_jusqu_au: 2027-04-11\n")


# --- pieces and their validity -------------------------------------------------------------------

def _status(project, text: str, deadline: date) -> str:
    add_piece(project, "p", text)
    pieces, problems = load_pieces(project / "references", date(2026, 11, 24))
    assert problems == []
    return status_at(pieces, pieces[0].key, deadline, date(2026, 11, 24))


def test_urssaf_is_valid_six_months_to_the_day_before(project):
    # Issued 15 July 2026: valid until 14 January 2027 included.
    text = "type: urssaf\nfichier: p.pdf\ndate_emission: 2026-07-15\n"
    assert _status(project, text, date(2027, 1, 14)).status == VALID  # expires the day of the deadline
    assert _status(project, text, date(2027, 1, 15)).status == EXPIRES  # the deadline is the day after
    assert _status(project, text, date(2027, 1, 15)).until == date(2027, 1, 14)


def test_a_piece_already_out_of_date_is_expired_and_a_fiscal_one_lasts_its_year(project):
    assert _status(project, "type: urssaf\nfichier: p.pdf\ndate_emission: 2026-05-23\n",
                   date(2027, 1, 15)).status == EXPIRED  # ended 22 November, before today
    fiscal = _status(project, "type: fiscale\nfichier: p.pdf\ndate_emission: 2026-02-01\n", date(2026, 12, 31))
    assert (fiscal.status, fiscal.until) == (VALID, date(2026, 12, 31))
    override = _status(project, "type: kbis\nfichier: p.pdf\ndate_emission: 2026-11-01\nvalide_jusqu_au: 2026-12-01\n",
                       date(2027, 1, 15))
    assert (override.status, override.until) == (EXPIRES, date(2026, 12, 1))


def test_pieces_lists_each_requested_kind_with_its_state_in_french(tender, run):
    result = run("pieces", "--bid", "appel.yaml", "--date", TODAY)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "15 janvier 2027" in out
    assert "Extrait Kbis" in out and "valide" in out
    assert "expirée" in out and "9 septembre 2026" in out
    assert "manquante" in out


def test_pieces_final_refuses_the_expired_and_the_missing_then_passes_once_renewed(tender, run):
    result = run("pieces", "--bid", "appel.yaml", "--date", TODAY, "--final")
    assert result.exit_code == 2
    assert "references/pieces/urssaf.yaml:3: Attestation de vigilance URSSAF : expirée" in result.output
    assert "Attestation de régularité fiscale : manquante" in result.output
    assert "Kbis" not in result.output.split("Erreur")[-1]
    renew_pieces(tender)
    assert run("pieces", "--bid", "appel.yaml", "--date", TODAY, "--final").exit_code == 0


@pytest.mark.parametrize("text, pdf, message", [
    ("type: kbis\nfichier: p.pdf\ndate_emission: 2026-12-02\n", True, "p.yaml:3: champ 'date_emission' : date d'émission 02/12/2026 dans le futur"),
    ("type: kbis\nfichier: absent.pdf\ndate_emission: 2026-11-02\n", False, "p.yaml:2: champ 'fichier' : fichier « absent.pdf » introuvable"),
    ("type: kbis\nfichier: p.yaml\ndate_emission: 2026-11-02\n", False, "p.yaml:2: champ 'fichier' : « p.yaml » n'est pas un PDF"),
    ("type: assurance\nfichier: p.pdf\ndate_emission: 2026-11-02\n", True, "champ 'valide_jusqu_au'"),
])
def test_a_bad_piece_is_named_with_its_file_and_line(tender, run, text, pdf, message):
    add_piece(tender, "p", text, pdf=pdf)
    result = run("pieces", "--bid", "appel.yaml", "--date", TODAY, "--final")
    assert result.exit_code == 2
    assert message in result.output


# --- bad input in the firm and the bid ------------------------------------------------------------

def test_a_siret_that_fails_its_checksum_is_an_error_with_its_line(tender, run):
    text = CABINET.replace("732 829 320 00074", "732 829 320 00075")
    (tender / "references" / "cabinet.yaml").write_text(text, encoding="utf-8")
    result = run("check", "--date", TODAY)
    assert result.exit_code == 2
    assert "cabinet.yaml:4: champ 'siret' : SIRET « 732 829 320 00075 » invalide (clé de contrôle fausse)" in result.output


def test_a_groupement_without_mandataire_is_refused_with_its_line(tender, run):
    bid = BID.replace("  mandataire: PUS\n", "")
    (tender / "appel.yaml").write_text(bid, encoding="utf-8")
    result = run("formulaires", "--bid", "appel.yaml", "--date", TODAY)
    assert result.exit_code == 2
    assert "appel.yaml:11: champ 'groupement' : groupement sans mandataire" in result.output
    assert not (tender / "outputs").exists()


def test_a_mandataire_who_is_no_member_is_refused(tender, run):
    (tender / "appel.yaml").write_text(BID.replace("mandataire: PUS", "mandataire: XYZ"), encoding="utf-8")
    result = run("formulaires", "--bid", "appel.yaml", "--date", TODAY)
    assert result.exit_code == 2
    assert "appel.yaml:13: champ 'mandataire' : « XYZ » n'est ni le cabinet ni un membre du groupement" in result.output


def test_a_subcontractor_amount_above_the_tenders_is_refused(tender, run):
    (tender / "appel.yaml").write_text(BID.replace("montant: 8000", "montant: 180000"), encoding="utf-8")
    result = run("formulaires", "--bid", "appel.yaml", "--date", TODAY)
    assert result.exit_code == 2
    assert "appel.yaml:25: champ 'montant' : Atelier Photo Ville : 180\u202f000\u00a0€ sous-traités, plus que le montant" in result.output


# --- the forms, read back ------------------------------------------------------------------------

def _tables(path: Path) -> dict[str, str]:
    """Every « libellé | valeur » row of the form's tables (the last value wins)."""
    rows = {}
    for table in Document(str(path)).tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) == 2:
                rows.setdefault(cells[0], []).append(cells[1])
    return rows


def test_dc1_holds_the_buyer_the_lot_the_groupement_and_each_members_data(tender, run):
    result = run("formulaires", "--bid", "appel.yaml", "--date", TODAY)
    assert result.exit_code == 0, result.output
    folder = tender / "outputs" / "formulaires"
    assert sorted(p.name for p in folder.iterdir()) == ["DC1.docx", "DC2-pus.docx", "DC2-tu.docx",
                                                         "DC4-atelier-photo-ville.docx"]
    text = docx_text(folder / "DC1.docx")
    headings = [p.text for p in Document(str(folder / "DC1.docx")).paragraphs if p.style.name == "Heading 1"]
    assert [h[0] for h in headings] == list("ABCDEFG")
    assert "☒  au(x) lot(s) suivant(s) : n° 1" in text and "☐  à tous les lots de la consultation" in text
    assert "☒  Groupement conjoint" in text and "☐  Le candidat se présente seul." in text
    assert "Perspectives Urbaines et Sociales — mandataire" in text and "Tracés Urbains — co-traitant" in text
    rows = _tables(folder / "DC1.docx")
    assert rows["Acheteur"] == ["Ville de Bondy"]
    assert rows["Numéro de la consultation"] == ["2027-AMO-014"]
    assert rows["Numéro SIRET"] == ["732 829 320 00074", "356 000 000 00048"]
    assert rows["Forme juridique"] == ["SARL", "SAS"]
    assert rows["Prestations exécutées"] == ["Diagnostic, concertation, charte GUP", "Diagnostic urbain et cartographie"]
    assert rows["Adresse électronique"] == ["contact@pus.example", "à compléter"]  # the member's file has none
    assert rows["Mandataire"] == ["Perspectives Urbaines et Sociales"]
    assert "☒  En cas de groupement conjoint, le mandataire est solidaire" in text
    signatures = next(t for t in Document(str(folder / "DC1.docx")).tables if "signataire" in t.rows[0].cells[0].text)
    assert [r.cells[0].text.split("\n") for r in signatures.rows[1:]] == [
        ["Valérie Embize, Gérante", "Perspectives Urbaines et Sociales"], ["à compléter", "Tracés Urbains"]]


def test_dc2_one_per_member_with_turnover_staff_insurance_and_references(tender, run):
    run("formulaires", "--bid", "appel.yaml", "--date", TODAY)
    folder = tender / "outputs" / "formulaires"
    ours = Document(str(folder / "DC2-pus.docx"))
    headings = [p.text[0] for p in ours.paragraphs if p.style.name == "Heading 1"]
    assert headings == list("ABCDEFGH")
    turnover = next(t for t in ours.tables if t.rows[0].cells[0].text == "Exercice")
    assert [[c.text for c in r.cells] for r in turnover.rows[1:]] == [
        ["2025", "610\u202f000\u00a0€", "540\u202f000\u00a0€"],
        ["2024", "580\u202f000\u00a0€", "500\u202f000\u00a0€"],
        ["2023", "550\u202f000\u00a0€", "480\u202f000\u00a0€"],
    ]
    staff = next(t for t in ours.tables if t.rows[0].cells[0].text == "Année")
    assert [c.text for c in staff.rows[1].cells] == ["2025", "8", "3"]
    rows = _tables(folder / "DC2-pus.docx")
    assert rows["Micro, petite ou moyenne entreprise"] == ["oui"]
    assert rows["Valable jusqu'au"] == ["31 décembre 2027"]
    text = docx_text(folder / "DC2-pus.docx")
    assert "Principales prestations de services" in text and "Atelier Photo Ville : Reportage" in text
    theirs = docx_text(folder / "DC2-tu.docx")
    assert "Tracés Urbains" in theirs and "Principales prestations de services" not in theirs
    assert _tables(folder / "DC2-tu.docx")["Micro, petite ou moyenne entreprise"] == ["à compléter"]


def test_dc4_for_the_subcontractor(tender, run):
    run("formulaires", "--bid", "appel.yaml", "--date", TODAY)
    path = tender / "outputs" / "formulaires" / "DC4-atelier-photo-ville.docx"
    headings = [p.text[0] for p in Document(str(path)).paragraphs if p.style.name == "Heading 1"]
    assert headings == list("ABCDEFGHIJKL")
    rows = _tables(path)
    assert rows["Nature des prestations sous-traitées"] == ["Reportage photographique des diagnostics en marchant"]
    assert rows["Montant maximum des sommes à verser"] == ["8\u202f000\u00a0€"]
    assert rows["Durée du contrat de sous-traitance (mois)"] == ["6"]
    assert rows["Numéro SIRET"][-1] == "732 829 320 00074"
    assert rows["Groupement"] == ["conjoint, mandataire : Perspectives Urbaines et Sociales"]
    assert "☒  Le présent document est un document annexé à l'offre" in docx_text(path)


def test_forms_final_refuses_missing_firm_data_then_writes(tender, run):
    renew_pieces(tender)
    result = run("formulaires", "--bid", "appel.yaml", "--date", TODAY, "--final")
    assert result.exit_code == 2
    assert "traces/cabinet.yaml:1: avertissement : champ 'email' : TU : courriel à compléter" in result.output
    assert "sous-traitant Atelier Photo Ville : courriel à compléter (DC4)" in result.output
    assert not (tender / "outputs").exists()
    complete_member(tender)
    result = run("formulaires", "--bid", "appel.yaml", "--date", TODAY, "--final")
    assert result.exit_code == 0, result.output
    assert "à compléter" not in docx_text(tender / "outputs" / "formulaires" / "DC2-tu.docx")


def test_the_form_templates_are_checked_and_exported_like_the_others(tender, run):
    for name in ("dc1", "dc2", "dc4"):
        assert run("templates", "export", name, "-o", f"mine-{name}.docx").exit_code == 0
        result = run("templates", "check", f"mine-{name}.docx", "--kind", name)
        assert result.exit_code == 0, result.output


# --- the pack ------------------------------------------------------------------------------------

def test_pack_writes_the_folder_its_zip_and_a_bordereau_with_what_is_missing(tender, run):
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf")
    assert result.exit_code == 0, result.output
    folder = tender / "outputs" / "2027-AMO-014"
    assert sorted(p.name for p in folder.iterdir()) == [
        "00_Bordereau.txt", "01_DC1_PUS.docx", "02_DC2_PUS.docx", "03_DC2_TU.docx",
        "04_DC4_Atelier-Photo-Ville.docx", "05_Kbis_PUS.pdf", "06_URSSAF_PUS.pdf", "07_Assurance-RC_PUS.pdf",
    ]
    bordereau = (folder / "00_Bordereau.txt").read_text(encoding="utf-8")
    assert "Consultation : AMO gestion urbaine de proximité (n° 2027-AMO-014)" in bordereau
    assert "Lettre de candidature (DC1) : 01_DC1_PUS.docx" in bordereau
    assert "Déclaration du candidat (DC2) : 02_DC2_PUS.docx, 03_DC2_TU.docx" in bordereau
    assert "Attestation de vigilance URSSAF : 06_URSSAF_PUS.pdf — expirée" in bordereau
    assert "Attestation de régularité fiscale : MANQUANT" in bordereau
    archive = tender / "outputs" / "2027-AMO-014.zip"
    names = zipfile.ZipFile(archive).namelist()
    assert names == sorted(f"2027-AMO-014/{p.name}" for p in folder.iterdir())
    first = archive.read_bytes()
    assert run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf").exit_code == 0
    assert archive.read_bytes() == first  # same inputs, same bytes


def test_pack_final_refuses_for_the_right_reasons_and_writes_nothing_then_passes(tender, run):
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf", "--final")
    assert result.exit_code == 2
    assert "Attestation de vigilance URSSAF : expirée" in result.output
    assert "Attestation de régularité fiscale : manquante" in result.output
    assert not (tender / "outputs").exists()
    renew_pieces(tender)
    complete_member(tender)
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf", "--final")
    assert result.exit_code == 0, result.output
    bordereau = (tender / "outputs" / "2027-AMO-014" / "00_Bordereau.txt").read_text(encoding="utf-8")
    assert "MANQUANT" not in bordereau and "expirée" not in bordereau


def test_pack_final_with_the_dossier_refuses_what_build_final_refuses(tender, run):
    """A pack holding the dossier is no more final than `build --final` on the same references."""
    renew_pieces(tender)
    complete_member(tender)
    bid = (tender / "appel.yaml").read_text(encoding="utf-8")
    (tender / "appel.yaml").write_text(bid.replace("pieces_demandees: [dc1, dc2, dc4,", "pieces_demandees: [dc1, dossier,"),
                                       encoding="utf-8")
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf", "--final")
    assert result.exit_code == 2, result.output
    assert "champ 'nature_client' : client public ou privé à préciser" in result.output
    assert not (tender / "outputs").exists()
    build = run("build", "--bid", "appel.yaml", "--date", TODAY, "--final")
    assert build.exit_code == 2
    for line in build.output.splitlines():
        if "champ 'nature_client'" in line:
            assert line.strip() in result.output


def test_pack_naming_pattern_and_merged_attestations(tender, run):
    mission = next((tender / "references" / "missions").glob("2021-*.yaml"))
    (tender / "references" / "attestations").mkdir()
    (tender / "references" / "attestations" / "marseille.pdf").write_bytes(pdf_bytes())
    mission.write_text(mission.read_text(encoding="utf-8") + "attestation:\n  fichier: attestations/marseille.pdf\n"
                       "  date: 2022-03-01\n", encoding="utf-8")
    bid = BID.replace("pieces_demandees: [dc1, dc2, dc4, kbis, urssaf, fiscale, assurance]",
                      "pieces_demandees: [dc1, attestations]\nnommage: \"{sigle}-{piece}-{numero}\"\n"
                      "inclure: [2021-mission-appui-relative-equipements-publics-marseillais]\nnombre_references: 1")
    (tender / "appel.yaml").write_text(bid, encoding="utf-8")
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf")
    assert result.exit_code == 0, result.output
    folder = tender / "outputs" / "2027-AMO-014"
    assert sorted(p.name for p in folder.iterdir()) == [
        "00_Bordereau.txt", "PUS-Attestations-bonne-execution-2.pdf", "PUS-DC1-1.docx"]
    from pypdf import PdfReader

    assert len(PdfReader(str(folder / "PUS-Attestations-bonne-execution-2.pdf")).pages) == 1


def test_check_warns_of_a_recent_public_reference_without_attestation_and_a_missing_file(tender, run):
    mission = next((tender / "references" / "missions").glob("2021-*.yaml"))
    original = mission.read_text(encoding="utf-8")
    mission.write_text(original + "nature_client: public\n", encoding="utf-8")
    result = run("check", "--date", "2023-06-01")
    assert "référence publique récente sans attestation de bonne exécution" in result.output
    mission.write_text(original + "nature_client: public\nattestation:\n  fichier: attestations/x.pdf\n",
                       encoding="utf-8")
    result = run("check", "--date", "2023-06-01")
    assert result.exit_code == 2
    assert "champ 'attestation' : attestation de bonne exécution « attestations/x.pdf » introuvable" in result.output


def test_check_reports_a_bad_piece(tender, run):
    add_piece(tender, "p", "type: kbis\nfichier: absent.pdf\ndate_emission: 2026-11-02\n", pdf=False)
    result = run("check", "--date", TODAY)
    assert result.exit_code == 2
    assert "references/pieces/p.yaml:2: champ 'fichier' : fichier « absent.pdf » introuvable" in result.output


# --- with LibreOffice: the PDFs of the pack ---------------------------------------------------------

needs_libreoffice = pytest.mark.skipif(
    __import__("shutil").which("soffice") is None, reason="LibreOffice (soffice) requis pour l'export PDF")


def _pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages]


@needs_libreoffice
def test_pack_with_pdfs_each_form_page_by_page_and_the_same_zip_twice(tender, run):
    renew_pieces(tender)
    complete_member(tender)
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--final")
    assert result.exit_code == 0, result.output
    folder = tender / "outputs" / "2027-AMO-014"
    names = sorted(p.name for p in folder.iterdir())
    for stem in ("01_DC1_PUS", "02_DC2_PUS", "03_DC2_TU", "04_DC4_Atelier-Photo-Ville"):
        assert f"{stem}.docx" in names and f"{stem}.pdf" in names
    dc1 = _pages(folder / "01_DC1_PUS.pdf")
    assert len(dc1) >= 2
    assert "LETTRE DE CANDIDATURE" in dc1[0] and "A - Identification de l'acheteur" in dc1[0]
    assert "Ville de Bondy" in dc1[0] and "☒ Groupement conjoint" in dc1[0]
    whole = " ".join(dc1)
    for heading in ("E - Identification du candidat", "F - Engagements", "G - Désignation du mandataire"):
        assert heading in whole
    assert "à compléter" not in whole
    assert all(f"page {i} / {len(dc1)}" in page for i, page in enumerate(dc1, 1))  # the footer on every page
    dc4 = " ".join(_pages(folder / "04_DC4_Atelier-Photo-Ville.pdf"))
    assert "L - Acceptation et agrément" in dc4 and "732 829 320 00074" in dc4
    bordereau = (folder / "00_Bordereau.txt").read_text(encoding="utf-8")
    assert "Lettre de candidature (DC1) : 01_DC1_PUS.docx, 01_DC1_PUS.pdf" in bordereau
    archive = tender / "outputs" / "2027-AMO-014.zip"
    first = archive.read_bytes()
    assert run("pack", "--bid", "appel.yaml", "--date", TODAY, "--final").exit_code == 0
    assert archive.read_bytes() == first


@needs_libreoffice
def test_build_annexes_pdf_ends_with_the_attestations(tender, run):
    mission = next((tender / "references" / "missions").glob("2021-*.yaml"))
    before = run("build", "--id", mission.stem, "--date", TODAY, "--pdf", "--annexes")
    assert before.exit_code == 0, before.output
    pages = len(_pages(tender / "outputs" / "dossier-candidature.pdf"))
    (tender / "references" / "attestations").mkdir()
    (tender / "references" / "attestations" / "marseille.pdf").write_bytes(pdf_bytes())
    mission.write_text(mission.read_text(encoding="utf-8") + "attestation:\n  fichier: attestations/marseille.pdf\n"
                       "  date: 2022-03-01\n  signataire: Jeanne Martin, DGS\n", encoding="utf-8")
    result = run("build", "--id", mission.stem, "--date", TODAY, "--pdf", "--annexes")
    assert result.exit_code == 0, result.output
    assert "Attestations de bonne exécution ajoutées" in result.output
    after = _pages(tender / "outputs" / "dossier-candidature.pdf")
    assert len(after) == pages + 1 and after[-1] == ""  # the attestation (a blank page here) comes last
    text = docx_text(tender / "outputs" / "dossier-candidature.docx")
    assert "Oui, du 1er mars 2022, signée par Jeanne Martin, DGS" in text  # its column of the table


def test_pack_never_replaces_a_folder_it_did_not_make_nor_writes_into_the_library(tender, run):
    mine = tender / "outputs" / "2027-AMO-014"
    mine.mkdir(parents=True)
    (mine / "RC.pdf").write_bytes(pdf_bytes())
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf")
    assert result.exit_code == 4
    assert "n'a pas été préparé par dossier pack" in result.output
    assert [p.name for p in mine.iterdir()] == ["RC.pdf"]
    result = run("pack", "--bid", "appel.yaml", "--date", TODAY, "--sans-pdf", "-o", "references")
    assert result.exit_code == 4
    assert not (tender / "references" / "2027-AMO-014").exists()
