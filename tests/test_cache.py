"""The on-disk cache makes loading faster and never changes what a command reports."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from generator.library import loader as library_module
from generator.library.loader import load_library, source_of

from conftest import ROOT

BAD_MISSION = """titre: Etude urbaine
annees: 2019 - 2017
montnt: 12 000
"""
VARIANT_MISSION = """titre: Concertation
composantes:
  - Concertation
  - Coordination inter chantiers
"""


@pytest.fixture
def lib(tmp_path, monkeypatch):
    monkeypatch.setenv("DOSSIER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DOSSIER_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "references", tmp_path / "references")
    (tmp_path / "references" / "missions" / "bad.yaml").write_text(BAD_MISSION, encoding="utf-8")
    (tmp_path / "references" / "missions" / "variant.yaml").write_text(VARIANT_MISSION, encoding="utf-8")
    (tmp_path / "references" / "missions" / "broken.yaml").write_text("titre: [a\n", encoding="utf-8")
    settle(tmp_path / "references")
    return tmp_path / "references"


def settle(root):
    """Date every file a minute back: files saved seconds ago are never cached."""
    past = time.time() - 60
    for path in root.rglob("*.yaml"):
        os.utime(path, (past, past))


def report(library) -> list[str]:
    return [str(p) for p in library.problems]


def test_cached_load_reports_the_same_problems_and_lines(lib, monkeypatch):
    fresh = load_library(lib, use_cache=False)
    first = load_library(lib)
    assert (lib.parent / "cache").is_dir()

    def no_reading(*args, **kwargs):
        raise AssertionError("a file was re-read although unchanged")

    monkeypatch.setattr(library_module, "read_yaml", no_reading)
    cached = load_library(lib)
    assert report(fresh) == report(first) == report(cached)
    assert any("bad.yaml:2" in p and "années inversées" in p for p in report(cached))
    assert any("variant.yaml:4" in p and "composantes[2]" in p for p in report(cached))
    assert [m.model_dump() for m in cached.missions] == [m.model_dump() for m in fresh.missions]
    mission = cached.missions[0]
    # sources are kept per object: each library's own mission is looked up in it
    assert source_of(cached, mission)[1].line_of(("contenu", 1)) == source_of(fresh, fresh.missions[0])[1].line_of(("contenu", 1))


def test_an_edited_file_is_read_again(lib):
    load_library(lib)
    bad = lib / "missions" / "bad.yaml"
    bad.write_text(BAD_MISSION.replace("2019 - 2017", "2017 - 2019").replace("montnt", "montant"), encoding="utf-8")
    after = report(load_library(lib))
    assert not any("bad.yaml" in p and "années" in p for p in after)
    assert after == report(load_library(lib, use_cache=False))


def test_a_file_saved_just_now_is_not_trusted_to_its_timestamp(lib):
    bad = lib / "missions" / "bad.yaml"
    bad.write_text(BAD_MISSION, encoding="utf-8")  # saved now: not remembered
    load_library(lib)
    stamp = bad.stat().st_mtime_ns
    # Same size, same timestamp: only the content tells the two versions apart.
    bad.write_text(BAD_MISSION.replace("2019 - 2017", "2017 - 2019"), encoding="utf-8")
    os.utime(bad, ns=(stamp, stamp))
    assert not any("bad.yaml" in p and "années" in p for p in report(load_library(lib)))


def test_a_deleted_file_disappears_and_no_cache_variable_bypasses(lib, monkeypatch):
    load_library(lib)
    (lib / "missions" / "broken.yaml").unlink()
    assert not any("broken.yaml" in p for p in report(load_library(lib)))
    monkeypatch.setenv("DOSSIER_NO_CACHE", "1")
    monkeypatch.setattr(library_module, "read_yaml", lambda *a: (_ for _ in ()).throw(AssertionError("read")))
    with pytest.raises(AssertionError, match="read"):
        load_library(lib)


def test_a_corrupt_or_unwritable_cache_is_not_an_error(lib, tmp_path):
    expected = report(load_library(lib, use_cache=False))
    load_library(lib)
    for path in (tmp_path / "cache").iterdir():
        path.write_bytes(b"not a pickle")
    assert report(load_library(lib)) == expected
    shutil.rmtree(tmp_path / "cache")
    (tmp_path / "cache").write_text("a file where the folder should be")
    assert report(load_library(lib)) == expected
    os.remove(tmp_path / "cache")


def test_check_names_the_same_lines_with_and_without_the_cache(lib, run, monkeypatch):
    first = run("check", str(lib), "--date", "2026-11-24")
    cached = run("check", str(lib), "--date", "2026-11-24")
    monkeypatch.setenv("DOSSIER_NO_CACHE", "1")
    fresh = run("check", str(lib), "--date", "2026-11-24")
    assert cached.output == fresh.output == first.output
    # the recency warnings come from the cache's own line map on the second run
    assert "2017-amo-mise-place-concertation-via-creation.yaml:5: avertissement : champ 'annees'" in cached.output


@pytest.mark.parametrize("cached", [False, True])
def test_files_read_in_several_processes_report_the_same_problems_and_lines(lib, monkeypatch, cached):
    serial = load_library(lib, use_cache=False)
    monkeypatch.setattr(library_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(library_module, "_workers", lambda: 2)
    parallel = load_library(lib, use_cache=cached)
    again = load_library(lib)  # from the cache the parallel read filled, when it did
    assert report(parallel) == report(serial) == report(again)
    assert [m.model_dump() for m in parallel.missions] == [m.model_dump() for m in serial.missions]
    assert parallel.cabinet == serial.cabinet and len(parallel.personnes) == len(serial.personnes)
    for mine, theirs in zip(parallel.missions, serial.missions):
        for loc in (("titre",), ("contenu", 1), ("montant", 0, "valeur"), ("annees",)):
            assert source_of(parallel, mine)[1].line_of(loc) == source_of(serial, theirs)[1].line_of(loc)
