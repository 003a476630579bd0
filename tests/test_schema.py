"""`dossier schema`: the committed schema/ folder matches the models and accepts the library."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import ROOT
from generator.library.schema import schema_files


def test_committed_schemas_are_up_to_date_with_the_models():
    for name, text in schema_files().items():
        committed = ROOT / "schema" / name
        assert committed.read_text(encoding="utf-8") == text, f"schema/{name} is stale: run `dossier schema`"


def test_schema_command_writes_every_file(tmp_path, run):
    result = run("schema", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["appel.schema.json", "cabinet.schema.json", "mission.schema.json", "personne.schema.json",
                     "piece.schema.json", "production.schema.json"]
    mission = json.loads((tmp_path / "out" / "mission.schema.json").read_text(encoding="utf-8"))
    assert mission["description"] == "Une référence : une mission réalisée par le cabinet."
    assert mission["properties"]["maitre_ouvrage"]["description"] == "Client (maître d'ouvrage)"
    assert mission["additionalProperties"] is False


def test_every_shipped_file_points_to_its_schema_and_validates():
    import jsonschema
    targets = {"missions": "mission", "personnes": "personne", "productions": "production"}
    files = [(p, targets[p.parent.name], "../../schema/") for kind in targets
             for p in sorted((ROOT / "references" / kind).glob("*.yaml"))]
    files.append((ROOT / "references" / "cabinet.yaml", "cabinet", "../schema/"))
    for path, kind, prefix in files:
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == f"# yaml-language-server: $schema={prefix}{kind}.schema.json"
        schema = json.loads((ROOT / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        # An editor reads the YAML with its own types (numbers, booleans), as safe_load does.
        jsonschema.validate(yaml.safe_load(text), schema)


def test_schema_flags_a_misspelt_key_and_accepts_the_shorthands():
    import jsonschema
    schema = json.loads(schema_files()["mission.schema.json"])
    good = {"titre": "x", "annees": "2018 - 2021", "montant": 43850, "confidentiel": "non",
            "equipe": "Perspectives Urbaines et Sociales", "acteurs": None, "composantes": ["Concertation"]}
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"titre": "x", "maitre_ouvrag": "ANRU"}, schema)


def test_the_bid_file_and_piece_files_have_a_schema_that_accepts_what_dossier_accepts(project, run):
    import jsonschema
    appel = json.loads(schema_files()["appel.schema.json"])
    piece = json.loads(schema_files()["piece.schema.json"])
    assert run("bid", "new", "-o", "appel.yaml").exit_code == 0
    text = (project / "appel.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=schema/appel.schema.json"
    # an editor reads a YAML date as text
    jsonschema.validate(json.loads(json.dumps(yaml.safe_load(text), default=str)), appel)
    jsonschema.validate({"titre": "AMO GUP", "date_limite": "15/01/2027", "personnes": "Valérie Embize",
                         "groupement": {"forme": "conjoint", "mandataire": "PUS"}}, appel)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"titre": "x", "date_limte": "2027-01-15"}, appel)
    jsonschema.validate({"type": "urssaf", "fichier": "urssaf.pdf", "date_emission": "10/03/2026"}, piece)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "urssaf", "fichier": "urssaf.pdf"}, piece)  # no date_emission
