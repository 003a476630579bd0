"""The firm's concept table (references/concepts.yaml): checked like any library file."""

from __future__ import annotations

import pytest

from generator.selection.ranking import load_concepts, tokens

FILE = "references/concepts.yaml"


def write_concepts(project, text: str) -> None:
    (project / FILE).write_text(text, encoding="utf-8")


def concept_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(FILE)]


def test_a_valid_table_is_silent_and_its_notions_rank(project, run):
    before = run("check", "--date", "2026-11-24")
    write_concepts(project, "# notions du cabinet\n"
                            "relogement:\n  expressions: [desserrement des familles, décohabitation]\n"
                            "veille_sociale:\n  libelle: veille sociale et sanitaire\n  expressions: [maraudes]\n"
                            "gup:\n  libelle: GUP (gestion urbaine)\n"
                            "mediation: [médiation sociale, adultes relais]\n")
    after = run("check", "--date", "2026-11-24")
    assert after.exit_code == before.exit_code
    assert concept_lines(after.output) == []
    assert after.output.splitlines()[-1] == before.output.splitlines()[-1]
    concepts = load_concepts(project / "references")
    found = {t.key: t.label for t in tokens("maraudes et desserrement des familles ; GUP", concepts) if t.key[0] == "~"}
    assert found == {"~veille_sociale": "veille sociale et sanitaire", "~relogement": "relogement",
                     "~gup": "GUP (gestion urbaine)"}
    assert "~mediation" in {t.key for t in tokens("deux adultes relais", concepts)}


@pytest.mark.parametrize("text, said", [
    ("relogement:\n  expresions: [desserrement]\n",
     f"{FILE}:2: champ 'relogement.expresions' : champ inconnu « expresions » ; vouliez-vous dire « expressions » ?"),
    ("relogement:\n  expressions: [desserrement]\nvide:\n",
     f"{FILE}:3: champ 'vide' : notion vide : listez ses « expressions » (les façons de l'écrire dans un texte)"),
    ("vide:\n  expressions: []\n",
     f"{FILE}:1: champ 'vide' : notion vide : listez ses « expressions » (les façons de l'écrire dans un texte)"),
    ("veille_sociale:\n  libelle: veille sociale\n",
     f"{FILE}:1: champ 'veille_sociale' : nouvelle notion sans « expressions » : rien ne la reconnaîtrait dans un texte"),
    ("relogement:\n  expressions: desserrement\n",
     f"{FILE}:2: champ 'relogement.expressions' : liste attendue (une ligne « - élément » par valeur)"),
    ("relogement:\n  expressions:\n    - desserrement\n    - ''\n",
     f"{FILE}:4: champ 'relogement.expressions[2]' : ne doit pas être vide"),
    ("relogement: desserrement\n",
     f"{FILE}:1: champ 'relogement' : attendu : « libelle » (texte) et « expressions » (liste)"),
    ("- relogement\n- desserrement\n",
     f"{FILE}:1: le fichier contient une liste ; attendu : une notion par clé, avec « libelle » et « expressions »"),
    ("relogement:\n  expressions: [desserrement\n",
     f"{FILE}:3:"),
    ("relogement:\n  expressions: [a]\nrelogement:\n  expressions: [b]\n",
     f"{FILE}:3: champ 'relogement' : clé en double"),
])
def test_a_mistake_is_reported_by_check_and_stops_a_ranking_command(project, run, text, said):
    write_concepts(project, text)
    checked = run("check", "--date", "2026-11-24")
    assert checked.exit_code == 2
    assert any(line.startswith(said) for line in concept_lines(checked.output)), checked.output
    listed = run("list", "--text", "gestion urbaine de proximité", "--explain")
    assert listed.exit_code == 2
    assert any(line.startswith(said) for line in concept_lines(listed.output)), listed.output
    assert "erreur(s) dans la table des notions references/concepts.yaml" in listed.output
    assert "Traceback" not in checked.output + listed.output
