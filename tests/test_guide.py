"""The French guide's examples, run as written: every command succeeds and prints what the guide shows."""

from __future__ import annotations

import re
import shlex

from tests.conftest import ROOT


def _examples() -> list[tuple[str, list[str]]]:
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    examples = []
    for block in re.findall(r"```console\n(.*?)```", guide, re.S):
        for line in block.splitlines():
            if line.startswith("$ dossier "):
                examples.append((line[len("$ dossier "):], []))
            elif line.strip() and examples:
                examples[-1][1].append(line)
    return examples


def test_the_guide_runs_as_written(project, run):
    examples = _examples()
    assert [command.split()[0] for command, _ in examples] == ["bid", "build", "pieces", "formulaires", "pack"]
    for command, expected in examples:
        result = run(*shlex.split(command))
        assert result.exit_code == 0, (command, result.output)
        shown = " ".join(result.output.split())
        for line in expected:
            assert " ".join(line.split()) in shown, (command, line)


def test_the_readme_links_to_the_guide():
    assert "(docs/guide.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
