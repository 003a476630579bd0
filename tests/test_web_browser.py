"""dossier serve in a real browser: Debian's Chromium driven by Playwright (nothing downloaded).

The server runs on 127.0.0.1, on a free port, over a copy of the shipped library. Screenshots
of the main pages go to $DOSSIER_SCREENSHOTS when it is set (to look at them).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator.library.loader import load_library
from tests.conftest import ROOT, SEEDS, TODAY

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium absent : bash scripts/install-system-deps.sh l'installe", allow_module_level=True)

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
CONCERTATION = "2017-amo-mise-place-concertation-via-creation"
MARSEILLE = "2021-mission-appui-relative-equipements-publics-marseillais"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("web") / "references"
    shutil.copytree(ROOT / "references", root)
    return root


@pytest.fixture(scope="module")
def server(library):
    import uvicorn

    from generator.frontends.web.app import create_app

    port = free_port()
    app = create_app(library, ROOT / "templates", clock=lambda: TODAY)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)  # generous: the tests may share a loaded machine
    yield page
    context.close()


def save(page):
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state()



def test_create_a_reference(page, server, library):
    page.goto(server + "/")
    page.get_by_role("link", name="Nouvelle référence").first.click()
    page.get_by_label("Intitulé").fill("Évaluation du contrat de ville de Bondy")
    page.get_by_label("Maître d'ouvrage (client)").fill("Ville de Bondy")
    page.get_by_label("Année de début").fill("2025")
    amount = page.get_by_role("group", name="Montant de la mission, ligne 1")
    amount.get_by_label("Montant (€)").fill("42 500")
    amount.get_by_label("HT / TTC").select_option("HT")
    page.get_by_label("Cohésion sociale").check()
    page.get_by_label("Consultants mobilisés").fill("Claudia Romero\nChloé Etori")
    save(page)
    assert page.url.endswith("/fiche/missions/2025-evaluation-contrat-ville-bondy?enregistre=1")
    assert page.get_by_role("status").first.inner_text().startswith("Enregistré")
    mission = load_library(library, use_cache=False).mission("2025-evaluation-contrat-ville-bondy")
    assert mission is not None
    assert (mission.maitre_ouvrage, mission.annees.debut, mission.montant[0].valeur, mission.montant[0].taxe) == \
        ("Ville de Bondy", 2025, 42500, "HT")
    assert mission.composantes == ["Cohésion sociale"] and mission.consultants == ["Claudia Romero", "Chloé Etori"]


def test_edit_each_kind_of_field_and_keep_the_comments(page, server, library):
    path = library / "missions" / f"{MARSEILLE}.yaml"
    path.write_text("# Fiche relue par la direction\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    page.goto(f"{server}/modifier/missions/{MARSEILLE}")
    page.get_by_label("Type de mission").fill("Appui à la programmation")  # text
    page.get_by_label("Client public ou privé").select_option("public")  # choice
    page.get_by_label("Confidentielle").check()  # yes / no
    page.get_by_label("Sites").fill("Marseille 3e\nMarseille 14e")  # one per line
    page.get_by_label("Année de fin").fill("2023")  # group (années)
    page.get_by_label("Enjeux").fill("Premier paragraphe.\n\nSecond paragraphe.")  # long text
    grid = page.get_by_role("group", name="Composantes réalisées")
    for box in grid.get_by_role("checkbox").all():  # the grid of 12
        box.uncheck()
    grid.get_by_label("Etudes urbaines").check()
    grid.get_by_label("Concertation").check()
    # Rows: the team gets a member with a role, in the empty row offered after the others.
    team = page.get_by_role("group", name="Équipe")
    rows = team.get_by_role("group")
    last = rows.nth(rows.count() - 1)
    last.get_by_label("Nom").fill("Agence Ville Ouverte")
    last.get_by_label("Rôle").select_option("cotraitant")
    save(page)
    assert "enregistre=1" in page.url
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Fiche relue par la direction\n# yaml-language-server")
    mission = load_library(library, use_cache=False).mission(MARSEILLE)
    assert mission.type == "Appui à la programmation" and mission.nature_client == "public" and mission.confidentiel
    assert mission.sites == ["Marseille 3e", "Marseille 14e"]
    assert mission.annees.fin == 2023
    assert mission.enjeux == "Premier paragraphe.\n\nSecond paragraphe."
    assert mission.composantes == ["Etudes urbaines", "Concertation"]
    assert mission.equipe[-1].nom == "Agence Ville Ouverte" and mission.equipe[-1].role == "cotraitant"
    # « Ajouter une ligne » offers one more row of amounts, « Retirer » takes one away.
    page.goto(f"{server}/modifier/missions/{MARSEILLE}")
    amounts = page.get_by_role("group", name="Montant de la mission")
    before = amounts.get_by_role("group").count()
    amounts.get_by_role("button", name="Ajouter une ligne").click()
    page.wait_for_load_state()
    amounts = page.get_by_role("group", name="Montant de la mission")
    assert amounts.get_by_role("group").count() == before + 1
    filled = amounts.get_by_role("group").nth(before - 1)  # the empty row shown before the click
    filled.get_by_label("Montant (€)").fill("12000")
    filled.get_by_label("Tranche").select_option("optionnelle")
    filled.get_by_label("HT / TTC").select_option("HT")
    save(page)
    mission = load_library(library, use_cache=False).mission(MARSEILLE)
    assert (mission.montant[-1].valeur, mission.montant[-1].tranche) == (12000, "optionnelle")


def test_a_validation_error_shows_next_to_its_field_and_the_file_is_unchanged(page, server, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    before = path.read_bytes()
    page.goto(f"{server}/modifier/missions/{CONCERTATION}")
    page.get_by_label("Année de début").fill("2017")
    page.get_by_label("Année de fin").fill("2015")
    page.get_by_label("Intitulé").fill("")
    save(page)
    alert = page.get_by_role("alert").first
    assert "Rien n'a été enregistré" in alert.inner_text()
    titre = page.locator(".field:has(#f-titre)")
    assert "champ obligatoire manquant" in titre.locator(".field-error").inner_text()
    annees = page.locator("fieldset:has(#f-annees\\.debut)")
    assert "années inversées : fin 2015 avant début 2017" in annees.locator(".field-error").first.inner_text()
    # The message is tied to its field for screen readers, and the typed values are kept.
    assert page.locator("#f-titre").get_attribute("aria-describedby") == "err-titre"
    assert page.locator("#f-annees\\.fin").input_value() == "2015"
    assert path.read_bytes() == before


def test_two_people_editing_the_same_reference(browser, server, library):
    path = library / "missions" / f"{CONCERTATION}.yaml"
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    for each in (first, second):
        each.set_default_timeout(60_000)
        each.goto(f"{server}/modifier/missions/{CONCERTATION}")
    first.get_by_label("Directeur·rice de mission").fill("Valérie Embize")
    save(first)
    second.get_by_label("Directeur·rice de mission").fill("Ludovic Quintana")
    save(second)
    alert = second.get_by_role("alert").first
    assert "a été modifié par quelqu'un d'autre" in alert.inner_text()
    diff = second.locator("table.diff")
    assert "Valérie Embize" in diff.inner_text() and "Ludovic Quintana" in diff.inner_text()
    assert "directeur: Valérie Embize" in path.read_text(encoding="utf-8")
    # Having seen both, the second person may save again on purpose.
    save(second)
    assert "enregistre=1" in second.url
    assert "directeur: Ludovic Quintana" in path.read_text(encoding="utf-8")
    first.context.close()
    second.context.close()


def test_import_by_upload_shows_a_preview_before_writing(page, server, library):
    target = library / "missions" / "2018-amo-coordination-montage-operationnel-financier-12.yaml"
    target.unlink()
    page.goto(server + "/importer")
    page.get_by_label("Fiches à importer").set_input_files(str(SEEDS / "000_b50c46daf8dba9a8.txt"))
    page.get_by_role("button", name="Lire les fiches").click()
    page.wait_for_load_state()
    assert "Aperçu : rien n'a encore été écrit" in page.get_by_role("status").inner_text()
    assert "créée" in page.locator("section.box").first.inner_text()
    assert not target.exists()
    page.get_by_role("button", name="Enregistrer dans la bibliothèque").click()
    page.wait_for_load_state()
    assert "Import enregistré" in page.get_by_role("status").inner_text()
    assert target.exists()
    assert not load_library(library, use_cache=False).errors


def test_answer_a_tender_and_download_the_dossier(page, server, library):
    from docx import Document

    page.goto(server + "/appel")
    page.get_by_label("Texte de l'appel").fill(
        "Mise en place de la concertation avec les habitants et d'une maison du projet dans un quartier NPNRU ; "
        "coordination des équipements publics.")
    page.get_by_label("Intitulé du marché").fill("AMO concertation NPNRU")
    page.get_by_role("button", name="Classer les références").click()
    page.wait_for_load_state()
    kept = page.locator("input[name=retenues]:checked")
    assert kept.count() >= 2
    first_id = kept.first.get_attribute("value")
    dropped_id = kept.nth(1).get_attribute("value")
    page.locator(f"#r-{dropped_id}").uncheck()
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le dossier de candidature (DOCX)").click()
    download = info.value
    assert download.suggested_filename == "dossier-candidature.docx"
    lines = [p.text for p in Document(io.BytesIO(Path(download.path()).read_bytes())).paragraphs]
    # Each reference of the dossier opens with « Référence N — type » then its title.
    presented = [lines[i + 1] for i, line in enumerate(lines[:-1]) if re.fullmatch(r"Référence \d+( — .*)?", line)]
    titles = {m.id: m.titre for m in load_library(library, use_cache=False).missions}
    assert "AMO concertation NPNRU" in lines
    assert presented[0] == titles[first_id]
    assert titles[dropped_id] not in presented and len(presented) == kept.count()


def test_every_field_has_a_label_and_the_keyboard_reaches_the_content(page, server):
    page.goto(f"{server}/modifier/missions/{CONCERTATION}")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => e.type !== 'hidden' && !e.labels.length && !e.getAttribute('aria-label'))
        .map(e => e.name)""")
    assert unlabelled == []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_library_search_ranks_and_filters(page, server):
    page.goto(server + "/")
    page.get_by_label("Rechercher").fill("équipements publics marseillais")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_load_state()
    first_row = page.locator("table.refs tbody tr").first
    assert "équipements publics" in first_row.inner_text().lower()


SCREENS = ["/", "/fiche/missions/" + CONCERTATION, "/modifier/missions/" + CONCERTATION, "/appel", "/sante",
           "/personnes", "/importer"]


def test_screenshots_of_the_main_pages(browser, server):
    folder = os.environ.get("DOSSIER_SCREENSHOTS")
    for width, height, label in ((1366, 900, "portable"), (820, 1180, "tablette")):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(60_000)
        for url in SCREENS:
            page.goto(server + url)
            # Nothing wider than the screen: no sideways scrolling on a tablet.
            assert page.evaluate("document.documentElement.scrollWidth") <= width, url
            if folder:
                name = url.strip("/").replace("/", "-") or "references"
                page.screenshot(path=str(Path(folder) / f"{label}-{name[:40]}.png"), full_page=True)
        context.close()


def test_the_server_listens_on_localhost_only(library, tmp_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "-r", str(library), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        _wait_for(port)  # the address is printed just before the server binds it
        if shutil.which("ss"):
            listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
            assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening and "[::]" not in listening
        outside = _outside_address()
        if outside:
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=2).close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"le serveur n'écoute pas sur 127.0.0.1:{port}")


def _outside_address() -> str | None:
    """This machine's address on its network, if it has one other than the loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address
