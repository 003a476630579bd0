"""What the YAML reader keeps and refuses, whatever parser shortcut it takes."""

from __future__ import annotations

import pytest

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


# --- syntax errors said in French, whatever PyYAML's English says ----------------------------

# One file per message, told apart by the error's type and the characters its marks point at.
SYNTAX = {
    "titre: x\n\tmaitre_ouvrage: Ville\n": "m.yaml:2: syntaxe YAML invalide : tabulation interdite en YAML, indentez avec des espaces",
    "titre: *nulle_part\n": "m.yaml:1: syntaxe YAML invalide : alias « * » sans ancre « & » correspondante",
    "titre: 'Étude\nmaitre_ouvrage: Ville\n": "m.yaml:3: syntaxe YAML invalide : guillemet ou crochet non refermé",
    "acteurs: {a: b\n": "m.yaml:2: syntaxe YAML invalide : crochet ou accolade non refermé",
    "titre: a\n---\ntitre: b\n": "m.yaml:2: syntaxe YAML invalide : un seul document YAML par fichier (retirez les « --- » en trop)",
    "titre: x\n  maitre: y\n":
        "m.yaml:2: syntaxe YAML invalide : « : » inattendu ; si la valeur contient « : », mettez-la entre guillemets",
    "titre: `x`\n": "m.yaml:1: syntaxe YAML invalide : « ` » ne peut pas commencer une valeur : mettez-la entre guillemets",
    'titre: "\\uZZZZ"\n': "m.yaml:1: syntaxe YAML invalide : code « \\u » invalide entre guillemets (caractère Unicode impossible)",
    'titre: "a\\qb"\n': "m.yaml:1: syntaxe YAML invalide : « \\ » suivi d'un caractère inconnu entre guillemets doubles : "
                        "doublez-le (\\\\) ou utilisez des guillemets simples",
    "titre: 'Étude' urbaine\n":
        "m.yaml:1: syntaxe YAML invalide : texte après le guillemet fermant ; mettez toute la valeur entre guillemets",
}

# The entries of yamlparse._YAML_ERRORS, matched on PyYAML's wording: each one pinned here by a file
# that produces it, so a release that rewords one fails this test instead of reaching a user.
PINNED = {
    "titre: x\nfoo\nbar: y\n": "m.yaml:3: syntaxe YAML invalide : « : » manquant après une clé, ou ligne mal indentée",
    "titre:\n  - a\n - b\n": "m.yaml:3: syntaxe YAML invalide : indentation incohérente : une clé n'est pas alignée avec les autres",
    "- a\nb: c\n": "m.yaml:2: syntaxe YAML invalide : élément de liste mal aligné",
    "...\n": "m.yaml:1: syntaxe YAML invalide : valeur attendue manquante : un « - », « ... » ou « : » est mal placé",
    "a:\n  b: - c\n": "m.yaml:2: syntaxe YAML invalide : élément de liste « - » inattendu : vérifiez l'indentation",
}


def test_each_syntax_error_has_its_french_message():
    for text, expected in {**SYNTAX, **PINNED}.items():
        assert messages(text) == [expected], text


def test_every_message_matched_on_pyyaml_wording_is_pinned():
    from generator.library import yamlparse

    pinned = {message.split("invalide : ", 1)[1] for message in PINNED.values()}
    assert {french for _, _, french in yamlparse._YAML_ERRORS} == pinned


def test_an_unknown_pyyaml_error_is_french_with_the_original_quoted():
    (message,) = messages("titre: &\n")
    assert message.startswith("m.yaml:1: syntaxe YAML invalide ; message d'origine : « ")
    assert message.endswith(" »") and "anchor" in message


def test_nesting_deeper_than_libyaml_allows_gets_our_message():
    # libyaml (PyYAML ≥ 6.0.4) stops at 1,000 levels before our 50 are reported on its event stream.
    for text in ("titre: x\nacteurs: " + "[" * 5000 + "]" * 5000 + "\n",
                 "titre: x\nacteurs:\n" + "".join("  " * i + "- \n" for i in range(1, 1200))):
        (message,) = messages(text)
        assert message.endswith(": plus de 50 listes ou groupes imbriqués les uns dans les autres : fichier refusé")
    assert messages("a: " + "[" * 40 + "]" * 40 + "\n") == []


def test_one_guess_of_encoding_for_library_files_and_imported_fiches():
    from generator.library.textfile import guess_encoding

    text = "titre: Étude à Bondy\n"
    assert guess_encoding(text.encode("utf-8")) == "utf-8"
    assert guess_encoding(text.encode("utf-8-sig")) == "utf-8-sig"
    assert guess_encoding(text.encode("utf-16")) == "utf-16"
    assert guess_encoding(text.encode("utf-16-le")) == "utf-16-le"
    assert guess_encoding(text.encode("utf-32")) == "utf-32"
    assert guess_encoding(text.encode("cp1252")) == "cp1252"
    assert guess_encoding(text.encode("mac_roman")) == "mac_roman"
    # The YAML reader names what it refuses with the same guess.
    from generator.library.yamlio import decode

    assert "UTF-32" in decode(text.encode("utf-32"), "m.yaml")[1][0].message
    assert "Windows-1252" in decode(text.encode("cp1252"), "m.yaml")[1][0].message


@pytest.mark.parametrize("text", [
    "a: " + "[" * 50 + "]" * 50 + "\n",
    "a: " + "[" * 51 + "]" * 51 + "\n",
    "titre: x\nb:\n" + "".join("  " * i + "- \n" for i in range(1, 60)),
    "a: &deep " + "[" * 45 + "]" * 45 + "\nb: [[[[[[[[*deep]]]]]]]]\n",  # an alias is not entered again
    "x: 1\n" * 3 + "? [" + "{k: " * 49 + "v" + "}" * 49 + "]\n: z\n",  # a key holding collections
    "liste:\n  - [a, {b: [c, [d]]}]\n  - e\n",
])
def test_depth_on_the_composed_document_is_the_depth_on_the_event_stream(text):
    import yaml

    from generator.library import yamlparse

    node = yaml.compose(text, Loader=yamlparse._Loader)
    assert yamlparse._too_deep_tree(node) == yamlparse._too_deep(text, yaml.SafeLoader)
