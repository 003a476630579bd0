"""More hostile files: line separators pasted from a PDF, huge and binary files, odd names."""

from __future__ import annotations

import pytest

from conftest import docx_text

from .test_corpus import DATE, _write

M = "references/missions/zz.yaml"
GOOD = "titre: Étude test\nmaitre_ouvrage: Ville de Test\ntype: Étude\nannees: 2025\nmontant: 1000\n"

CASES = [
    ("separateur-de-ligne", M, GOOD.replace("titre: Étude test", "titre: Étude\u2028test"),
     f"{M}:1: séparateur de ligne invisible (copié depuis un PDF ou une page web) U+2028 interdit dans un document "
     "Word : supprimez-le"),
    ("separateur-de-paragraphe", M, GOOD + "enjeux: 'a\u2029b'\n",
     f"{M}:6: séparateur de paragraphe invisible (copié depuis un PDF ou une page web) U+2029 interdit dans un "
     "document Word : supprimez-le"),
    ("nel", M, GOOD.replace("type: Étude", "type: Étude\u0085urbaine"),
     f"{M}:3: saut de ligne invisible (NEL, copié depuis un PDF ou une page web) U+0085 interdit dans un document "
     "Word : supprimez-le"),
    ("separateur-echappe", M, GOOD.replace("titre: Étude test", 'titre: "Étude\\Ltest"'),
     f"{M}:1: champ 'titre' : séparateur de ligne invisible (copié depuis un PDF ou une page web) U+2028 interdit "
     "dans un document Word : supprimez-le"),
    ("enorme", M, GOOD + "enjeux: |\n" + "  Paragraphe plein de mots.\n" * 80_000,
     f"{M}: fichier trop volumineux (2,2 Mo ; au plus 2 Mo) : une référence tient en quelques Ko, est-ce le bon "
     "fichier ?"),
    ("image", M, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
     f"{M}: fichier binaire (document Word, PDF, image…) et non un texte YAML : ce n'est pas une fiche de la "
     "bibliothèque"),
    ("utf-16-sans-bom", M, ("titre: Étude\n" * 3).encode("utf-16-le"),
     f"{M}:1: le fichier n'est pas en UTF-8 (octet 0xC9) ; il est enregistré en UTF-16 (« Unicode » dans le "
     "Bloc-notes) : réenregistrez-le en UTF-8"),
    ("utf-32", M, GOOD.encode("utf-32"),
     f"{M}:1: le fichier n'est pas en UTF-8 (octet 0xFF) ; il est enregistré en UTF-32 : réenregistrez-le en UTF-8"),
    ("espace-insecable-dans-la-cle", M, GOOD.replace("type: Étude", "type\u00a0: Étude"),
     f"{M}:3: champ 'type\u00a0' : le nom du champ « type » contient un caractère invisible (U+00A0, souvent une "
     "espace insécable copiée depuis Word) : retapez-le"),
]


@pytest.mark.parametrize("name, relative, content, expected", CASES, ids=[c[0] for c in CASES])
def test_check_and_build_name_the_problem(project, run, name, relative, content, expected):
    _write(project, relative, content)
    target = project / "outputs" / "dossier.docx"
    for args in (["check"], ["build", "-o", str(target)]):
        result = run(*args, "--date", DATE)
        assert expected in result.output.splitlines(), result.output
        assert result.exit_code == 2, result.output
    assert not target.exists()


@pytest.mark.parametrize("name", ["._zz.yaml", "~$zz.yaml", ".zz.yaml"])
def test_hidden_and_lock_files_are_not_records(project, run, name):
    # A Mac leaves « ._x.yaml » (binary) beside every file copied to a shared drive.
    _write(project, f"references/missions/{name}", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    result = run("check", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert name not in result.output


def test_upper_case_suffix_is_read_as_on_windows(project, run):
    _write(project, "references/missions/zz.YAML", GOOD.replace("Étude test", "Étude en majuscules"))
    target = project / "outputs" / "dossier.docx"
    result = run("build", "--date", DATE, "--id", "zz", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Étude en majuscules" in docx_text(target)


def test_read_only_previous_output_is_kept(project, run):
    from .test_outputs import PREVIOUS, _left_alone

    target = project / "outputs" / "dossier-candidature.docx"
    target.parent.mkdir()
    target.write_bytes(PREVIOUS)
    target.chmod(0o444)
    result = run("build")
    assert result.exit_code == 4
    assert result.output.splitlines()[-1] == (
        "Erreur : outputs/dossier-candidature.docx : fichier en lecture seule ; retirez la protection ou choisissez "
        "un autre nom (-o) ; le fichier précédent est conservé"
    )
    _left_alone(target)


BROKEN_TEMPLATES = [
    ("filtre-inconnu", "{{ cabinet.nom|majuscules }}",
     "balise Jinja invalide dans « {{ cabinet.nom|majuscules }} » : filtre « majuscules » inconnu après « | » ; "
     "vérifiez son orthographe"),
    ("test-inconnu", "{% if cabinet.nom is vide %}x{% endif %}",
     "erreur dans le modèle : test « vide » inconnu après « is » ; vérifiez son orthographe"),
    ("condition-non-fermee", "{% if cabinet.nom %}x",
     "balise Jinja invalide : une boucle ou une condition n'est jamais refermée : ajoutez « {% endif %} »"),
    ("blocs-croises", "{% for r in references %}{% if r %}x{% endfor %}",
     "balise Jinja invalide dans « {% for r in references %} » : « {% endfor %} » arrive alors que le bloc « if » "
     "ouvert avant lui n'est pas refermé : ajoutez « {% endif %} » avant"),
    ("mot-en-trop", "{{ cabinet.nom nom }}",
     "balise Jinja invalide dans « {{ cabinet.nom nom }} » : « nom » inattendu dans la balise ; vérifiez "
     "l'orthographe et les accolades"),
]


@pytest.mark.parametrize("name, tag, message", BROKEN_TEMPLATES, ids=[t[0] for t in BROKEN_TEMPLATES])
def test_broken_tag_is_explained_in_french(project, run, name, tag, message):
    from .test_templates import make_template

    make_template(project / "templates" / "dossier.docx", [[tag]])
    result = run("build", "-o", "outputs/dossier.docx")
    assert result.exit_code == 3, result.output
    assert result.output.splitlines()[-1] == f"Erreur : templates/dossier.docx : {message}"


def test_every_problem_of_a_file_with_a_duplicate_key_is_listed(project, run):
    _write(project, M, "titre:\nmaitre_ouvrag: X\nmontant: -3\ntitre: y\n")
    result = run("check", "--date", DATE)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith(M)]
    assert lines == [
        f"{M}:1: champ 'titre' : valeur vide : texte attendu",
        f"{M}:2: champ 'maitre_ouvrag' : champ inconnu « maitre_ouvrag » ; vouliez-vous dire « maitre_ouvrage » ?",
        f"{M}:3: champ 'montant[1].valeur' : montant négatif « -3 »",
        f"{M}:4: champ 'titre' : clé en double (déjà définie ligne 1) : la seconde écraserait la première",
    ]


def test_invisible_characters_are_a_warning_with_their_line(project, run):
    _write(project, M, GOOD.replace("Étude test", "Étude\u200btest").replace("Ville de Test", "Ville\u200f de Test"))
    result = run("check", "--date", DATE)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(M)]
    assert lines == [
        f"{M}:1: avertissement : caractère invisible U+200B (espace de largeur nulle) : il empêche de retrouver le "
        "texte tapé normalement ; supprimez-le s'il n'est pas voulu",
        f"{M}:2: avertissement : caractère invisible U+200F (marque de direction du texte) : il empêche de retrouver "
        "le texte tapé normalement ; supprimez-le s'il n'est pas voulu",
    ]
    assert run("build", "--date", DATE, "--id", "zz", "-o", "outputs/zz.docx").exit_code == 0


def test_links_and_special_files_are_named_never_waited_on(project, run):
    import os

    folder = project / "references" / "missions"
    (folder / "boucle.yaml").symlink_to("boucle.yaml")
    (folder / "perdu.yaml").symlink_to("nulle-part.yaml")
    os.mkfifo(folder / "tube.yaml")
    result = run("check", "--date", DATE)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines()
             if line.startswith(tuple(f"references/missions/{name}.yaml" for name in ("boucle", "perdu", "tube")))]
    assert lines == [
        "references/missions/boucle.yaml: lecture impossible : lien symbolique qui boucle",
        "references/missions/perdu.yaml: lecture impossible : lien symbolique vers un fichier absent",
        "references/missions/tube.yaml: lecture impossible : fichier spécial (tube, périphérique), pas un fichier "
        "ordinaire",
    ]


def test_a_file_where_a_library_folder_belongs(project, run):
    import shutil

    shutil.rmtree(project / "references" / "personnes")
    (project / "references" / "personnes").write_text("Claudia Romero\n", encoding="utf-8")
    result = run("check", "--date", DATE)
    assert result.exit_code == 2
    assert "references/personnes: c'est un fichier ; attendu : le dossier des fichiers personnes/*.yaml" \
        in result.output.splitlines()


def test_output_name_too_long_for_the_system(project, run):
    name = "a" * 300 + ".docx"
    result = run("build", "-o", f"outputs/{name}")
    assert result.exit_code == 4
    assert result.output.splitlines()[-1] == f"Erreur : outputs/{name} : écriture impossible (nom de fichier trop long)"


@pytest.mark.parametrize("args, message", [
    (["build", "--foo"], "Erreur : option inconnue « --foo » ; vouliez-vous dire « --pdf » ? (aide : dossier build --help)"),
    (["show"], "Erreur : argument manquant : ID (aide : dossier show --help)"),
    (["nope"], "Erreur : commande inconnue « nope » ; vouliez-vous dire « new » ? (aide : dossier --help)"),
    (["build", "--last", "abc"],
     "Erreur : valeur refusée pour --last : nombre entier attendu, trouvé « abc » (aide : dossier build --help)"),
])
def test_usage_errors_are_french(project, args, message):
    from click.testing import CliRunner

    from generator.frontends.cli import cli

    result = CliRunner().invoke(cli, args, prog_name="dossier")
    assert result.exit_code == 1
    assert result.output.splitlines() == [message]
