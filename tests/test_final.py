"""What the buyer reads: nothing internal, French typography, the DC2 columns filled, and a
`--final` gate that refuses to write while anything is left to fill in."""

from __future__ import annotations

import base64
import re
import shutil
import zipfile
import subprocess

import pytest
from docx import Document

from conftest import docx_text

# What only the bid team may read: how the references were chosen and what is missing.
INTERNAL = ("antérieure", "score", "pertinence", "dernières années", "Références présentées", "critères",
            "Une ligne vide", "composantes non renseignées", "Note interne", "à supprimer avant",
            "toutes les références", "à compléter", "à confirmer", "[exemple]")

CABINET = """\
nom: Atelier Ville d'Ouest
sigle: AVO
site_web: www.avo.fr
date_creation: 2009
effectif: 6
forme_juridique: SARL
siret: 123 456 782 00002
adresse: 3 rue de l'Église, 44000 Nantes
telephone: 02 40 00 00 00
email: contact@avo.fr
representant: Anne Perrin, gérante
presentation: |
  L'atelier accompagne les collectivités dans leurs projets urbains : diagnostics, concertation et suivi.
"""

MISSIONS = {
    "2024-gup": """\
titre: Démarche de gestion urbaine de proximité à l'échelle de l'agglomération
maitre_ouvrage: Ville d'Angers
nature_client: public
contact:
  nom: Paul Leroy
  telephone: 02 41 00 00 00
type: Gestion urbaine de proximité
annees: 2024 - en cours
directeur: Anne Perrin
equipe:
  - nom: Atelier Ville d'Ouest
    role: mandataire
  - nom: BET Voirie
montant:
  - valeur: 45000
    taxe: HT
    perimetre: cabinet
composantes: [Gestion urbaine de proximité, Concertation]
attestation:
  date: mars 2025
enjeux: |
  La Ville souhaite coordonner l'action des bailleurs et des services : c'est l'enjeu de la charte.
contenu:
  - Diagnostics en marchant avec les habitants d'un quartier.
""",
    "2023-cdv": """\
titre: Évaluation du contrat de ville
maitre_ouvrage: Ville de Sevran
nature_client: public
contact:
  nom: Lise Marc
  email: lise.marc@sevran.fr
type: Évaluation
annees: 2023
consultants: [Anne Perrin]
equipe:
  - nom: Atelier Ville d'Ouest
    role: mandataire
montant:
  - valeur: 30000
    taxe: HT
    tranche: ferme
composantes: [Cohésion sociale]
attestation:
  fichier: attestations/sevran.pdf
enjeux: |
  Évaluer l'efficacité des actions du contrat de ville.
contenu:
  - Entretiens avec les porteurs de projets.
""",
}

PERSON = """\
nom: Anne Perrin
civilite: Mme
fonction: Urbaniste, gérante
formation: [Master d'urbanisme]
annees_experience: 15
domaines: [Concertation]
presentation: |
  Anne Perrin dirige l'atelier depuis sa création.
"""

PRODUCTION = """\
titre: Charte de gestion urbaine de proximité
nature: Charte
numero: 2.1.5
maitre_ouvrage: Ville d'Angers
annee: 2025
sections:
  - titre: Enjeu
    paragraphes: [Mettre en place une gestion adaptée aux quartiers.]
"""

BID = """\
titre: AMO pour une démarche de gestion urbaine de proximité
acheteur: Ville d'Angers
acheteur_public: oui
numero_consultation: 2027-AMO-014
date_limite: 2027-01-15
lots:
  - "1 : Diagnostic et charte"
  - "2 : Animation"
lots_repondus: [1]
colonnes_tableau: [contact]
besoin: |
  Accompagnement pour une démarche de gestion urbaine de proximité avec les habitants.
"""


@pytest.fixture
def complete(tmp_path, monkeypatch):
    """A library with nothing left to fill in, written by the test."""
    references = tmp_path / "references"
    for folder in ("missions", "personnes", "productions"):
        (references / folder).mkdir(parents=True)
    (references / "cabinet.yaml").write_text(CABINET + "logo: logo.png\n", encoding="utf-8")
    (references / "logo.png").write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="))
    for name, text in MISSIONS.items():
        (references / "missions" / f"{name}.yaml").write_text(text, encoding="utf-8")
    (references / "personnes" / "anne-perrin.yaml").write_text(PERSON, encoding="utf-8")
    (references / "productions" / "charte.yaml").write_text(PRODUCTION, encoding="utf-8")
    (tmp_path / "appel.yaml").write_text(BID, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _buyer_text(path) -> str:
    document = Document(str(path))
    footer = "\n".join(p.text for s in document.sections for p in s.footer.paragraphs)
    return docx_text(path) + "\n" + footer


def test_final_documents_hold_nothing_internal_and_french_typography(complete, run):
    date = ("--date", "2026-11-24")
    commands = {
        "d.docx": ("build", "--bid", "appel.yaml", "--annexes", "--pourquoi", "--final", "-o", "d.docx", *date),
        "t.docx": ("table", "--bid", "appel.yaml", "--final", "-o", "t.docx", *date),
        "f.docx": ("fiches", "--bid", "appel.yaml", "--single", "--final", "-o", "f.docx", *date),
        "cv.docx": ("cv", "Anne Perrin", "--appel", "AMO GUP", "--final", "-o", "cv.docx", *date),
    }
    for name, args in commands.items():
        result = run(*args)
        assert result.exit_code == 0, result.output
        text = _buyer_text(complete / name)
        for phrase in INTERNAL:
            assert phrase.lower() not in text.lower(), (name, phrase)
        assert "'" not in text, (name, [line for line in text.splitlines() if "'" in line])
        assert "Ville d’Angers" in text or name == "cv.docx"
    # the note for the bid team is a file apart, and says why
    note = (complete / "note-interne.md").read_text(encoding="utf-8")
    assert "score" in note and "Rien : le dossier peut être produit avec --final." in note
    dossier = _buyer_text(complete / "d.docx")
    with zipfile.ZipFile(complete / "d.docx") as package:  # the firm's logo on the cover
        assert any(name.startswith("word/media/") for name in package.namelist())
    # the cover names the consultation and the lot answered, the footer the tender
    assert "2027-AMO-014" in dossier and "Lot 1\u00a0: Diagnostic et charte" in dossier and "Lot 2" not in dossier
    assert "fiche 2.1.5" in dossier and "Ville d’Angers — année\u00a0: 2025" in dossier
    # typography: no-break space before « : », a period on one line
    assert "urbains\u00a0: diagnostics" in dossier
    assert "2024\u2060–\u2060en\u00a0cours" in dossier


def test_final_reference_table_has_every_dc2_column_filled(complete, run):
    assert run("table", "--bid", "appel.yaml", "--final", "-o", "t.docx").exit_code == 0
    table = Document(str(complete / "t.docx")).tables[0]
    headers = [c.text for c in table.rows[0].cells]
    assert headers == ["N°", "Objet de la mission", "Destinataire", "Public ou privé", "Période", "Montant et base",
                       "Rôle du cabinet", "Contact chez le client", "Attestation de bonne exécution"]
    rows = [dict(zip(headers, [c.text for c in row.cells])) for row in table.rows[1:]]
    assert len(rows) == 2
    for row in rows:
        assert all(value.strip() for value in row.values()), row
    by_client = {row["Destinataire"]: row for row in rows}
    assert by_client["Ville de Sevran"]["Période"] == "2023"  # a single year stays a single year
    assert by_client["Ville d’Angers"]["Montant et base"] == "45\u202f000\u00a0€\u00a0HT (part du cabinet)"
    assert by_client["Ville d’Angers"]["Rôle du cabinet"] == "mandataire"
    assert by_client["Ville de Sevran"]["Attestation de bonne exécution"] == "Oui"  # no date: a plain yes


def test_final_refuses_the_shipped_library_listing_each_gap_once(project, run):
    previous = project / "outputs" / "dossier-candidature.docx"
    previous.parent.mkdir()
    previous.write_bytes(b"previous")
    result = run("build", "--final", "--date", "2026-11-24")
    assert result.exit_code == 2
    assert previous.read_bytes() == b"previous"  # nothing written
    lines = [line.strip() for line in result.output.splitlines() if re.match(r"\s*references/", line)]
    gaps = [line for line in lines if ": champ '" in line]
    assert len(gaps) == len(set(gaps)) > 10
    for expected in (
        "references/cabinet.yaml:7: champ 'siret' : SIRET à compléter",
        "references/missions/2021-mission-appui-relative-equipements-publics-marseillais.yaml:19: champ 'montant' : "
        "montant sans base : précisez HT ou TTC (taxe)",
        "references/missions/2013-etude-definition-projet-urbain-social-sud.yaml:31: champ 'composantes_a_confirmer' : "
        "composantes à confirmer : grille importée sans ses coches ; listez les composantes réalisées",
        "references/missions/2018-amo-coordination-montage-operationnel-financier-12.yaml:2: champ 'nature_client' : "
        "client public ou privé à préciser (public / privé)",
    ):
        assert expected in gaps
    assert "document définitif refusé (--final), rien n'a été écrit" in result.output
    # the draft writes, shows the gaps in red, and ends with the same list on stderr
    draft = run("build", "--date", "2026-11-24")
    assert draft.exit_code == 0 and "Brouillon : " in draft.output
    assert "à compléter" in docx_text(previous)
    # check --final says the same without building
    checked = run("check", "--final", "--date", "2026-11-24")
    assert checked.exit_code == 2 and "références/" not in checked.output
    assert "champ 'composantes_a_confirmer'" in checked.output


def test_unknown_grid_is_never_ticked_matched_or_counted(project, run):
    text = docx_text(_fiche(project, run, "2021-mission-appui-relative-equipements-publics-marseillais"))
    assert "composantes à confirmer" in text and "☒" not in text and text.count("☐") == 12
    stats = run("stats", "--date", "2026-11-24")
    counts = stats.output.split("Par composante")[1].split("Par personne")[0]
    assert re.search(r"Capitalisation\s*│\s*0 │", counts)
    assert "3 référence(s) aux composantes à confirmer (grille importée sans ses coches) : non comptées" in counts
    found = run("list", "--component", "Gestion urbaine de proximité", "--date", "2026-11-24")
    assert found.exit_code == 1


def _fiche(project, run, ident):
    assert run("fiches", "--id", ident, "-o", "f.docx").exit_code == 0
    return project / "f.docx"


def test_example_data_is_marked_warned_and_refused_until_replaced(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    assert run("init", ".").exit_code == 0
    warned = run("check")
    assert "donnée d'exemple « [exemple] Ville d'Exemple »" in warned.output
    refused = run("build", "--final")
    assert refused.exit_code == 2 and "champ 'maitre_ouvrage' : donnée d'exemple" in refused.output
    mission = next((tmp_path / "references" / "missions").glob("*.yaml"))
    mission.write_text(mission.read_text(encoding="utf-8").replace("[exemple] Ville d'Exemple", "Ville de Nantes"),
                       encoding="utf-8")
    again = run("check")
    assert "Ville d'Exemple" not in again.output and "donnée d'exemple « [exemple] Jeanne Martin »" in again.output
    assert run("bid", "new", "-o", "appel.yaml").exit_code == 0
    bid = tmp_path / "appel.yaml"
    bid.write_text(bid.read_text(encoding="utf-8").replace("  - Valérie Embize\n", "").replace(
        "composantes_requises:\n  - Gestion urbaine de proximité\n", ""), encoding="utf-8")
    refused = run("table", "--bid", "appel.yaml", "--final")
    assert "appel.yaml: champ 'acheteur' : donnée d'exemple « [exemple] Ville de Bondy »" in refused.output


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None, reason="LibreOffice absent")
def test_final_pdf_has_no_near_empty_page(complete, run):
    result = run("build", "--bid", "appel.yaml", "--annexes", "--final", "--pdf", "-o", "d.docx")
    assert result.exit_code == 0, result.output
    pdf = complete / "d.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True).stdout).group(1))
    for page in range(2, pages + 1):  # the cover is sparse on purpose
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True).stdout
        body = [line for line in text.splitlines() if line.strip() and "— page" not in line]
        assert len(body) >= 4, (page, body)
