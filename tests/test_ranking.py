"""Relevance ranking: tender texts of the field against the shipped library and test missions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.answer import answer
from generator.library import load_library
from generator.ranking import rank, tokens
from generator.selection import Criteria
from generator.vocabulary import fold

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {
    "etude": "2013-etude-definition-projet-urbain-social-sud",
    "concertation": "2017-amo-mise-place-concertation-via-creation",
    "npru": "2018-amo-coordination-montage-operationnel-financier-12",
    "equipements": "2021-mission-appui-relative-equipements-publics-marseillais",
}

# Missions of kinds the shipped library lacks, written as a consultant would.
TEST_MISSIONS = {
    "2024-convention-gusp-bondy": """\
titre: Élaboration et animation de la convention de gestion urbaine et sociale de proximité des quartiers Nord
maitre_ouvrage: Ville de Bondy
nature_client: public
type: Gestion urbaine de proximité
annees: 2022 - 2024
directeur: Chloé Etori
equipe:
  - nom: Perspectives Urbaines et Sociales
    role: mandataire
  - nom: Atelier Paysage
    role: cotraitant
montant:
  - valeur: 45 000
    taxe: HT
    perimetre: cabinet
composantes:
  - Gestion urbaine de proximité
  - Animation partenariale
contenu:
  - Diagnostics en marchant avec les habitants et les bailleurs
  - Programme d'actions lié à l'abattement de TFPB
  - Animation des comités de gestion
""",
    "2023-evaluation-contrat-ville-sevran": """\
titre: Évaluation à mi-parcours du contrat de ville
maitre_ouvrage: Ville de Sevran
nature_client: public
type: Évaluation
annees: 2023 - en cours
consultants:
  - Claudia Romero
montant:
  - valeur: 30000
    taxe: TTC
composantes:
  - Cohésion sociale
contenu:
  - Bilan des actions des piliers cohésion sociale, cadre de vie et emploi
  - Entretiens avec les porteurs de projets associatifs
""",
    "2019-clauses-insertion-chantiers": """\
titre: Suivi des clauses d'insertion dans les chantiers du projet de renouvellement urbain
maitre_ouvrage: Plaine Commune
nature_client: public
type: Insertion
annees: 2019 - 2023
referent: Ludovic Quintana
montant:
  - valeur: 12000
    taxe: HT
composantes:
  - Insertion par l'activité économique
contenu:
  - Repérage des publics éloignés de l'emploi avec les structures de l'IAE
  - Suivi des heures d'insertion réalisées par les entreprises
""",
}

TENDERS = [
    # (tender text, expected reference, on the shipped library alone?)
    ("Accompagnement de la Ville pour concerter les habitants : préfiguration et animation d'une maison du projet "
     "dans le cadre du nouveau projet de renouvellement urbain, conseil citoyen.", SHIPPED["concertation"]),
    ("AMO pour le montage opérationnel et financier des conventions NPNRU et la coordination de plusieurs PRU "
     "à l'échelle de l'établissement public territorial ; maquettes financières.", SHIPPED["npru"]),
    ("Étude urbaine préalable : diagnostic urbain, social et économique, définition d'un projet de territoire "
     "pour des quartiers prioritaires de la politique de la ville.", SHIPPED["etude"]),
    ("Mission d'appui à la programmation des équipements publics des quartiers NPNRU.", SHIPPED["equipements"]),
    ("AMO pour mettre en place une démarche de GUP sur trois quartiers : diagnostics en marchant, convention "
     "d'abattement TFPB avec les bailleurs.", "2024-convention-gusp-bondy"),
    ("Évaluation du CDV 2015-2023 et préparation du futur contrat.", "2023-evaluation-contrat-ville-sevran"),
    ("Suivi et promotion des clauses sociales d'insertion (IAE) des chantiers de renouvellement urbain.",
     "2019-clauses-insertion-chantiers"),
]


@pytest.fixture
def library(project):
    for name, text in TEST_MISSIONS.items():
        (project / "references" / "missions" / f"{name}.yaml").write_text(text, encoding="utf-8")
    loaded = load_library(project / "references")
    assert not loaded.errors, loaded.errors
    return loaded


def _order(missions, text):
    scores = rank(missions, text)
    return [m.id for m in sorted(missions, key=lambda m: (-scores[m.id].score, m.id))]


@pytest.mark.parametrize("text, expected", TENDERS)
def test_expected_reference_ranks_first_with_test_missions(library, text, expected):
    assert _order(library.missions, text)[0] == expected


@pytest.mark.parametrize("text, expected", [t for t in TENDERS if t[1] in SHIPPED.values()])
def test_expected_reference_ranks_first_on_shipped_library(text, expected):
    shipped = load_library(ROOT / "references")
    assert _order(shipped.missions, text)[0] == expected


def test_gup_tender_on_shipped_library_puts_the_gup_charter_mission_in_top_two():
    shipped = load_library(ROOT / "references")
    text = "AMO gestion urbaine de proximité : charte GUP, diagnostics en marchant, trois quartiers NPNRU"
    assert SHIPPED["etude"] in _order(shipped.missions, text)[:2]


def test_acronym_meets_its_phrase_and_accents_and_stems_are_ignored():
    assert {t.key for t in tokens("GUP")} <= {t.key for t in tokens("gestion urbaine de proximité")}
    assert {t.key for t in tokens("concerter")} == {t.key for t in tokens("Concertation")} - {"~participation"}
    assert {t.key for t in tokens("Études urbaines")} == {t.key for t in tokens("etude urbaine")}
    assert not tokens("de la et pour les dans le cadre du présent marché")


def test_explanations_name_terms_really_found_in_the_named_fields(library):
    text = TENDERS[4][0]
    scores = rank(library.missions, text)
    best = scores["2024-convention-gusp-bondy"]
    labels = [m.label for m in best.matches]
    assert "GUP (gestion urbaine de proximité)" in labels
    assert "TFPB (abattement de taxe foncière)" in labels
    mission = library.mission("2024-convention-gusp-bondy")
    fields = {"titre": mission.titre, "type": mission.type, "composantes": " ".join(mission.composantes),
              "enjeux": mission.enjeux or "", "contenu": " ".join(mission.contenu)}
    for match in best.matches:
        if match.label.islower():  # a word (concepts carry their own label)
            for name in match.fields:
                assert fold(match.label)[:5] in fold(fields[name]), (match.label, name)
    assert sum(m.score for m in best.matches) == pytest.approx(best.score)


def test_ties_are_broken_by_recency_then_id(library):
    unrelated = answer(library.missions, Criteria(), date(2027, 1, 15), "mot absent xyzzy")
    ids = [v.mission.id for v in unrelated.verdicts]
    assert ids[0] == "2023-evaluation-contrat-ville-sevran"  # en cours: the most recent
    assert ids == [v.mission.id for v in answer(library.missions, Criteria(), date(2027, 1, 15), "mot absent xyzzy").verdicts]
