"""An output that cannot be written: exit 4 (130 for Ctrl-C), the previous file intact, no temporary file left."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from generator import output
from generator.output import lock_file

PREVIOUS = b"the dossier of yesterday"


@pytest.fixture
def previous(project) -> Path:
    target = project / "outputs" / "dossier-candidature.docx"
    target.parent.mkdir()
    target.write_bytes(PREVIOUS)
    return target


def _left_alone(target: Path) -> None:
    assert target.read_bytes() == PREVIOUS
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.startswith("~$")) == [target.name]


@pytest.mark.parametrize("name, owner", [
    ("OfficeReport.docx", "~$ficeReport.docx"),
    ("rapport.docx", "~$apport.docx"),
    ("cv.docx", "~$cv.docx"),
    ("dossier-candidature.docx", "~$ssier-candidature.docx"),
])
def test_word_owner_file_name(name, owner):
    assert lock_file(Path(name)).name == owner


def test_document_open_in_word(previous, run):
    (previous.parent / "~$ssier-candidature.docx").write_bytes(b"owner")
    result = run("build")
    assert result.exit_code == 4
    assert result.output.splitlines()[-1] == (
        "Erreur : outputs/dossier-candidature.docx : le fichier est ouvert dans Word (verrou "
        "~$ssier-candidature.docx) ; fermez-le puis relancez"
    )
    _left_alone(previous)


def test_read_only_folder(previous, run, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(output.tempfile, "NamedTemporaryFile", refuse)
    result = run("build")
    assert result.exit_code == 4
    assert result.output.splitlines()[-1] == (
        "Erreur : outputs/dossier-candidature.docx : écriture impossible (accès refusé : fichier ouvert dans un autre "
        "programme ou dossier protégé en écriture) ; le fichier précédent est conservé"
    )
    _left_alone(previous)


def test_disk_full(previous, run, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    result = run("build")
    assert result.exit_code == 4
    assert result.output.splitlines()[-1] == (
        "Erreur : outputs/dossier-candidature.docx : écriture impossible (disque plein) ; le fichier précédent est conservé"
    )
    _left_alone(previous)


def test_ctrl_c_while_writing(previous, run, monkeypatch):
    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "replace", interrupt)
    result = run("build")
    assert result.exit_code == 130
    assert result.output.splitlines()[-1] == "Interrompu : aucun fichier n'a été modifié."
    _left_alone(previous)


def test_ctrl_c_while_rendering(previous, run, monkeypatch):
    from generator.documents import render

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "render", interrupt)
    result = run("build")
    assert result.exit_code == 130
    _left_alone(previous)


def test_output_is_a_folder(project, run):
    (project / "outputs" / "dossier-candidature.docx").mkdir(parents=True)
    result = run("build")
    assert result.exit_code == 4
    assert result.output.splitlines()[-1] == "Erreur : outputs/dossier-candidature.docx : c'est un dossier, pas un fichier"


def test_output_folder_under_a_file(project, run):
    (project / "outputs").write_text("not a folder")
    result = run("build")
    assert result.exit_code == 4
    assert result.output.splitlines()[-1] == (
        "Erreur : outputs : impossible de créer le dossier de sortie (un fichier porte déjà ce nom)"
    )
    assert (project / "outputs").read_text() == "not a folder"


def test_a_successful_build_leaves_no_temporary_file(previous, run):
    assert run("build").exit_code == 0
    assert previous.read_bytes() != PREVIOUS
    assert os.listdir(previous.parent) == [previous.name]
