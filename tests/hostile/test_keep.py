"""Nothing the user keeps is overwritten by a generated file: library, templates, files of
another kind, files outside the project, special files; a link is followed, never replaced."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest


def _sums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("references", "templates") for p in sorted((root / folder).rglob("*")) if p.is_file()}


@pytest.mark.parametrize("args, code", [
    (["build", "-o", "references/cabinet.yaml"], 1),
    (["build", "-o", "references/missions/2017-amo-mise-place-concertation-via-creation.yaml"], 1),
    (["build", "-o", "references/productions/x.docx"], 4),
    (["build", "-o", "templates/dossier.docx"], 4),
    (["build", "--template", "templates/dossier.docx", "-o", "templates/dossier.docx"], 4),
    (["table", "-o", "templates/tableau.docx"], 4),
    (["table", "--format", "csv", "-o", "references/cabinet.csv"], 4),
    (["fiches", "--single", "-o", "templates/fiches.docx"], 4),
    (["cv", "Valérie Embize", "-o", "templates/cv.docx"], 4),
])
def test_library_and_templates_are_never_replaced(project, run, args, code):
    (project / "references" / "productions").mkdir(exist_ok=True)
    (project / "references" / "productions" / "x.docx").write_bytes(b"mine")
    (project / "references" / "cabinet.csv").write_bytes(b"mine")
    before = _sums(project)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert _sums(project) == before


@pytest.mark.parametrize("args", [
    ["bid", "new", "-o", "references/cabinet.yaml", "--force"],
    ["bid", "new", "-o", "references/missions/2017-amo-mise-place-concertation-via-creation.yaml", "--force"],
    ["bid", "new", "-o", "templates/dossier.docx", "--force"],
    ["templates", "export", "cv", "-o", "references/cabinet.yaml", "--force"],
])
def test_files_asked_for_by_name_never_replace_the_library_even_with_force(project, run, args):
    before = _sums(project)
    result = run(*args)
    assert result.exit_code == 4, result.output
    assert "fait partie de" in result.output and "Traceback" not in result.output
    assert _sums(project) == before


def test_bid_new_and_templates_export_follow_a_link_and_may_replace_with_force(project, run):
    assert run("bid", "new", "-o", "appel.yaml").exit_code == 0
    assert run("bid", "new", "-o", "appel.yaml").exit_code == 1  # exists: --force to replace
    assert run("bid", "new", "-o", "appel.yaml", "--force").exit_code == 0
    (project / "modeles").mkdir()
    (project / "lien.docx").symlink_to(project / "modeles" / "cv.docx")
    refused = run("templates", "export", "cv", "-o", "lien.docx")
    assert refused.exit_code == 4 and "lien symbolique vers un fichier absent" in refused.output
    (project / "modeles" / "cv.docx").write_bytes(b"old")
    assert run("templates", "export", "cv", "-o", "lien.docx", "--force").exit_code == 0
    assert (project / "lien.docx").is_symlink() and (project / "modeles" / "cv.docx").read_bytes()[:2] == b"PK"


def test_a_template_outside_templates_is_not_replaced_either(project, run):
    (project / "t.docx").write_bytes((project / "templates" / "dossier.docx").read_bytes())
    before = (project / "t.docx").read_bytes()
    result = run("build", "--template", "t.docx", "-o", "t.docx")
    assert result.exit_code == 4
    assert "ce fichier est un modèle Word" in result.output
    assert (project / "t.docx").read_bytes() == before


def test_an_existing_file_outside_the_project_is_kept_unless_dossier_made_it(project, run, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("ailleurs")
    mine = elsewhere / "rapport.docx"
    mine.write_bytes(b"my own report")
    result = run("build", "-o", str(mine))
    assert result.exit_code == 4
    assert "existe hors du projet et n'a pas été produit par dossier" in result.output
    assert mine.read_bytes() == b"my own report"
    produced = elsewhere / "dossier.docx"
    assert run("build", "-o", str(produced)).exit_code == 0
    assert run("build", "-o", str(produced)).exit_code == 0  # a document dossier made may be made again


def test_a_link_is_followed_not_replaced(project, run):
    (project / "outputs").mkdir()
    real = project / "outputs" / "vrai.docx"
    assert run("build", "-o", str(real)).exit_code == 0
    link = project / "lien.docx"
    link.symlink_to(real)
    result = run("build", "--type", "Stratégie", "-o", "lien.docx")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    dangling = project / "perdu.docx"
    dangling.symlink_to(project / "nulle-part" / "x.docx")
    assert run("build", "-o", "perdu.docx").exit_code == 4
    assert not (project / "nulle-part").exists()


def test_special_files_are_never_replaced(project, run):
    fifo = project / "tube.docx"
    os.mkfifo(fifo)
    result = run("build", "-o", "tube.docx")
    assert result.exit_code == 4
    assert "fichier spécial" in result.output
    assert fifo.exists() and not fifo.is_file()
    (project / "null.docx").symlink_to("/dev/null")
    assert run("build", "-o", "null.docx").exit_code == 4
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("value, message", [
    ("", "-o : nom de fichier vide"),
    ("notes.txt", "-o notes.txt : ce document est un fichier .docx"),
    ("outputs", "-o outputs : ce document est un fichier .docx"),
])
def test_output_names_are_checked(project, run, value, message):
    result = run("build", "-o", value)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not (project / "outputs").exists()


@pytest.mark.parametrize("value, written", [
    ("outputs/", "outputs/dossier-candidature.docx"),
    ("sortie/neuve/", "sortie/neuve/dossier-candidature.docx"),
    (".", "dossier-candidature.docx"),
])
def test_a_folder_given_to_o_keeps_the_default_name(project, run, value, written):
    result = run("build", "-o", value)
    assert result.exit_code == 0, result.output
    assert (project / written).is_file()


def test_init_in_an_existing_folder_keeps_templates_and_gitignore(tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "dossier.docx").write_bytes(b"my template")
    (tmp_path / ".gitignore").write_text("secret/\n")
    result = run("init", ".")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "templates" / "dossier.docx").read_bytes() == b"my template"
    assert (tmp_path / ".gitignore").read_text() == "secret/\n"
    assert "Conservé (déjà présent, non remplacé) : templates/dossier.docx" in result.output
    assert (tmp_path / "templates" / "cv.docx").is_file()


@pytest.mark.parametrize("ident", ["../../../x", "/tmp/x", "a/b", "..", ".cache", "é", "a b", "x" * 101])
def test_new_ids_are_names_not_paths(project, run, ident):
    before = _sums(project)
    result = run("new", "--titre", "Étude", "--annees", "2024", "--id", ident)
    assert result.exit_code == 1, result.output
    assert "--id" in result.output
    assert _sums(project) == before
    assert not Path("/tmp/x.yaml").exists()


def test_new_refuses_a_mission_the_library_would_refuse(project, run):
    result = run("new", "--titre", "x" * 3_000_000, "--annees", "2024")
    assert result.exit_code == 2, result.output[-300:]
    assert "rien n'a été écrit" in result.output
    assert len(list((project / "references" / "missions").iterdir())) == 4
