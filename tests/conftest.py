"""Shared fixtures: the shipped library copied into a temporary project, and DOCX readers."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
TODAY = date(2026, 11, 24)  # fixed "today": outputs never depend on the clock


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the repository's library and templates, as the current directory."""
    shutil.copytree(ROOT / "references", tmp_path / "references")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run():
    """Invoke the CLI as a user would; returns click's Result (exit_code, output)."""
    from generator.frontends.cli import cli

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def docx_text(path: Path) -> str:
    """Every paragraph of the body, tables included, one per line."""
    document = Document(str(path))
    lines = []

    def walk(container):
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                lines.append(block.text)

    walk(document)
    return "\n".join(lines)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """The library cache of a test run lives in its temporary folder, never in the user's;
    session-wide, so that module fixtures loading a library use it too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOSSIER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield
