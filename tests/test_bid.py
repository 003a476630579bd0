"""Answering a tender with a bid file: window from the deadline, explanations, CVs, compliance."""

from __future__ import annotations

from docx import Document

from conftest import docx_text
from test_ranking import SHIPPED, TEST_MISSIONS

GUP = "2024-convention-gusp-bondy"
CDV = "2023-evaluation-contrat-ville-sevran"
IAE = "2019-clauses-insertion-chantiers"


def write_missions(project, **extra):
    for name, text in {**TEST_MISSIONS, **extra}.items():
        (project / "references" / "missions" / f"{name}.yaml").write_text(text, encoding="utf-8")


def write_bid(project, body: str, name: str = "appel.yaml"):
    (project / name).write_text(body, encoding="utf-8")
    return name


GUP_BID = """\
titre: AMO pour la mise en place d'une démarche de gestion urbaine de proximité
acheteur: Ville de Pantin
acheteur_public: oui
date_limite: 15/01/2027
fenetre_annees: 3
besoin: |
  Diagnostics en marchant, charte GUP avec les bailleurs (abattement TFPB),
  animation des instances de gestion dans trois quartiers NPNRU.
"""


def test_bid_new_writes_a_commented_example_that_validates(project, run):
    result = run("bid", "new", "-o", "appel.yaml")
    assert result.exit_code == 0, result.output
    text = (project / "appel.yaml").read_text(encoding="utf-8")
    assert text.startswith("#") and "date_limite:" in text and "besoin: |" in text
    listed = run("list", "--bid", "appel.yaml", "--explain", "--date", "2022-06-01")
    assert listed.exit_code == 0, listed.output
    assert run("bid", "new", "-o", "appel.yaml").exit_code == 1  # never overwritten silently


def test_bad_bid_file_names_file_line_and_field(project, run):
    write_bid(project, "titre: X\ndate_limit: 2027-01-15\nfenetre_annees: trois\n")
    result = run("list", "--bid", "appel.yaml")
    assert result.exit_code == 2
    assert "appel.yaml:2: champ 'date_limit' : champ inconnu « date_limit » ; vouliez-vous dire « date_limite » ?" in result.output
    assert "appel.yaml:3: champ 'fenetre_annees' : nombre entier attendu, trouvé « trois »" in result.output
    write_bid(project, "date_limite: 31/02/2027\n")
    assert "date impossible « 31/02/2027 » : le 31 février n'existe pas" in run("list", "--bid", "appel.yaml").output


def test_window_counts_back_from_a_january_deadline_inclusive_with_en_cours_and_near_misses(project, run):
    write_missions(project)
    write_bid(project, GUP_BID)
    result = run("list", "--bid", "appel.yaml", "--explain")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Date de référence : 15 janvier 2027 ; période : références achevées en 2024 ou après" in out
    kept = out.split("Retenues (2) :")[1].split("Écartées")[0]
    assert f"1. {GUP} — score" in kept  # ended 2024, the year the window starts
    assert f"2. {CDV} —" in kept  # « en cours »
    assert f"{IAE} — score" in out.split("Écartées")[1]
    assert "trop ancienne : achevée en 2023, la période demandée commence en 2024" in out
    near = out.split("De peu")[1].split("\n\n")[0]
    assert IAE in near and SHIPPED["npru"] not in near  # 2021 is not « just outside »
    # the explanation names the terms and the fields where they were found
    assert "GUP (gestion urbaine de proximité) : titre, type, composantes" in kept
    assert "TFPB (abattement de taxe foncière) : contenu" in kept


def test_window_moves_with_the_deadline_not_today(project, run):
    write_missions(project)
    write_bid(project, GUP_BID.replace("15/01/2027", "10/01/2028"))
    out = run("list", "--bid", "appel.yaml", "--explain").output
    assert "commence en 2025" in out and f"1. {CDV}" in out and f"{GUP} — score" in out.split("Écartées")[1]


def test_exclusion_reasons_confidential_composante_and_by_hand(project, run):
    write_missions(project)
    # Another mission (a different title: the same one twice would be an error), confidential.
    secret = TEST_MISSIONS[GUP].replace("titre: Élaboration", "confidentiel: oui\ntitre: Seconde élaboration")
    write_missions(project, **{"2025-secret-gup": secret})
    write_bid(project, GUP_BID + "composantes_requises: Gestion urbaine de proximité\nexclure: [" + CDV + "]\n")
    out = run("list", "--bid", "appel.yaml", "--explain").output
    assert "2025-secret-gup — score" in out and "confidentielle (--confidentiel pour l'inclure)" in out
    assert f"{CDV} — score" in out and "écartée à la main (exclure)" in out
    assert "composante requise absente : Gestion urbaine de proximité" in out


def test_empty_selection_says_so_with_the_three_nearest(project, run):
    write_bid(project, GUP_BID)
    result = run("build", "--bid", "appel.yaml")
    assert result.exit_code == 1
    assert "aucune référence ne remplit tous les critères de l'appel ; les plus proches :" in result.output
    nearest = [line for line in result.output.splitlines() if line.startswith("  - ")]
    assert len(nearest) == 3
    assert nearest[0].startswith(f"  - {SHIPPED['etude']} (score")  # the GUP charter, most relevant
    assert not (project / "outputs" / "dossier-candidature.docx").exists()
    explained = run("list", "--bid", "appel.yaml", "--explain")
    assert explained.exit_code == 0 and "Retenues (0) :" in explained.output
    overall = explained.output.split("critères mis à part :")[1].splitlines()
    assert overall[1].startswith(f"  1. {SHIPPED['etude']} — score")


def test_appel_is_accepted_for_the_tender_title(project, run):
    write_missions(project)
    write_bid(project, GUP_BID.replace("titre:", "appel:"))
    assert "Appel : AMO pour la mise en place d'une démarche" in run("list", "--bid", "appel.yaml", "--explain").output


def test_included_old_reference_is_kept_and_marked_in_table_and_fiche(project, run):
    write_missions(project)
    write_bid(project, GUP_BID + f"inclure:\n  - {SHIPPED['concertation']}\n")
    result = run("build", "--bid", "appel.yaml", "--date", "2026-11-24", "--pourquoi", "-o", "d.docx")
    assert result.exit_code == 0, result.output
    text = docx_text(project / "d.docx")
    mark = "Référence antérieure à la période demandée (achevée en 2017), retenue à dessein"
    # the buyer never reads that we disqualify ourselves: the mark is for the bid team only
    assert "antérieure" not in text
    assert mark in (project / "note-interne.md").read_text(encoding="utf-8")
    assert "AMO pour la mise en place de la concertation" in text
    assert "Ville de Pantin (acheteur public)" in text.split("\n")
    assert "15 janvier 2027" in text.split("\n")


def test_group_role_and_amount_basis_as_the_data_says(project, run):
    write_missions(project)
    write_bid(project, GUP_BID)
    assert run("table", "--bid", "appel.yaml", "-o", "t.docx").exit_code == 0
    table = Document(str(project / "t.docx")).tables[0]
    rows = [dict(zip([c.text for c in table.rows[0].cells], [c.text for c in row.cells])) for row in table.rows[1:]]
    roles = [row["Rôle du cabinet"] for row in rows]
    assert "mandataire" in roles
    assert "à compléter" in roles  # the other mission's data does not say it: never guessed
    assert any(row["Montant et base"] == "45\u202f000\u00a0€\u00a0HT (part du cabinet)" for row in rows)
    assert run("fiches", "--bid", "appel.yaml", "--single", "-o", "f.docx").exit_code == 0
    fiche = Document(str(project / "f.docx"))
    rows = [[c.text for c in row.cells] for t in fiche.tables for row in t.rows]
    assert ["Rôle du cabinet", "mandataire"] in rows


def test_compliance_warns_or_refuses_with_strict(project, run):
    write_missions(project)
    write_bid(project, GUP_BID.replace("fenetre_annees: 3", "fenetre_annees:"))
    result = run("table", "--bid", "appel.yaml", "--strict", "-o", "t.docx")
    assert result.exit_code == 2
    assert ("references/missions/2021-mission-appui-relative-equipements-publics-marseillais.yaml:19: avertissement : "
            "champ 'montant' : montant sans base HT ou TTC") in result.output
    assert "champ 'nature_client' : destinataire public ou privé non précisé" in result.output
    assert not (project / "t.docx").exists()
    warned = run("table", "--bid", "appel.yaml", "-o", "t.docx")
    assert warned.exit_code == 0 and (project / "t.docx").exists()
    # a draft says each gap once, in its summary by file
    assert warned.output.count("2021-mission-appui-relative-equipements-publics-marseillais.yaml:19: champ 'montant'"
                               " : montant sans base : précisez HT ou TTC (taxe)") == 1
    assert "destinataire public ou privé non précisé" not in warned.output
    # the two complete test missions alone pass
    write_bid(project, GUP_BID)
    clean = run("table", "--bid", "appel.yaml", "--strict", "-o", "t.docx")
    assert clean.exit_code == 0 and "manque" not in clean.output


def test_pourquoi_note_only_behind_the_flag(project, run):
    write_missions(project)
    write_bid(project, GUP_BID)
    assert run("build", "--bid", "appel.yaml", "-o", "a.docx").exit_code == 0
    assert "Pourquoi ces références" not in docx_text(project / "a.docx")
    assert not (project / "note-interne.md").exists()
    assert run("build", "--bid", "appel.yaml", "--pourquoi", "-o", "b.docx").exit_code == 0
    # the note is a file of its own beside the dossier, never a page of it
    assert "Pourquoi ces références" not in docx_text(project / "b.docx")
    note = (project / "note-interne.md").read_text(encoding="utf-8")
    assert "ne pas joindre au dossier envoyé à l'acheteur" in note
    assert "GUP (gestion urbaine de proximité) (titre, type, composantes" in note
    assert "trop ancienne : achevée en 2023, la période demandée commence en 2024 (de peu)" in note


def test_moyens_humains_lists_proposed_people_with_selected_missions_first(project, run):
    write_missions(project)
    write_bid(project, GUP_BID + "personnes:\n  - Claudia Romero\n")
    assert run("build", "--bid", "appel.yaml", "-o", "d.docx").exit_code == 0
    text = docx_text(project / "d.docx")
    section = text.split("Moyens humains")[-1].split("Tableau des références")[0]  # after the sommaire
    assert section.splitlines()[1] == "Claudia Romero"
    assert "Chloé Etori" not in section  # directeur of the kept GUP mission, but not proposed
    selected, others = section.split("Autres références")
    assert "Évaluation à mi-parcours du contrat de ville (Ville de Sevran, 2023\u2060–\u2060en\u00a0cours)" in selected
    assert "AMO pour la mise en place de la concertation" in others and "Etude de définition" in others
    write_bid(project, GUP_BID + "personnes:\n  - Claudia Romro\n")
    typo = run("build", "--bid", "appel.yaml", "-o", "d.docx")
    assert typo.exit_code == 1 and "vouliez-vous dire « Claudia Romero » ?" in typo.output


def test_cv_lists_exactly_the_persons_missions(project, run):
    write_missions(project)
    result = run("cv", "claudia romero", "--date", "2026-11-24")
    assert result.exit_code == 0, result.output
    document = Document(str(project / "outputs" / "cv-claudia-romero.docx"))
    assert document.paragraphs[0].text == "Claudia Romero"
    rows = [[c.text for c in row.cells] for row in document.tables[-1].rows][1:]
    # no civilité in her file: role nouns that need no agreement, never « Directeur·rice »
    assert [(r[0], r[3]) for r in rows] == [("2023\u2060–\u2060en\u00a0cours", "Équipe de la mission"),
                                            ("2017", "Direction de mission"), ("2013", "Suivi de la mission")]
    titles = {r[2].split("\n")[0] for r in rows}
    assert titles == {"Évaluation à mi-parcours du contrat de ville",
                      "AMO pour la mise en place de la concertation via la création de la Maison du projet ANRU",
                      "Etude de définition du projet urbain et social du Sud-Ouest de l’agglomération en vue de l’ANRU 2"}
    # each mission with a line of its own description
    assert all(len(r[2].split("\n")) == 2 for r in rows)
    person = project / "references" / "personnes" / "claudia-romero.yaml"
    person.write_text(person.read_text(encoding="utf-8") + "civilite: Mme\n", encoding="utf-8")
    assert run("cv", "claudia romero", "--date", "2026-11-24").exit_code == 0
    document = Document(str(project / "outputs" / "cv-claudia-romero.docx"))
    roles = [row.cells[3].text for row in document.tables[-1].rows][1:]
    assert roles == ["Consultante", "Directrice de mission", "Référente"]
    assert run("cv", "Personne Inconnue").exit_code == 1


def test_default_window_keeps_a_clearly_more_relevant_older_reference_before_a_weak_recent_one(project, run):
    write_missions(project)
    write_bid(project, GUP_BID.replace("fenetre_annees: 3\n", "nombre_references: 3\n"))
    out = run("list", "--bid", "appel.yaml", "--explain", "--date", "2026-11-24").output
    assert "les récentes passent d'abord à pertinence comparable" in out
    kept = out.split("Retenues (3) :")[1].split("\n\n")[0]
    # the recent GUP convention first; then the older GUP charter, far more relevant than the
    # recent contrat de ville evaluation (nothing in common with the need), kept and marked
    assert kept.lstrip().startswith(f"1. {GUP} — score") and f"2. {SHIPPED['etude']} — score" in kept
    assert "ancienne, gardée pour sa pertinence : achevée en 2013, la période par défaut" in kept
    assert CDV not in kept and IAE not in kept


def test_default_window_on_a_late_deadline_still_builds_with_the_best_reference_first(project, run):
    write_bid(project, GUP_BID.replace("fenetre_annees: 3\n", ""))
    explained = run("list", "--bid", "appel.yaml", "--explain").output
    assert f"1. {SHIPPED['etude']} — score" in explained.split("Retenues (4) :")[1]
    result = run("table", "--bid", "appel.yaml", "-o", "t.docx")
    assert result.exit_code == 0, result.output
    assert f"{SHIPPED['etude']} : ancienne, gardée pour sa pertinence : achevée en 2013, la période par défaut " \
        "commence en 2024" in result.output
    assert "les références les plus pertinentes sont toutes antérieures aux 3 dernières années" in explained
    text = docx_text(project / "t.docx")
    # how the references were chosen is for the terminal and the note, not the buyer
    assert "antérieure" not in text and "pertinence" not in text and "dernières années" not in text


def test_a_demanded_window_that_leaves_nothing_says_how_to_keep_older_references(project, run):
    write_bid(project, GUP_BID)
    result = run("build", "--bid", "appel.yaml")
    assert result.exit_code == 1
    assert f"« inclure: [{SHIPPED['etude']}, " in result.output and "retirez-en « fenetre_annees »" in result.output


def test_a_tender_pasted_with_text_is_ranked_not_searched_word_for_word(project, run):
    out = run("list", "--text", "Mission OPC urbain : coordination inter-chantiers des opérations du NPNRU, planning "
              "général et gestion des interfaces entre maîtres d'ouvrage", "--explain").output
    kept = out.split("Retenues (4) :")[1]
    first = kept.lstrip().split(" — ")[0]
    assert first in (f"1. {SHIPPED['npru']}", f"1. {SHIPPED['equipements']}")
    assert "coordination : titre" in kept and "ne contient pas" not in out
    unrelated = run("list", "--text", "zzz inconnu", "--explain").output
    assert "Retenues (0) :" in unrelated and "aucun terme en commun avec le texte" in unrelated


def test_a_mission_without_composantes_is_not_said_to_lack_the_required_one(project, run):
    write_bid(project, GUP_BID.replace("fenetre_annees: 3\n", "composantes_requises: Gestion urbaine de proximité\n"))
    out = run("list", "--bid", "appel.yaml", "--explain").output
    line = next(x for x in out.splitlines() if x.startswith(f"  - {SHIPPED['npru']}"))
    assert "composantes non renseignées : Gestion urbaine de proximité invérifiable" in line
    assert "absente" not in line


def test_a_draft_with_the_shipped_library_says_each_gap_once(project, run):
    assert run("bid", "new", "-o", "appel.yaml").exit_code == 0
    result = run("build", "--bid", "appel.yaml", "-o", "d.docx")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    kept = [m.removesuffix(".yaml") for m in sorted(p.name for p in (project / "references" / "missions").glob("*.yaml"))]
    for mission in kept:
        # the buyer's table lacks whether the client is public: one line per reference, in the summary
        said = [line for line in lines if f"{mission}.yaml" in line and "nature_client" in line]
        assert len(said) == 1, said
        assert "client public ou privé à préciser" in said[0]
    assert "manque(s) dans le tableau des références" not in result.output
    assert "avertissement" not in result.output
    # what only the selection knows, once per reference: kept for its relevance although old
    notes = [line for line in lines if "gardée pour sa pertinence" in line]
    assert sorted(line.split(" : ")[0].strip() for line in notes) == kept
    assert result.output.count("écrivez fenetre_annees") == 1
    assert "Brouillon : " in lines[-1]
    # --strict still refuses on the table's gaps, listing them
    strict = run("build", "--bid", "appel.yaml", "--strict", "-o", "s.docx")
    assert strict.exit_code == 2 and not (project / "s.docx").exists()
    assert "manque(s) dans le tableau des références (--strict)" in strict.output
    assert "destinataire public ou privé non précisé" in strict.output


def test_a_reference_kept_by_hand_without_a_required_composante_is_said_once(project, run):
    write_missions(project)
    write_bid(project, GUP_BID + "composantes_requises: [Gestion urbaine de proximité]\n"
              f"inclure: [{IAE}]\n")
    result = run("table", "--bid", "appel.yaml", "-o", "t.docx")
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "retenue à la main (inclure)" in line]
    assert len(said) == 1 and said[0].strip().startswith(IAE), result.output
    assert "composante requise absente : Gestion urbaine de proximité" in said[0]


ROLES_BID = GUP_BID + """\
personnes:
  - nom: claudia romero
    role: directeur de mission
  - nom: Ludovic Quintana
    role: Cheffe de projet
  - Chloé Etori
"""


def _cv_lines(path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_a_cv_with_a_bid_shows_the_role_proposed_agreed_with_the_civilite(project, run):
    write_missions(project)
    write_bid(project, ROLES_BID)
    person = project / "references" / "personnes" / "claudia-romero.yaml"
    person.write_text(person.read_text(encoding="utf-8") + "civilite: Mme\n", encoding="utf-8")
    result = run("cv", "Claudia Romero", "--bid", "appel.yaml", "-o", "cv.docx")
    assert result.exit_code == 0, result.output
    lines = _cv_lines(project / "cv.docx")
    assert "Rôle proposé\u00a0: Directrice de mission" in lines
    # the tender's title from the bid file heads the CV, as --appel would
    assert any(line.endswith("AMO pour la mise en place d’une démarche de gestion urbaine de proximité") for line in lines)
    # without a bid, the same CV has no proposed role
    assert run("cv", "Claudia Romero", "-o", "plain.docx").exit_code == 0
    assert not any("Rôle proposé" in line for line in _cv_lines(project / "plain.docx"))
    # a man proposed with a feminine role noun signs it in the masculine
    person = project / "references" / "personnes" / "ludovic-quintana.yaml"
    person.write_text(person.read_text(encoding="utf-8") + "civilite: M.\n", encoding="utf-8")
    assert run("cv", "Ludovic Quintana", "--bid", "appel.yaml", "-o", "lq.docx").exit_code == 0
    assert "Rôle proposé\u00a0: Chef de projet" in _cv_lines(project / "lq.docx")
    # a person named without a role: nothing is printed for it
    assert run("cv", "Chloé Etori", "--bid", "appel.yaml", "-o", "ce.docx").exit_code == 0
    assert not any("Rôle proposé" in line for line in _cv_lines(project / "ce.docx"))


def test_the_dossier_built_with_a_bid_shows_each_persons_proposed_role(project, run):
    write_missions(project)
    write_bid(project, ROLES_BID)
    result = run("build", "--bid", "appel.yaml", "-o", "d.docx")
    assert result.exit_code == 0, result.output
    lines = [p.text for p in Document(str(project / "d.docx")).paragraphs if not p.style.name.startswith("TOC")]
    people = lines[lines.index("Moyens humains"):lines.index("Tableau des références")]
    # no civilité in the shipped files: the role as the bid file writes it, nothing guessed
    assert people[1:3] == ["Claudia Romero", "Rôle proposé\u00a0: Directeur de mission"]
    assert "Rôle proposé\u00a0: Cheffe de projet" in people
    at = people.index("Chloé Etori")
    assert not people[at + 1].startswith("Rôle proposé")


def test_a_bad_person_entry_in_the_bid_names_its_line(project, run):
    write_missions(project)
    write_bid(project, GUP_BID + "personnes:\n  - nom: Claudia Romero\n    rôle: directrice\n")
    result = run("cv", "Claudia Romero", "--bid", "appel.yaml")
    assert result.exit_code == 2
    assert "appel.yaml:11: champ 'personnes[1].rôle' : champ inconnu « rôle » ; vouliez-vous dire « role » ?" in result.output, result.output


def test_the_bid_schema_takes_a_person_alone_or_with_the_role_proposed():
    import json

    import jsonschema
    import pytest

    from generator.library.schema import schema_files

    appel = json.loads(schema_files()["appel.schema.json"])
    jsonschema.validate({"personnes": ["Chloé Etori", {"nom": "Claudia Romero", "role": "directrice de mission"}]}, appel)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"personnes": [{"nom": "Claudia Romero", "rôle": "directrice de mission"}]}, appel)
