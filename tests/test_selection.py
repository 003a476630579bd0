"""Selection on its own: a pure function of the missions, the criteria and `today`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.errors import UsageError
from generator.library.loader import load_library
from generator.library.models import Mission
from generator.selection.criteria import Criteria, select

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seeds() -> list[Mission]:
    return load_library(ROOT / "references").missions


def ids(missions):
    return [m.id for m in missions]


def mission(id_, debut, fin=None, en_cours=False, **extra):
    annees = {"debut": debut, "fin": fin, "en_cours": en_cours}
    return Mission(id=id_, titre=extra.pop("titre", id_), annees=annees, **extra)


def test_type_is_case_and_accent_insensitive_and_keeps_exactly_000_and_002(seeds):
    expected = ["2021-mission-appui-relative-equipements-publics-marseillais",
                "2018-amo-coordination-montage-operationnel-financier-12"]
    assert ids(select(seeds, Criteria(types=("Stratégie",)), date(2026, 1, 1))) == expected
    assert ids(select(seeds, Criteria(types=("strategie",)), date(2026, 1, 1))) == expected
    assert ids(select(seeds, Criteria(types=("STRATÉGIE",)), date(2026, 1, 1))) == expected


def test_repeated_type_is_or_and_order_is_most_recent_first(seeds):
    chosen = select(seeds, Criteria(types=("montage de projet", "accompagnement")), date(2026, 1, 1))
    assert [m.annees.debut for m in chosen] == [2021, 2018, 2017, 2013]


def test_components_are_and_unless_any(seeds):
    # the three seeds whose grid lost its ticks are « à confirmer »: they never match a requirement
    both = Criteria(components=("Concertation", "Cohésion sociale"))
    with pytest.raises(UsageError, match="aucune référence n'a toutes les composantes"):
        select(seeds, both, date(2026, 1, 1))
    with pytest.raises(UsageError, match="composante inconnue « Concertatoin » ; vouliez-vous dire « Concertation »"):
        select(seeds, Criteria(components=("Concertatoin",)), date(2026, 1, 1))


def test_last_counts_back_from_the_given_date():
    pool = [mission("a", 2019, 2021), mission("b", 2018), mission("c", 2015, 2017)]
    assert ids(select(pool, Criteria(last=3), date(2024, 1, 15))) == ["a"]
    # the year the window starts counts: 2024 - 6 = 2018
    assert ids(select(pool, Criteria(last=6), date(2024, 1, 15))) == ["a", "b"]


def test_en_cours_counts_as_current():
    pool = [mission("old", 2010, 2012), mission("running", 2015, en_cours=True)]
    assert ids(select(pool, Criteria(since=2026), date(2026, 11, 24))) == ["running"]
    assert ids(select(pool, Criteria(last=1), date(2030, 6, 1))) == ["running"]


def test_since_that_empties_the_selection_names_the_most_recent_reference(seeds):
    with pytest.raises(UsageError) as caught:
        select(seeds, Criteria(since=2024), date(2026, 11, 24))
    assert "aucune référence achevée en 2024 ou après ; la plus récente date de 2021" in caught.value.message


def test_ids_exclude_limit(seeds):
    all_ids = ids(seeds)
    chosen = select(seeds, Criteria(ids=(all_ids[2], all_ids[0])), date(2026, 1, 1))
    assert ids(chosen) == [all_ids[2], all_ids[0]]
    rest = select(seeds, Criteria(exclude=(all_ids[0],), limit=2), date(2026, 1, 1))
    assert len(rest) == 2 and all_ids[0] not in ids(rest)
    with pytest.raises(UsageError, match="aucune référence n'a l'identifiant « 2021-mission »"):
        select(seeds, Criteria(ids=("2021-mission",)), date(2026, 1, 1))


def test_confidential_references_are_left_out_unless_asked():
    pool = [mission("public", 2020), mission("secret", 2021, confidentiel=True)]
    assert ids(select(pool, Criteria(), date(2026, 1, 1))) == ["public"]
    assert ids(select(pool, Criteria(include_confidential=True), date(2026, 1, 1))) == ["secret", "public"]


def test_client_and_person_and_amount(seeds):
    assert len(select(seeds, Criteria(clients=("neuilly",)), date(2026, 1, 1))) == 1
    assert len(select(seeds, Criteria(persons=("Valerie Embize",)), date(2026, 1, 1))) == 2
    from decimal import Decimal
    assert ids(select(seeds, Criteria(min_amount=Decimal(50000)), date(2026, 1, 1))) == [
        "2018-amo-coordination-montage-operationnel-financier-12"]
