"""`dossier check` suggests accented capitals (« Etude » → « Étude »), never changing a file."""

from __future__ import annotations

import json
import shutil

from conftest import SEEDS
from test_ranking import SHIPPED

PRODUCTION = "references/productions/fiche-2-1-5-se-donner-moyens-gestion-adaptee-quartiers.yaml"


def _library_bytes(project) -> dict:
    return {p: p.read_bytes() for p in sorted((project / "references").rglob("*.yaml"))}


def test_the_shipped_library_gets_its_accents_suggested_and_is_not_changed(project, run):
    before = _library_bytes(project)
    result = run("check", "--date", "2026-11-24")
    assert result.exit_code == 0, result.output  # a suggestion is a warning
    assert (f"references/missions/{SHIPPED['etude']}.yaml:2: avertissement : champ 'titre' : "
            "majuscule sans accent : « Etude » s'écrit « Étude »") in result.output
    # the work sample (seed 004) has five: one line for the file, every word and line in it
    [summary] = [line for line in result.output.splitlines() if line.startswith(PRODUCTION) and "accent" in line]
    assert summary == (f"{PRODUCTION}:18: avertissement : 5 majuscules sans accent dans ce fichier : « Etat » → « État » "
                       "(lignes 18, 46, 49), « Echelle » → « Échelle » (ligne 41), « Elaboration » → « Élaboration » "
                       "(ligne 65)")
    assert _library_bytes(project) == before
    data = json.loads(run("check", "--date", "2026-11-24", "--format", "json").output)
    assert {"fichier": f"references/missions/{SHIPPED['etude']}.yaml", "ligne": 2, "champ": "titre",
            "gravite": "avertissement", "message": "majuscule sans accent : « Etude » s'écrit « Étude »"} in data["problemes"]


def test_an_imported_seed_gets_the_suggestion_for_its_title(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    assert run("init", ".").exit_code == 0
    seed = next(SEEDS.glob("003_*.txt"))  # « Etude de définition… », the older layout
    assert run("import", str(seed), "--into", "references").exit_code == 0, "import"
    result = run("check")
    said = [line for line in result.output.splitlines() if "majuscule sans accent" in line]
    assert len(said) == 1 and "champ 'titre' : majuscule sans accent : « Etude » s'écrit « Étude »" in said[0], said


MISSION = """\
titre: {titre}
maitre_ouvrage: Est Ensemble
type: {type}
annees: 2024
composantes: [Etudes urbaines, Concertation]
enjeux: |
  {enjeux}
"""


def _mission(project, name: str, titre: str, enjeux: str = "Un diagnostic partagé.", type: str = "Diagnostic") -> str:
    shutil.rmtree(project / "references" / "missions")
    (project / "references" / "missions").mkdir()
    path = project / "references" / "missions" / f"{name}.yaml"
    path.write_text(MISSION.format(titre=titre, enjeux=enjeux, type=type), encoding="utf-8")
    return f"references/missions/{name}.yaml"


def test_only_bare_capitals_of_the_list_are_flagged_never_the_vocabulary(project, run):
    # « A compléter », « ETUDE » in capitals, « Etatique » (not in the list), an « Est »,
    # and the composante « Etudes urbaines » (the grid prints its own label): nothing
    name = _mission(project, "propre", "A compléter, ETUDE Etatique pour Est Ensemble")
    result = run("check", "--date", "2026-11-24")
    assert result.exit_code == 0 and f"{name}:" in result.output  # the file is read and checked
    assert not [line for line in result.output.splitlines() if line.startswith(name) and "accent" in line]
    # a word after an apostrophe, and the type of mission, are prose
    name = _mission(project, "apostrophe", "Appui à l'Etat", "Diagnostic avec l’Education nationale.", "Etudes")
    result = run("check", "--date", "2026-11-24")
    said = sorted(line for line in result.output.splitlines() if line.startswith(name) and "accent" in line)
    assert said == [f"{name}:1: avertissement : champ 'titre' : majuscule sans accent : « Etat » s'écrit « État »",
                    f"{name}:3: avertissement : champ 'type' : majuscule sans accent : « Etudes » s'écrit « Études »",
                    f"{name}:6: avertissement : champ 'enjeux' : majuscule sans accent : « Education » s'écrit « Éducation »"]


def test_a_file_with_ten_gets_one_summary_line(project, run):
    words = "Etude Etudes Equipe Etat Elaboration Evaluation Etablissement Ecole Energie Egalement"
    name = _mission(project, "dix", "Mission", words + ".", "Etudes")
    result = run("check", "--date", "2026-11-24")
    said = [line for line in result.output.splitlines() if line.startswith(name) and "accent" in line]
    assert len(said) == 1, said
    assert said[0].startswith(f"{name}:3: avertissement : 11 majuscules sans accent dans ce fichier : "
                              "« Etudes » → « Études » (lignes 3, 6), « Etude » → « Étude » (ligne 6)")
    assert "« Egalement » → « Également » (ligne 6)" in said[0]


def test_a_character_lost_in_the_source_export_is_pointed_at_not_printed_silently(project, run):
    """Seed 000 reads « Est Ensemble rassemblant ! communes »: the number of communes became « ! »."""
    result = run("check", "--date", "2026-11-24")
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "point d'exclamation" in line]
    assert line.startswith("references/missions/2018-amo-coordination-montage-operationnel-financier-12.yaml:")
    assert "« rassemblant ! communes »" in line and "champ 'enjeux'" in line
    mission = project / "references" / "missions" / "2017-amo-mise-place-concertation-via-creation.yaml"
    text = mission.read_text(encoding="utf-8")
    mission.write_text(text.replace("contenu:\n", "contenu:\n  - Une réussite ! Les habitants sont venus.\n"
                                    "  - Ateliers avec ! habitants du quartier\n", 1), encoding="utf-8")
    lines = [line for line in run("check", "--date", "2026-11-24").output.splitlines() if "point d'exclamation" in line]
    assert len(lines) == 2  # « réussite ! Les » is a sentence: not flagged
    assert any("2017-amo" in line and "champ 'contenu'" in line and "« avec ! habitants »" in line for line in lines)
