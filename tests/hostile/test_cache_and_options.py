"""The cache sees every edit, unpickles only what the user's key sealed and builds only records; every
command-line value is checked like the YAML: a French message and exit 1, never a traceback."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import docx_text

MISSION = "references/missions/2017-amo-mise-place-concertation-via-creation.yaml"


@pytest.fixture
def cached(project, monkeypatch, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("DOSSIER_CACHE_DIR", str(folder))
    monkeypatch.delenv("DOSSIER_NO_CACHE", raising=False)
    return folder


def test_an_edit_that_keeps_size_and_date_is_seen(project, run, cached):
    path = project / MISSION
    text = path.read_text(encoding="utf-8")
    assert "2017" in text
    past = os.stat(path).st_mtime_ns - 120 * 10**9
    os.utime(path, ns=(past, past))
    assert run("check", "--date", "2026-11-24").exit_code in (0, 2)
    stamp = os.stat(path).st_mtime_ns
    path.write_text(re.sub(r"debut: 2017", "debut: 2016", text, count=1), encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert os.stat(path).st_size == len(text.encode("utf-8"))
    target = project / "out.docx"
    assert run("build", "--id", "2017-amo-mise-place-concertation-via-creation", "-o", str(target)).exit_code == 0
    assert "2016" in docx_text(target)


class Payload:
    """A pickle that writes a file when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _cache_files(folder):
    return sorted(p for p in folder.iterdir() if p.name != "key")


def test_a_planted_pickle_is_never_run(project, run, cached):
    assert run("check", "--date", "2026-11-24").exit_code in (0, 2)
    marker = project / "pwned.txt"
    planted = pickle.dumps(Payload(marker))
    files = _cache_files(cached)
    assert {p.suffix for p in files} == {".pickle"} and len(files) >= 3  # library, its lines, the templates
    for path in files:
        path.write_bytes(planted)
    first = run("check", "--date", "2026-11-24")
    assert first.exit_code in (0, 2) and "Traceback" not in first.output
    assert not marker.exists()
    for path in _cache_files(cached):  # a seal-length prefix of anything does not make it sealed
        path.write_bytes(os.urandom(32) + planted)
    assert run("build", "-o", "out.docx").exit_code == 0
    assert not marker.exists()


def test_a_sealed_cache_still_builds_nothing_but_records(project, run, cached):
    """Even with the user's own key (stolen, or a bug that seals the wrong thing), the
    unpickler refuses any class but the library's records."""
    assert run("check", "--date", "2026-11-24").exit_code in (0, 2)
    marker = project / "pwned.txt"
    key = (cached / "key").read_bytes()
    payload = pickle.dumps(("any stamp", Payload(marker)))
    for path in _cache_files(cached):
        path.write_bytes(hmac.new(key, payload, hashlib.sha256).digest() + payload)
    assert run("check", "--date", "2026-11-24").exit_code in (0, 2)
    assert not marker.exists()


def _forge(path, change, key=None):
    """Rewrite a sealed cache file's records with `change`, keeping its seal (or sealing with `key`)."""
    data = path.read_bytes()
    stamp, entries = pickle.loads(data[32:])
    change(entries)
    payload = pickle.dumps((stamp, entries))
    seal = hmac.new(key, payload, hashlib.sha256).digest() if key else data[:32]
    path.write_bytes(seal + payload)


def _rename_every_mission(entries):
    for entry in entries.values():
        if entry["item"] is not None and hasattr(entry["item"], "titre"):
            entry["item"].titre = "Titre forgé"
            entry["problems"] = []


@pytest.mark.parametrize("sealed_with", ["old seal", "another key"])
def test_a_forged_entry_cannot_change_what_check_reports(project, run, cached, sealed_with):
    fresh = run("check", "--date", "2026-11-24", "--no-cache").output
    assert run("check", "--date", "2026-11-24").output == fresh
    library = next(p for p in _cache_files(cached) if p.name.startswith("library-") and ".lines." not in p.name)
    _forge(library, _rename_every_mission, None if sealed_with == "old seal" else os.urandom(32))
    assert run("check", "--date", "2026-11-24").output == fresh
    assert run("build", "-o", "outputs/x.docx").exit_code == 0
    assert "Titre forgé" not in docx_text(project / "outputs" / "x.docx")


def test_a_key_others_can_read_is_not_trusted(project, run, cached):
    assert run("check", "--date", "2026-11-24").exit_code in (0, 2)
    key = cached / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    library = next(p for p in _cache_files(cached) if p.name.startswith("library-") and ".lines." not in p.name)
    _forge(library, _rename_every_mission, key.read_bytes())
    key.chmod(0o644)  # anyone on the machine could have sealed this
    assert run("build", "-o", "outputs/x.docx").exit_code == 0
    assert "Titre forgé" not in docx_text(project / "outputs" / "x.docx")


# --- option values ----------------------------------------------------------------------------

@pytest.mark.parametrize("args, said", [
    (["build", "--appel", "a\vb"], "--appel : tabulation verticale"),
    (["build", "--titre", "a\fb"], "--titre : saut de page"),
    (["build", "--acheteur", "Ville\x00"], "--acheteur : caractère nul"),
    (["build", "--appel", "{_{ lot }_}"], "--appel : « {_{ » est réservé"),
    (["list", "--client", "Pantin\udcff"], "--client : octets qui ne sont pas du texte UTF-8"),
    (["list", "--last", "-3"], "--last : -3 hors limites (au moins 1)"),
    (["list", "--last", "0"], "--last : 0 hors limites (au moins 1)"),
    (["list", "--limit", "0"], "--limit : 0 hors limites (au moins 1)"),
    (["list", "--since", "-5"], "--since : -5 hors limites (entre 1900 et 2100)"),
    (["list", "--date", "31/02/2027"], "date impossible « 31/02/2027 » : le 31 février n'existe pas"),
    (["list", "--date", "2027-02-29"], "le 29 février n'existe pas (2027 n'est pas bissextile)"),
    (["build", "--date-limite", "2027-13-01"], "il n'y a pas de mois 13"),
    (["check", "--last", "0"], "--last : 0 hors limites (au moins 1)"),
    (["build", "-o", ""], "-o : nom de fichier vide"),
    (["new", "--titre", "Étude", "--id", "../x"], "un identifiant est un nom, pas un chemin"),
])
def test_bad_option_values_get_a_french_message(project, run, args, said):
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert said in result.output
    assert "Traceback" not in result.output
    assert not (project / "outputs").exists()


@settings(max_examples=int(os.environ.get("DOSSIER_EXAMPLES", 40)), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--client", "--text", "--type", "--person", "--exclude", "--date", "--min-amount",
                                "--last", "--since", "--limit"]),
       value=st.lists(st.text(max_size=6) | st.sampled_from(["\udcff", "\v", "{_{", "-3", "0", "31/02/2027", "1e9"]),
                      max_size=3).map("".join))
def test_any_option_value_is_used_or_refused_in_french(project, run, option, value):
    result = run("list", option, value)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.output.startswith("Erreur : ")
