"""dossier serve, without a browser: saving safely, and hostile requests refused.

The browser tests (test_web_browser.py) drive the same pages in Chromium.
"""

from __future__ import annotations

import difflib
import html
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

pytest.importorskip("starlette")
with warnings.catch_warnings():  # Starlette's test client announces a move to httpx2
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

from generator.frontends.web import forms  # noqa: E402
from generator.frontends.web.app import create_app  # noqa: E402
from generator.library.loader import load_library  # noqa: E402
from generator.library.models import Mission  # noqa: E402
from generator.library.yamlio import read_yaml  # noqa: E402
from tests.conftest import ROOT, TODAY  # noqa: E402

CONCERTATION = "2017-amo-mise-place-concertation-via-creation"


@pytest.fixture
def library(tmp_path) -> Path:
    import shutil

    shutil.copytree(ROOT / "references", tmp_path / "references")
    return tmp_path / "references"


@pytest.fixture
def client(library):
    app = create_app(library, ROOT / "templates", clock=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        c.get("/")  # the anti-forgery cookie, as a browser gets it
        yield c


def form_of(client, kind: str, ident: str) -> dict[str, list[str]]:
    """What the browser would send for the edit form as it is shown (nothing changed)."""
    page = client.get(f"/modifier/{kind}/{ident}").text
    path = next((client.app.app.state.workspace.folder(kind)).glob(f"{ident}.yaml"))
    values = forms.form_values(Mission, read_yaml(path).data)
    data: dict[str, list[str]] = {}
    for name, value in values.items():
        if isinstance(value, list):
            data[name] = value
        elif forms.field_name(name).rsplit(".", 1)[-1] in ("en_cours", "maximum", "confidentiel"):
            if value:
                data[name] = ["oui"]
        else:
            data[name] = [value]
    data["version"] = [re.search(r'name="version" value="([^"]*)"', page).group(1)]
    data["csrf"] = [client.cookies.get("dossier_csrf")]
    return data


def test_a_save_changes_only_the_changed_line_and_keeps_comments(client, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    text = path.read_text(encoding="utf-8").replace("type: Accompagnement social",
                                                     "# vérifié avec le client en 2024\ntype: Accompagnement social  # à garder")
    path.write_text(text, encoding="utf-8")
    data = form_of(client, "missions", CONCERTATION)
    data["maitre_ouvrage"] = ["Ville de Neuilly-sur-Marne (93)"]
    response = client.post(f"/modifier/missions/{CONCERTATION}", data=data, follow_redirects=False)
    assert response.status_code == 303
    after = path.read_text(encoding="utf-8")
    assert after == text.replace("maitre_ouvrage: Ville de Neuilly-sur-Marne", "maitre_ouvrage: Ville de Neuilly-sur-Marne (93)")
    assert "# vérifié avec le client en 2024" in after and "# à garder" in after


def test_a_save_with_nothing_changed_does_not_rewrite_the_file(client, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    before = path.stat().st_mtime_ns, path.read_bytes()
    response = client.post(f"/modifier/missions/{CONCERTATION}", data=form_of(client, "missions", CONCERTATION),
                           follow_redirects=False)
    assert response.status_code == 303 and "enregistre=0" in response.headers["location"]
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_an_invalid_value_is_refused_next_to_its_field_and_nothing_is_written(client, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    before = path.read_bytes()
    data = form_of(client, "missions", CONCERTATION)
    data["montant.0.valeur"] = ["vingt mille"]
    data["annees.debut"] = ["2031"]
    response = client.post(f"/modifier/missions/{CONCERTATION}", data=data)
    assert response.status_code == 422
    assert re.search(r'id="err-montant\.0\.valeur">nombre attendu, trouvé « vingt mille »', response.text)
    assert path.read_bytes() == before
    data["montant.0.valeur"] = ["29340"]
    response = client.post(f"/modifier/missions/{CONCERTATION}", data=data)
    # What check calls an error (a year not reached yet) is refused too.
    assert response.status_code == 422 and "année 2031 dans le futur" in response.text
    assert path.read_bytes() == before


def test_the_second_of_two_concurrent_saves_is_refused_with_both_versions(client, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    first, second = form_of(client, "missions", CONCERTATION), form_of(client, "missions", CONCERTATION)
    first["type"] = ["Concertation"]
    second["type"] = ["AMO"]
    assert client.post(f"/modifier/missions/{CONCERTATION}", data=first, follow_redirects=False).status_code == 303
    response = client.post(f"/modifier/missions/{CONCERTATION}", data=second)
    assert response.status_code == 409
    assert "modifié par quelqu'un d'autre" in html.unescape(response.text)
    assert re.search(r"<td>Concertation</td><td>AMO</td>", response.text)  # theirs, mine
    assert "type: Concertation" in path.read_text(encoding="utf-8")


def test_a_new_reference_is_written_valid_under_its_id(client, library):
    data = {"csrf": client.cookies.get("dossier_csrf"), "version": "", "titre": "AMO concertation des Fauvettes",
            "maitre_ouvrage": "Ville de Bondy", "annees.debut": "2024", "annees.en_cours": "oui",
            "montant.0.valeur": "35 000", "montant.0.taxe": "HT", "composantes": ["Concertation"]}
    response = client.post("/nouvelle/missions", data=data, follow_redirects=False)
    assert response.status_code == 303
    path = library / "missions" / "2024-amo-concertation-fauvettes.yaml"
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../../schema/mission.schema.json\n")
    loaded = load_library(library, use_cache=False)
    assert not loaded.errors
    mission = loaded.mission("2024-amo-concertation-fauvettes")
    assert mission.montant[0].valeur == 35000 and mission.annees.en_cours and mission.composantes == ["Concertation"]
    # The same id again: refused, the first file kept.
    again = client.post("/nouvelle/missions", data=data)
    assert again.status_code == 409 and "existe déjà" in again.text


@pytest.mark.parametrize("url", [
    "/fiche/missions/..%2F..%2F..%2Fetc%2Fpasswd", "/modifier/missions/..%2Fcabinet", "/fiche/../../etc/passwd",
    "/modifier/etc/passwd", "/fiche/missions/%2Fetc%2Fpasswd", "/static/..%2F..%2Fapp.py",
])
def test_no_path_outside_the_library_is_read(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert "root:" not in response.text and "Traceback" not in response.text


def test_an_id_cannot_name_a_file_outside_its_folder(client, library):
    data = {"csrf": client.cookies.get("dossier_csrf"), "version": "", "titre": "X", "id": "../../evil"}
    response = client.post("/nouvelle/missions", data=data)
    assert response.status_code == 422 and "minuscules, chiffres et tirets" in response.text
    assert not list(library.parent.rglob("evil*"))


def test_a_link_to_a_file_outside_the_library_is_not_edited(client, library, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("titre: secret\n", encoding="utf-8")
    (library / "missions" / "lien.yaml").symlink_to(outside)
    response = client.get("/modifier/missions/lien")
    assert response.status_code == 400 and "lien symbolique" in response.text


def test_uploads_are_limited_in_size_and_type(client, library):
    csrf = client.cookies.get("dossier_csrf")
    before = sorted(p.name for p in (library / "missions").iterdir())
    huge = client.post("/importer", data={"csrf": csrf}, files=[("fichiers", ("a.txt", b"a" * 21_000_000, "text/plain"))])
    assert huge.status_code == 413 and "trop volumineux" in huge.text
    big = client.post("/importer", data={"csrf": csrf}, files=[("fichiers", ("a.txt", b"a" * 5_100_000, "text/plain"))])
    assert big.status_code == 400 and "plus de 5 Mo" in big.text
    wrong = client.post("/importer", data={"csrf": csrf}, files=[("fichiers", ("../../a.sh", b"rm -rf /", "text/plain"))])
    assert wrong.status_code == 400 and "seuls les fichiers .txt, .docx" in wrong.text
    assert sorted(p.name for p in (library / "missions").iterdir()) == before


def test_forms_from_another_site_are_refused(client, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    before = path.read_bytes()
    data = form_of(client, "missions", CONCERTATION)
    data["type"] = ["piraté"]
    forged = dict(data, csrf=["autre"])
    assert client.post(f"/modifier/missions/{CONCERTATION}", data=forged).status_code == 403
    foreign = client.post(f"/modifier/missions/{CONCERTATION}", data=data, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert path.read_bytes() == before


def test_a_foreign_host_name_is_refused(client):
    # A page on 127.0.0.1 reached through a name that resolves there (DNS rebinding).
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_a_token_is_required_when_set(library):
    app = create_app(library, ROOT / "templates", token="une-longue-phrase", clock=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        first = c.get("/", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/connexion"
        c.get("/connexion")
        csrf = c.cookies.get("dossier_csrf")
        assert c.post("/connexion", data={"csrf": csrf, "jeton": "faux"}).status_code == 401
        assert c.post("/connexion", data={"csrf": csrf, "jeton": "une-longue-phrase"}).status_code == 200
        assert "Références" in c.get("/").text


def test_an_unexpected_error_shows_a_french_page_without_traceback(client, monkeypatch):
    from generator.frontends.web import views

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(views, "library_rows", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "Erreur inattendue" in response.text
    assert "Traceback" not in response.text and "secret internal detail" not in response.text


def test_serve_refuses_the_network_without_a_token(run, tmp_path):
    result = subprocess.run([sys.executable, "-m", "generator", "serve", "-r", str(ROOT / "references"),
                             "--host", "0.0.0.0", "--port", "1"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1
    assert "--host 0.0.0.0 ouvre la page au réseau : donnez aussi un mot de passe avec --token" in result.stderr


def test_a_save_is_committed_with_the_editors_name_when_the_library_is_a_repository(library):
    def git(*args):
        return subprocess.run(["git", *args], cwd=library, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("-c", "user.name=Init", "-c", "user.email=init@example.org", "add", ".")
    git("-c", "user.name=Init", "-c", "user.email=init@example.org", "commit", "-qm", "bibliothèque")
    app = create_app(library, ROOT / "templates", git=True, clock=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        c.get("/")
        data = form_of(c, "missions", CONCERTATION)
        assert "Enregistrer aussi dans l'historique git" in html.unescape(c.get(f"/modifier/missions/{CONCERTATION}").text)
        data.update(type=["Concertation"], commit=["oui"], auteur=["Claudia Romero"], message=["type corrigé"])
        page = c.post(f"/modifier/missions/{CONCERTATION}", data=data)
        assert page.status_code == 200 and "Claudia Romero" in page.text  # the last changes are shown
    assert git("log", "-1", "--format=%an|%s") == "Claudia Romero|type corrigé\n"
    assert git("status", "--porcelain") == ""


def test_the_dossier_preview_is_the_real_document(client):
    from generator.documents.pdf import soffice

    csrf = client.cookies.get("dossier_csrf")
    need = {"csrf": csrf, "besoin": "concertation des habitants et maison du projet", "retenues": [CONCERTATION]}
    text = client.post("/appel", data={**need, "action": "apercu"})
    assert text.status_code == 200
    assert "AMO pour la mise en place de la concertation via la création de la Maison du projet ANRU" in \
        html.unescape(text.text.split('id="apercu"', 1)[1])
    if soffice() is None:
        pytest.skip("LibreOffice absent : l'aperçu PDF n'est pas proposé")
    pdf = client.post("/appel", data={**need, "action": "apercu-pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_file_changed_on_disk_is_read_again(client, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    assert "Ville de Neuilly-sur-Marne" in client.get(f"/fiche/missions/{CONCERTATION}").text
    path.write_text(path.read_text(encoding="utf-8").replace("maitre_ouvrage: Ville de Neuilly-sur-Marne",
                                                             "maitre_ouvrage: Commune de Neuilly"), encoding="utf-8")
    assert "Commune de Neuilly" in client.get(f"/fiche/missions/{CONCERTATION}").text
    assert "Commune de Neuilly" in client.get("/").text


@pytest.mark.parametrize("kind, ident, model_name, key, value", [
    ("cabinet", "cabinet", "Cabinet", "telephone", "01 02 03 04 05"),
    ("personnes", "chloe-etori", "Personne", "fonction", "Cheffe de projet"),
])
def test_the_firm_and_people_are_edited_like_references(client, library, kind, ident, model_name, key, value):
    from generator.frontends.web.workspace import MODELS

    record = client.app.app.state.workspace.find(kind, ident)
    before = record.path.read_text(encoding="utf-8")
    page = client.get(f"/modifier/{kind}/{ident}").text
    model = MODELS[kind]
    data: dict[str, list[str]] = {}
    for name, shown in forms.form_values(model, read_yaml(record.path).data).items():
        if isinstance(shown, list):
            data[name] = shown
        elif shown and f'type="checkbox" id="f-{name}"' in page:
            data[name] = ["oui"]
        elif f'type="checkbox" id="f-{name}"' not in page:
            data[name] = [shown]
    data.update(version=[re.search(r'name="version" value="([^"]*)"', page).group(1)],
                csrf=[client.cookies.get("dossier_csrf")], **{key: [value]})
    response = client.post(f"/modifier/{kind}/{ident}", data=data, follow_redirects=False)
    assert response.status_code == 303, html.unescape(response.text)[-800:]
    after = record.path.read_text(encoding="utf-8")
    assert after.splitlines()[0] == before.splitlines()[0]  # the schema line kept
    assert f"{key}: {value}" in after
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert len(changed) <= 2, changed  # one line replaced (or added), nothing else touched
    assert not [p for p in load_library(library, use_cache=False).errors]


def test_the_search_ranks_with_the_firms_concepts_like_list_bid(client, library):
    """« pavillon » is the firm's word for its project house: its concept table says so."""
    assert CONCERTATION not in client.get("/", params={"q": "pavillon"}).text
    (library / "concepts.yaml").write_text(
        "lieu_du_projet:\n  libelle: lieu du projet\n  expressions: [pavillon, maison du projet]\n", encoding="utf-8")
    assert CONCERTATION in client.get("/", params={"q": "pavillon"}).text
    (library / "concepts.yaml").write_text("lieu_du_projet:\n  expresions: [pavillon]\n", encoding="utf-8")
    page = client.get("/", params={"q": "concertation"})
    assert page.status_code == 200 and CONCERTATION in page.text  # the built-in table while the firm's is wrong
