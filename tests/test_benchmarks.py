"""The benchmark scripts run to the end (a smoke test: no timing is asserted)."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT

from generator.library.loader import load_library

sys.path.insert(0, str(ROOT / "benchmarks"))

import make_library  # noqa: E402


def test_synthetic_library_is_valid_and_the_same_for_the_same_seed(tmp_path):
    ids = make_library.make_library(40, tmp_path / "a", seed=7)
    make_library.make_library(40, tmp_path / "b", seed=7)
    library = load_library(tmp_path / "a", use_cache=False)
    assert library.problems == []
    assert sorted(m.id for m in library.missions) == sorted(ids) and len(set(ids)) == 40
    assert {m.type for m in library.missions} > {"Stratégie et montage de projets"}
    for path in (tmp_path / "a" / "missions").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / "missions" / path.name).read_bytes()
    fiches = make_library.make_fiches(2, tmp_path / "fiches")
    assert "Montant de la mission:" in fiches[0].read_text(encoding="utf-8")


def test_quick_benchmark_completes_and_prints_its_table(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--sizes", "20", "--fiches", "2", "3"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # Only rows every version has: a command another version lacks or changed is reported, not fatal.
    assert re.search(r"\| dossier list --type Concertation \| 20 \| \d+\.\d\d \|", done.stdout)
    assert re.search(r"\| dossier fiches --single \(3 fiches\) \| 20 \| \d+\.\d\d \|", done.stdout)
    assert re.search(r"docxtpl × 3 \+ docxcompose \| 20 \| \d+\.\d\d \|", done.stdout)
