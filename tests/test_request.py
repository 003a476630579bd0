"""The request layer and the one table of criteria: what a Python caller and the web page rely on."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from conftest import TODAY, docx_text
from generator.documents import build as documents
from generator.errors import UsageError
from generator.library.models import Mission
from generator.request import Request, prepare
from generator.selection.answer import answer
from generator.selection.criteria import CRITERIA, Criteria, Judging, judge, select
from test_bid import CDV, GUP, GUP_BID, write_bid, write_missions


# --- a Python caller, without click ------------------------------------------------------------

def test_a_python_caller_builds_the_bid_dossier_in_a_few_lines(project):
    write_missions(project)
    write_bid(project, GUP_BID)
    prepared = prepare(Request(references=Path("references"), bid=Path("appel.yaml")), now=TODAY)
    data = documents.dossier(prepared.library, prepared.selected, prepared.options, prepared.template("dossier"))

    assert [m.id for m in prepared.selected] == [GUP, CDV]
    assert prepared.dates.reference == date(2027, 1, 15) and prepared.answer.start == 2024
    assert prepared.criteria.last == 3 and prepared.answer.ranked
    document = Document(io.BytesIO(data))
    assert document.core_properties.subject.startswith("AMO pour la mise en place d'une démarche")
    target = project / "d.docx"
    target.write_bytes(data)
    lines = docx_text(target).split("\n")
    assert "15 janvier 2027" in lines and "Ville de Pantin (acheteur public)" in lines
    assert "24 novembre 2026" in lines  # the document's date: the injected day, not the clock
    # the two readers: how the references were chosen is not in the buyer's document
    assert "score" not in docx_text(target)


def test_the_request_says_what_the_bid_team_must_read_without_printing(project, capsys):
    write_missions(project)
    write_bid(project, GUP_BID + "nombre_references: 5\n")
    prepared = prepare(Request(bid=Path("appel.yaml")), now=TODAY)
    assert capsys.readouterr() == ("", "")
    assert prepared.notices[0].startswith("Attention : sélection faible : 2 référence(s) retenue(s) sur 5 demandée(s)")
    assert [(g.field, g.message) for g in prepared.gaps] == []  # both test missions are complete


def test_strict_gaps_and_an_empty_answer_are_errors_not_prints(project):
    write_bid(project, GUP_BID)  # the shipped library has nothing for this tender
    with pytest.raises(UsageError, match="aucune référence ne remplit tous les critères de l'appel"):
        prepare(Request(bid=Path("appel.yaml")), now=TODAY)
    explained = prepare(Request(bid=Path("appel.yaml"), explain=True), now=TODAY)
    assert explained.answer.kept == [] and explained.answer.excluded


def test_a_plain_selection_keeps_the_criteria_and_dates_the_document(project):
    prepared = prepare(Request(criteria=Criteria(types=("Stratégie",)), day=date(2026, 11, 24)), now=date(2030, 1, 1))
    assert prepared.options.document_date == date(2026, 11, 24)
    assert prepared.options.selection_description == "type : « Stratégie »"
    assert prepared.options.answer is None and prepared.bid is None and prepared.gaps == []
    assert len(prepared.selected) == 2


# --- one meaning per date ---------------------------------------------------------------------

OLD_BID = GUP_BID.replace("15/01/2027", "2022-06-01")


def test_date_limite_on_the_command_line_wins_over_the_bid_file_and_says_so(project, run):
    write_missions(project)
    write_bid(project, OLD_BID)
    prepared = prepare(Request(bid=Path("appel.yaml"), date_limite=date(2026, 11, 24), explain=True), now=TODAY)
    assert prepared.dates.reference == prepared.dates.deadline == date(2026, 11, 24)
    assert prepared.options.appel.date_limite == date(2026, 11, 24)  # the cover and the window: one date
    assert prepared.answer.start == 2023
    assert prepared.notices == [
        "Attention : --date-limite 24/11/2026 et la date limite du fichier d'appel appel.yaml (01/06/2022) diffèrent ; "
        "la page de garde et la période suivent --date-limite (24/11/2026)"]

    result = run("build", "--bid", "appel.yaml", "--date-limite", "2026-11-24", "--date", "2026-11-24", "-o", "d.docx")
    assert result.exit_code == 0, result.output
    assert "et la date limite du fichier d'appel appel.yaml (01/06/2022) diffèrent" in result.output
    lines = docx_text(project / "d.docx").split("\n")
    assert "24 novembre 2026" in lines and "1 juin 2022" not in lines and "1er juin 2022" not in lines
    explained = run("list", "--bid", "appel.yaml", "--explain", "--date-limite", "24/11/2026").output
    assert "Date de référence : 24 novembre 2026 ; période : références achevées en 2023 ou après" in explained


@pytest.mark.parametrize("bid, limite, day, reference", [
    (True, None, date(2026, 11, 24), date(2022, 6, 1)),  # the bid's deadline, whatever the day
    (False, date(2027, 3, 1), date(2026, 11, 24), date(2027, 3, 1)),  # --date-limite without a bid
    (False, None, date(2025, 5, 5), date(2025, 5, 5)),  # no deadline: the day (--date)
    (False, None, None, TODAY),  # nothing: the clock
])
def test_reference_date_is_the_deadline_else_the_day(project, bid, limite, day, reference):
    write_missions(project)
    write_bid(project, OLD_BID)
    request = Request(bid=Path("appel.yaml") if bid else None, date_limite=limite, day=day, explain=True)
    prepared = prepare(request, now=TODAY)
    assert prepared.dates.reference == reference == prepared.answer.when
    assert prepared.dates.day == (day or TODAY) == prepared.options.document_date
    assert prepared.notices == []


def test_the_future_year_check_uses_the_day_not_the_deadline(project, run):
    write_missions(project)
    write_bid(project, OLD_BID)  # a 2022 deadline does not make the 2023 and 2024 missions « future »
    assert prepare(Request(bid=Path("appel.yaml"), explain=True), now=TODAY).answer.when == date(2022, 6, 1)
    (project / "references" / "missions" / "2029-futur.yaml").write_text("titre: Futur\nannees: 2029\n", encoding="utf-8")
    result = run("list", "--date", "2026-11-24")
    assert result.exit_code == 2 and "année 2029 dans le futur (nous sommes le 24/11/2026)" in result.output


# --- one table of criteria --------------------------------------------------------------------

def _mission(id_, debut=2020, fin=None, **extra):
    return Mission(id=id_, titre=extra.pop("titre", id_), annees={"debut": debut, "fin": fin}, **extra)


WHEN = date(2026, 11, 24)
# name → (criteria, the mission it keeps, the mission it refuses, reason, message when nothing is left)
CASES = {
    "confidentiel": (Criteria(), _mission("a"), _mission("b", confidentiel=True),
                     "confidentielle (--confidentiel pour l'inclure)",
                     "toutes les références sont confidentielles ; ajoutez --confidentiel pour les inclure"),
    "id": (Criteria(ids=("a",)), _mission("a"), _mission("b"), "hors des références choisies (--id)",
           "les références demandées sont confidentielles ; ajoutez --confidentiel pour les inclure"),
    "exclude": (Criteria(exclude=("b",)), _mission("a"), _mission("b"), "écartée à la main (exclure)",
                "toutes les références restantes ont été exclues (--exclude)"),
    "type": (Criteria(types=("strategie",)), _mission("a", type="Stratégie urbaine"), _mission("b", type="Évaluation"),
             "type « Évaluation » hors des types demandés",
             "aucun type ne contient « strategie » ; types connus : « Évaluation »"),
    "client": (Criteria(clients=("bondy",)), _mission("a", maitre_ouvrage="Ville de Bondy"),
               _mission("b", maitre_ouvrage="Ville de Sevran"), "maître d'ouvrage hors des clients demandés",
               "aucun maître d'ouvrage ne contient « bondy » ; maîtres d'ouvrage connus : « Ville de Sevran »"),
    "composante": (Criteria(components=("Concertation",)), _mission("a", composantes=["Concertation"]),
                   _mission("b", composantes=["Planification"]), "composante requise absente : Concertation",
                   "aucune référence n'a toutes les composantes Concertation"),
    "recence": (Criteria(last=3), _mission("a", 2024), _mission("b", 2018, 2019),
                "trop ancienne : achevée en 2019, la période demandée commence en 2023",
                "aucune référence achevée en 2023 ou après ; la plus récente date de 2019 (« b ») ; "
                "élargissez avec --since ou --last"),
    "personne": (Criteria(persons=("Embize",)), _mission("a", directeur="Valérie Embize"),
                 _mission("b", directeur="Claudia Romero"), "aucune des personnes demandées n'y est intervenue",
                 "aucune référence avec Embize ; personnes connues : « Claudia Romero »"),
    "montant": (Criteria(min_amount=Decimal(40000)), _mission("a", montant=[{"valeur": 50000}]), _mission("b", montant=[{"valeur": 30000}]),
                "montant inférieur au minimum demandé",
                "aucune référence d'au moins 40\u202f000\u00a0€ ; le plus gros montant est 30\u202f000\u00a0€"),
    "texte": (Criteria(text=("bailleurs",)), _mission("a", contenu=["Charte avec les bailleurs"]), _mission("b"),
              "ne contient pas « bailleurs »",
              "aucune référence ne contient « bailleurs » dans son titre, ses enjeux ou son contenu"),
}


def test_every_criterion_of_the_table_has_a_case():
    assert [c.name for c in CRITERIA] == list(CASES)


@pytest.mark.parametrize("criterion", CRITERIA, ids=[c.name for c in CRITERIA])
def test_each_criterion_filters_gives_its_reason_and_its_empty_message(criterion):
    criteria, good, bad, reason, empty = CASES[criterion.name]
    assert criterion.asked(criteria)
    judging = Judging(criteria, WHEN)
    assert criterion.keeps(good, judging) and not criterion.keeps(bad, judging)
    assert criterion.reason(bad, judging) == reason
    # the same entry speaks for a plain selection…
    assert [m.id for m in select([good, bad], criteria, WHEN)] == ["a"]
    with pytest.raises(UsageError) as caught:
        select([bad], replace(criteria, ids=()) if criterion.name != "id" else criteria, WHEN)
    if criterion.name != "id":  # an id nobody has is refused before (see the next test)
        assert caught.value.message == empty
    # …and for an answer, with or without a text to rank against
    for text in (None, "charte"):
        verdicts = {v.mission.id: v for v in answer([good, bad], criteria, WHEN, text).verdicts}
        assert verdicts["a"].kept and not verdicts["b"].kept
        assert verdicts["b"].reasons == [reason] and verdicts["b"].failed == [criterion.name]


def test_a_criterion_not_asked_filters_nothing():
    pool = [_mission("a"), _mission("b", type="Évaluation", maitre_ouvrage="Ville de Sevran", montant=[{"valeur": 1}])]
    assert [c.name for c in CRITERIA if c.asked(Criteria())] == ["confidentiel"]
    assert len(select(pool, Criteria(), WHEN)) == 2


def test_unknown_id_and_unknown_composante_are_said_with_a_guess():
    pool = [_mission("2021-alpha"), _mission("2022-beta")]
    with pytest.raises(UsageError, match="aucune référence n'a l'identifiant « 2021-alpah » ; vouliez-vous dire « 2021-alpha » ?"):
        select(pool, Criteria(ids=("2021-alpah",)), WHEN)
    with pytest.raises(UsageError, match="composante inconnue « Concertatoin » ; vouliez-vous dire « Concertation » ?"):
        select(pool, Criteria(components=("Concertatoin",)), WHEN)


# --- one order for references chosen by hand ----------------------------------------------------

def test_ids_come_in_the_order_asked_in_select_answer_and_judge():
    pool = [_mission("a", 2024), _mission("b", 2018), _mission("c", 2020)]
    by_hand = Criteria(ids=("b", "a"))
    assert [m.id for m in select(pool, by_hand, WHEN)] == ["b", "a"]
    assert [m.id for m in answer(pool, by_hand, WHEN, None).selected] == ["b", "a"]
    assert [m.id for m in answer(pool, by_hand, WHEN, "mot absent").selected] == ["b", "a"]
    assert judge(pool, by_hand, WHEN).order == "ordre des identifiants demandés (--id)"
    # another --sort asked on purpose wins over the order of the ids
    assert [m.id for m in select(pool, replace(by_hand, sort="ancien"), WHEN)] == ["b", "a"]
    assert [m.id for m in select(pool, replace(by_hand, sort="titre"), WHEN)] == ["a", "b"]


def test_list_and_explain_show_ids_in_the_order_asked(project, run):
    from test_ranking import SHIPPED

    first, second = SHIPPED["concertation"], SHIPPED["equipements"]
    listed = run("list", "--id", first, "--id", second).output.splitlines()
    rows = [line.split("\t")[0] for line in listed[2:]]
    assert rows == [first, second]
    explained = run("list", "--id", first, "--id", second, "--explain").output
    assert "Ordre : ordre des identifiants demandés (--id)" in explained
    kept = explained.split("Retenues (2) :")[1]
    assert kept.index(f"1. {first}") < kept.index(f"2. {second}")


def test_a_bid_already_validated_and_people_ticked_on_a_page_are_answered_the_same(project):
    from generator.library.bid import load_bid

    write_missions(project)
    write_bid(project, GUP_BID + "personnes:\n  - Valérie Embize\n")
    from_file = prepare(Request(bid=Path("appel.yaml")), now=TODAY)
    from_page = prepare(Request(bid=load_bid(Path("appel.yaml")), personnes=["Claudia Romero"]), now=TODAY)
    assert from_page.selected == from_file.selected and from_page.dates == from_file.dates
    assert from_file.options.personnes == ["Valérie Embize"] and from_page.options.personnes == ["Claudia Romero"]
    with pytest.raises(UsageError, match="personne inconnue « Claudia Romro »"):
        prepare(Request(bid=load_bid(Path("appel.yaml")), personnes=["Claudia Romro"]), now=TODAY)
