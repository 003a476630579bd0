"""Every file of the hostile corpus gives its exact line through `check` and `build`, never a traceback."""

from __future__ import annotations

import pytest

from .cases import CASES

DATE = "2026-11-24"


def _write(project, relative: str, content) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({name for name, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize("name, relative, content, expected, check_code, build_code", CASES, ids=[c[0] for c in CASES])
def test_check_names_the_problem(project, run, name, relative, content, expected, check_code, build_code):
    _write(project, relative, content)
    result = run("check", "--date", DATE)
    assert "Traceback" not in result.output
    assert expected in result.output.splitlines(), result.output
    assert result.exit_code == check_code, result.output


@pytest.mark.parametrize("name, relative, content, expected, check_code, build_code", CASES, ids=[c[0] for c in CASES])
def test_build_refuses_or_writes_a_sound_document(project, run, name, relative, content, expected, check_code, build_code):
    from docx import Document

    _write(project, relative, content)
    target = project / "outputs" / "dossier.docx"
    result = run("build", "--date", DATE, "-o", str(target))
    assert "Traceback" not in result.output
    assert result.exit_code == build_code, result.output
    if build_code:
        assert expected in result.output.splitlines(), result.output
        assert result.output.splitlines()[-1].endswith("aucun document n'a été écrit")
        assert not target.exists()
    else:
        Document(str(target))  # opens: the package is sound


def test_build_says_when_a_comment_cut_a_value_even_without_verbose(project, run):
    _write(project, "references/missions/zz.yaml", "titre: Étude #3 du quartier\n")
    result = run("build", "--id", "zz", "-o", "outputs/zz.docx")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "references/missions/zz.yaml:1: avertissement : champ 'titre' : le texte après « # » est ignoré "
        "(commentaire YAML) : « 3 du quartier » ; mettez toute la valeur entre guillemets pour le garder"
    )
