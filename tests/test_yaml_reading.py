"""What the YAML reader keeps and refuses, whatever parser shortcut it takes."""

from __future__ import annotations

from generator.library.yamlio import parse_yaml


def messages(text: str) -> list[str]:
    return [str(p) for p in parse_yaml(text, "m.yaml").problems]


def test_values_stay_the_text_typed():
    doc = parse_yaml("annees: 2018-2021\nconfidentiel: no\nmontant: 0755\nvide:\nnul: ~\ncite: 'null'\n", "m.yaml")
    assert doc.data == {"annees": "2018-2021", "confidentiel": "no", "montant": "0755", "vide": None, "nul": None, "cite": "null"}
    assert doc.lines[("montant",)] == 3


def test_merge_keys_and_explicit_tags_are_refused_with_their_line():
    assert messages("a: &x {b: 1}\nc:\n  <<: *x\n") == ["m.yaml:3: champ 'c' : la fusion YAML « << » n'est pas prise en charge"]
    assert "balise YAML « !!python/object:os.system » refusée" in messages("titre: x\na: !!python/object:os.system x\n")[0]
    assert messages("a: !!str 3\n'<<': 2\n") == []


def test_a_hash_in_an_unquoted_value_is_flagged():
    assert "le texte après « # » est ignoré" in messages("titre: Etude n° 2 # phase 1\n")[0]
    assert messages("titre: 'Etude # 2'\nsuite: x#y\n") == []
