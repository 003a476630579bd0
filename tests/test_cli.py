"""The command line as a whole: a new project, a new mission, statistics, quiet output, the README."""

from __future__ import annotations

import re
import sys

import click
import pytest

from conftest import ROOT, docx_text
from generator.frontends.cli import cli


def test_init_makes_a_library_that_builds_at_once(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    result = run("init", "nouveau", "--cabinet", "Lieux & <Territoires>")
    assert result.exit_code == 0, result.output
    root = tmp_path / "nouveau"
    assert (root / ".gitignore").read_text().startswith("outputs/")
    for name in ("dossier", "tableau", "fiches", "cv"):
        assert (root / "templates" / f"{name}.docx").is_file()
    assert (root / "references" / "productions").is_dir()
    monkeypatch.chdir(root)
    assert run("build", "--date", "2026-11-24").exit_code == 0
    text = docx_text(root / "outputs" / "dossier-candidature.docx")
    assert "Lieux & <Territoires>" in text
    assert "AMO pour la concertation du projet de renouvellement urbain du quartier du Centre" in text
    assert run("init", ".").exit_code == 1  # never over an existing library


def test_new_from_flags_writes_a_canonical_valid_mission(project, run):
    result = run("new", "--titre", "AMO concertation NPNRU des Fauvettes", "--client", "Ville de Bondy",
                 "--annees", "2024 - en cours", "--montant", "35 000", "--taxe", "ht",
                 "--composante", "concertation", "--composante", "Coordination inter chantiers")
    assert result.exit_code == 0, result.output
    path = project / "references" / "missions" / "2024-amo-concertation-npnru-fauvettes.yaml"
    text = path.read_text(encoding="utf-8")
    assert "valeur: 35000\n" in text and "taxe: HT" in text
    assert "  - Concertation\n  - Coordination inter-chantiers\n" in text
    shown = run("show", "2024-amo-concertation-npnru-fauvettes")
    assert "Ville de Bondy" in shown.output
    again = run("new", "--titre", "AMO concertation NPNRU des Fauvettes", "--annees", "2024 - en cours")
    assert again.exit_code == 1 and "existe déjà" in again.output


def test_new_asks_questions_and_refuses_invalid_answers_without_writing(project, run):
    from click.testing import CliRunner

    answers = "Étude urbaine du Centre\nVille de Test\nÉtude\n2021 - 2019\n\n\n\nPlanif\n"
    result = CliRunner().invoke(cli, ["new"], input=answers)
    assert result.exit_code == 2
    assert "champ 'annees' : années inversées : fin 2019 avant début 2021" in result.output
    assert "composante inconnue « Planif » ; vouliez-vous dire « Planification » ?" in result.output
    assert not list((project / "references" / "missions").glob("2021-etude-urbaine*"))
    answers = "Étude urbaine du Centre\nVille de Test\nÉtude\n2019 - 2021\n12000\nHT\nClaudia Romero\nChloé Etori\nPlanification\n"
    result = CliRunner().invoke(cli, ["new"], input=answers)
    assert result.exit_code == 0, result.output
    assert (project / "references" / "missions" / "2019-etude-urbaine-centre.yaml").is_file()


def test_stats_counts_per_type_year_composante_and_person(project, run):
    result = run("stats", "--date", "2026-11-24")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "4 référence(s)" in out
    assert re.search(r"Stratégie et montage de projets\s*│\s*2", out)
    assert re.search(r"2019\s*│\s*1", out)  # only Est Ensemble (2018–2021) ran in 2019
    assert re.search(r"Concertation\s*│\s*\d", out)
    assert re.search(r"Valérie Embize\s*│\s*2", out)


def test_quiet_prints_nothing_on_success_and_errors_still_show(project, run):
    result = run("--quiet", "build", "--type", "Stratégie")
    assert result.exit_code == 0 and result.output == ""
    assert (project / "outputs" / "dossier-candidature.docx").is_file()
    result = run("--quiet", "build", "--type", "Nulle part")
    assert result.exit_code == 1 and "aucun type ne contient" in result.output


def test_verbose_shows_library_warnings(project, run):
    (project / "references" / "missions" / "2024-variante.yaml").write_text(
        "titre: Variante\ntype: Stratégie\nannees: 2024\ncomposantes:\n  - Coordination inter chantiers\n", encoding="utf-8")
    plain = run("build", "--type", "Stratégie")
    verbose = run("--verbose", "build", "--type", "Stratégie")
    assert "avertissement" not in plain.output
    assert "2024-variante.yaml:5: avertissement : champ 'composantes[1]'" in verbose.output


def test_no_color_is_respected(project, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")  # rich gives no colour at all to a "dumb" terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    colored = CliRunner().invoke(cli, ["list"])
    monkeypatch.setenv("NO_COLOR", "1")
    plain = CliRunner().invoke(cli, ["list"])
    color = re.compile(r"\x1b\[(?:\d+;)*3[0-7](?:;\d+)*m")
    assert color.search(colored.output)
    assert not color.search(plain.output)


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}".strip()
        out.append((full, command))
        if isinstance(command, click.Group):
            out += _commands(command, full)
    return out


def test_every_command_has_french_help_with_an_example_and_a_readme_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in _commands(cli):
        assert "Exemple" in (command.help or ""), f"« dossier {name} --help » sans exemple"
        assert re.search(rf"^(\$ )?dossier {re.escape(name)}\b", readme, re.M), f"README : pas d'exemple de « dossier {name} »"


def test_usage_errors_are_french_with_a_suggestion_and_exit_1(project, run):
    typo = run("build", "--typ", "x")
    assert typo.exit_code == 1
    assert "Erreur : option inconnue « --typ » ; vouliez-vous dire « --type » ?" in typo.output
    command = run("biuld")
    assert command.exit_code == 1
    assert "commande inconnue « biuld » ; vouliez-vous dire « build » ?" in command.output
    number = run("build", "--limit", "abc")
    assert "valeur refusée pour --limit : nombre entier attendu, trouvé « abc »" in number.output
    assert "Usage" not in typo.output + command.output + number.output


@pytest.mark.parametrize("args, message", [
    (["build", "--limit", "0"], "valeur refusée pour --limit : 0 hors limites (au moins 1)"),
    (["build", "--sort", "date"],
     "valeur refusée pour --sort : « date » n'est pas une valeur possible : recent, ancien, titre, client, montant"),
    (["build", "--since", "2020.5"], "valeur refusée pour --since : nombre entier attendu, trouvé « 2020.5 »"),
    (["build", "--limit"], "l'option « --limit » attend une valeur"),
    (["build", "--confidentiel=oui"], "l'option « --confidentiel » ne prend pas de valeur"),
    (["show", "a", "b"], "argument en trop : b"),
    (["templates", "exporter"], "commande inconnue « exporter » ; vouliez-vous dire « export » ?"),
])
def test_click_refusals_are_told_in_french_by_their_kind(project, run, args, message):
    # Told by the refusal's class and the option's type, never by rewording click's English.
    result = run(*args)
    assert result.exit_code == 1
    assert f"Erreur : {message} (aide : " in result.output, result.output


def test_an_unknown_click_refusal_is_french_with_the_original_quoted():
    from generator.frontends.cli import _french_usage

    said = _french_usage(click.UsageError("Something new went wrong."))
    assert said == "ligne de commande refusée ; message d'origine : « Something new went wrong. »"


def test_help_headings_are_french(run):
    result = run("build", "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Utilisation : ")
    assert "[par défaut : references]" in result.output


def test_fiches_output_file_needs_single_when_several(project, run):
    several = run("fiches", "--type", "Stratégie", "-o", "x.docx")
    assert several.exit_code == 1
    assert "-o x.docx : un fichier pour 2 fiches ; ajoutez --single" in several.output
    assert not (project / "x.docx").exists()
    one = run("fiches", "--client", "Neuilly", "-o", "neuilly.docx")
    assert one.exit_code == 0, one.output
    assert (project / "neuilly.docx").is_file()


def test_list_and_show_print_titles_with_brackets_as_written(project, run):
    (project / "references" / "missions" / "2020-markup.yaml").write_text(
        'titre: "Étude [/b] [bold]quartiers[/bold]"\nmaitre_ouvrage: "[red]Ville[/red]"\nannees: 2020\n',
        encoding="utf-8")
    listed = run("list", "--id", "2020-markup")
    assert listed.exit_code == 0, listed.output
    assert "[red]Ville[/red]" in listed.output
    shown = run("show", "2020-markup")
    assert shown.exit_code == 0, shown.output
    assert "[bold]quartiers[/bold]" in shown.output


def test_new_names_a_mission_as_import_would(project, run):
    from generator.library.ids import mission_id

    titre = "AMO dans le cadre du NPNRU de la Ville de Bondy"
    result = run("new", "--titre", titre, "--annees", "2024", "--client", "Ville de Bondy")
    assert result.exit_code == 0, result.output
    expected = mission_id({"titre": titre, "annees": {"debut": 2024}})
    assert (project / "references" / "missions" / f"{expected}.yaml").is_file()


def test_new_does_not_load_the_importer(project):
    import subprocess
    import sys

    probe = ("import sys; from generator.frontends.cli import cli; "
             "cli.main(['new', '--titre', 'Étude urbaine', '--annees', '2024'], standalone_mode=False); "
             "print('importer' if 'generator.importing.importer' in sys.modules else 'sans importer')")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=project,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.splitlines()[-1] == "sans importer", done.stdout + done.stderr


def test_ci_runs_the_readme_test_line_in_a_fresh_environment():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pattern = re.search(r"grep -m1 -E '(.*?)' README\.md", ci).group(1)
    line = next(line for line in readme.splitlines() if re.search(pattern, line))
    assert line == 'python3 -m pip install -e ".[test]" && python3 -m pytest'
    assert "python3 -m venv" in ci and ci.index("install-system-deps.sh") < ci.index("python3 -m venv")


def test_the_same_mission_in_two_files_is_an_error_naming_both(project, run):
    missions = project / "references" / "missions"
    original = missions / "2021-mission-appui-relative-equipements-publics-marseillais.yaml"
    copy = missions / "2021-appui-equipements-marseille-copie.yaml"
    copy.write_text(original.read_text(encoding="utf-8").replace(
        "id: 2021-mission-appui-relative-equipements-publics-marseillais", "id: 2021-appui-equipements-marseille-copie"),
        encoding="utf-8")
    check = run("check", "--date", "2026-11-24")
    assert check.exit_code == 2
    (line,) = [line for line in check.output.splitlines() if "même mission que" in line]
    assert line.endswith(" (même titre, maître d'ouvrage et années) : gardez un seul des deux fichiers")
    assert original.name in line and copy.name in line
    message = line.split(": ", 1)[1]
    build = run("build", "--date", "2026-11-24")
    assert build.exit_code == 2 and message in build.output
    assert not (project / "outputs" / "dossier-candidature.docx").exists()


def test_outside_a_project_commands_say_how_to_get_one(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    for command in (["list"], ["build"], ["check"], ["show", "x"]):
        result = run(*command)
        assert result.exit_code == 2
        assert result.output.splitlines() == ["Erreur : aucun projet ici (pas de dossier references/) ; créez un projet "
                                              "avec « dossier init » ou indiquez la bibliothèque avec -r DOSSIER"]
    assert not (tmp_path / "outputs").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe size set with fcntl (Linux)")
def test_a_reader_that_stops_ends_the_command_quietly_with_the_pipe_code(tmp_path):
    """`dossier list | head -1`: no traceback and no French error about usage, the exit code a
    Unix tool gets when its reader goes (141 = 128 + SIGPIPE); the cache is still written."""
    import fcntl
    import os
    import subprocess

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import make_library

    make_library.make_project(300, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOSSIER_CACHE_DIR": str(tmp_path / "cache")}
    reader, writer = os.pipe()
    fcntl.fcntl(writer, 1031, 4096)  # F_SETPIPE_SZ: the command blocks after 4 kB, as behind `head`
    process = subprocess.Popen([sys.executable, "-m", "generator", "list"], cwd=tmp_path, env=env,
                               stdout=writer, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(writer)
    with os.fdopen(reader, "rb") as out:
        first = out.readline()
    error = process.communicate(timeout=60)[1].decode()
    assert first.decode().startswith("300 référence(s)")
    assert process.returncode == 141, error
    assert error == ""
    assert list((tmp_path / "cache").glob("library-*.pickle"))
