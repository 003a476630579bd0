"""YAML traps that must NOT be errors: the text the consultant typed is the text printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import docx_text

BASE = "maitre_ouvrage: Ville de Bondy\ntype: Étude\nmontant: 1000\n"


def _build(run, content, raw: bytes | None = None) -> str:
    path = Path("references/missions/zz.yaml")
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(content, encoding="utf-8")
    result = run("build", "--id", "zz", "-o", "outputs/zz.docx", "--date", "2026-11-24")
    assert result.exit_code == 0, result.output
    return docx_text(Path("outputs/zz.docx"))


@pytest.mark.parametrize("value", ["no", "yes", "on", "off", "Non", "true", "null_island", "0123", "1:30", "1e3", "0x1F"])
def test_yaml_1_1_booleans_and_numbers_stay_text(project, run, value):
    text = _build(run, f"titre: Étude {value}\nprogramme: {value}\nannees: 2025\n{BASE}")
    assert f"Étude {value}" in text
    assert value in text.split("\n")


def test_year_span_is_not_a_date_or_a_subtraction(project, run):
    text = _build(run, f"titre: Étude\nannees: 2018-2021\n{BASE}")
    assert "2018\u2060–\u20602021" in text  # word joiners: the period never breaks


def test_bom_and_windows_line_ends_are_accepted(project, run):
    raw = "\ufefftitre: Étude BOM\r\nannees: 2025\r\nenjeux: |\r\n  Ligne un\r\n  ligne deux\r\n".encode("utf-8")
    text = _build(run, "", raw + BASE.encode())
    assert "Étude BOM" in text
    assert "Ligne un ligne deux" in text
    assert "\r" not in text


def test_decomposed_accents_are_normalised(project, run):
    text = _build(run, f"titre: E\u0301tude de la Re\u0301gion\nannees: 2025\n{BASE}")
    assert "Étude de la Région" in text


def test_quoted_hash_is_kept(project, run):
    text = _build(run, f'titre: "Étude #3 du quartier"\nannees: 2025\n{BASE}')
    assert "Étude #3 du quartier" in text


def test_single_value_where_a_list_is_allowed(project, run):
    text = _build(run, f"titre: Étude\nannees: 2025\ncontenu: Un seul point\nequipe: PUS\n{BASE}")
    assert "Un seul point" in text


def test_check_is_clean_on_the_shipped_library(project, run):
    result = run("check", "--date", "2026-11-24", "--last", "10")
    assert result.exit_code == 0
    # 8 warnings: 5 on missing data, 2 accented capitals to suggest (« Etude », « l'Etat »…) and
    # the « ! » that replaced a number in seed 000
    assert result.output.splitlines()[-1] == (
        "4 mission(s), 4 personne(s), 1 production(s) lues : 0 erreur(s), 8 avertissement(s)"
    )


def test_strict_turns_warnings_into_errors(project, run):
    assert run("check", "--date", "2026-11-24").exit_code == 0
    assert run("check", "--date", "2026-11-24", "--strict").exit_code == 2


def test_json_for_ci(project, run):
    Path("references/missions/zz.yaml").write_text("titre: x\nmaitre_ouvrag: y\n", encoding="utf-8")
    result = run("check", "--format", "json", "--date", "2026-11-24")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["erreurs"] == 1
    assert {
        "fichier": "references/missions/zz.yaml", "ligne": 2, "champ": "maitre_ouvrag", "gravite": "erreur",
        "message": "champ inconnu « maitre_ouvrag » ; vouliez-vous dire « maitre_ouvrage » ?",
    } in report["problemes"]


def test_every_problem_at_once_sorted(project, run):
    Path("references/missions/b.yaml").write_text("titre: x\nmontant: -1\n", encoding="utf-8")
    Path("references/missions/a.yaml").write_text("titre: x\ntitre: y\n", encoding="utf-8")
    Path("references/personnes/c.yaml").write_text("nom: Jeanne\nannees_experience: dix\n", encoding="utf-8")
    result = run("check", "--date", "2026-11-24")
    errors = [line for line in result.output.splitlines() if "avertissement" not in line]
    assert errors == [
        "references/missions/a.yaml:2: champ 'titre' : clé en double (déjà définie ligne 1) : la seconde écraserait la première",
        "references/missions/b.yaml:2: champ 'montant[1].valeur' : montant négatif « -1 »",
        "references/personnes/c.yaml:2: champ 'annees_experience' : nombre entier attendu, trouvé « dix »",
    ]


def test_check_path_argument_and_missing_folder(project, run):
    result = run("check", "nulle-part")
    assert result.exit_code == 2
    assert result.output.splitlines() == ["Erreur : nulle-part : dossier de références introuvable ; créez un projet "
                                          "avec « dossier init » ou indiquez la bibliothèque avec -r DOSSIER"]
