"""JSON Schemas of the YAML formats, for editors that complete and check YAML.

Generated from the pydantic models, then widened to every shorthand the loader
accepts (`annees: 2018 - 2021`, `maximum: non`, one item instead of a list, an
empty key), so an editor never flags a file that `dossier check` accepts. The
descriptions are French: they are what a consultant reads while typing.
"""

from __future__ import annotations

import json

from generator.library.bid import Bid
from generator.library.models import Cabinet, Mission, Model, Personne, Production
from generator.library.pieces import Piece
from generator.library.vocabulary import COMPOSANTES

SCHEMAS: dict[str, type[Model]] = {
    "mission": Mission,
    "personne": Personne,
    "cabinet": Cabinet,
    "production": Production,
    "piece": Piece,  # references/pieces/*.yaml
    "appel": Bid,  # the bid file (dossier bid new)
}

# French words for the models and fields whose docstring or description is missing or English.
_MODEL_TEXT = {
    "Annees": "Années de réalisation : « 2018 - 2021 », « 2017 », « 2022 - en cours », ou debut / fin / en_cours",
    "Montant": "Un montant et sa base exacte (jamais additionné à un autre) ; « 99685 » suffit si la base est inconnue",
    "Membre": "Un cabinet ou une personne de l'équipe, avec son rôle s'il est connu",
    "Contact": "Contact chez le client, qui peut attester de la mission (référence « contrôlable »)",
    "Attestation": "Attestation de bonne exécution",
    "ChiffreAffaires": "Chiffre d'affaires d'une année",
    "Section": "Une partie du document : titre, paragraphes, puces",
}
_FIELD_TEXT = {
    "titre": "Intitulé",
    "nom": "Nom",
    "role": "Rôle : mandataire, cotraitant ou sous-traitant",
    "fonction": "Fonction",
    "telephone": "Téléphone",
    "email": "Courriel",
    "fichier": "Chemin du fichier",
    "date": "Date",
    "equipe": "Équipe : cabinets et personnes, avec leur rôle",
    "programme": "Programme",
    "acteurs": "Acteurs du projet",
    "sites": "Sites, quartiers",
    "composantes": "Composantes réalisées, parmi les 12 de la grille",
    "source": "D'où vient la fiche (document d'origine)",
    "attestation": "Attestation de bonne exécution",
    "tags": "Mots-clés libres",
    "formation": "Diplômes et formations",
    "annees_experience": "Années d'expérience",
    "domaines": "Domaines de compétence",
    "presentation": "Présentation (paragraphes séparés par une ligne vide)",
    "sigle": "Sigle",
    "forme_juridique": "Forme juridique (SARL, SCOP…)",
    "siret": "Numéro SIRET",
    "adresse": "Adresse",
    "site_web": "Site internet",
    "date_creation": "Date de création",
    "effectif": "Effectif",
    "qualifications": "Qualifications (OPQU…)",
    "chiffres_affaires": "Chiffre d'affaires par année",
    "annee": "Année",
    "montant": "Montant",
    "numero": "Numéro",
    "maitre_ouvrage": "Client (maître d'ouvrage)",
    "sections": "Parties du document",
    "paragraphes": "Paragraphes",
    "puces": "Puces",
    "confidentiel": "oui : jamais imprimé sans --confidentiel",
    "id": "Identifiant stable (nom du fichier par défaut) : minuscules, chiffres et tirets",
}
_NULL = {"type": "null"}
_YES_NO = {"enum": ["oui", "non", "Oui", "Non", "true", "false"]}


def schema_of(model: type[Model], name: str) -> dict:
    schema = model.model_json_schema()
    for def_name, definition in schema.get("$defs", {}).items():
        _widen_object(definition)
        if def_name in _MODEL_TEXT:
            definition["description"] = _MODEL_TEXT[def_name]
    _widen_object(schema)
    defs = schema.get("$defs", {})
    # The shorthands the models' before-validators accept.
    if "Annees" in defs:
        defs["Annees"] = {"anyOf": [{"type": "string"}, {"type": "integer"}, defs["Annees"]],
                          "description": _MODEL_TEXT["Annees"]}
    if "Montant" in defs:
        defs["Montant"] = {"anyOf": [{"type": "number"}, {"type": "string"}, defs["Montant"]],
                           "description": _MODEL_TEXT["Montant"]}
    if "Membre" in defs:
        defs["Membre"] = {"anyOf": [{"type": "string"}, defs["Membre"]], "description": _MODEL_TEXT["Membre"]}
    if model is Bid:
        # Numbers may be written bare (lots_repondus: [1], numero: 2), a lot as one line of text.
        number_or_text = [{"type": "string"}, {"type": "integer"}]
        defs["Lot"]["properties"]["numero"]["anyOf"] = number_or_text + [_NULL]
        defs["Lot"] = {"anyOf": [{"type": "string"}, defs["Lot"]], "description": "Un lot : numéro et intitulé"}
        props = schema["properties"]
        props["numero_consultation"]["anyOf"] = number_or_text + [_NULL]
        props["lots_repondus"]["anyOf"] = [{"type": "array", "items": {"anyOf": number_or_text}}, *number_or_text, _NULL]
        # A person proposed: their name alone, or their name and the role proposed.
        defs["PersonneProposee"] = {"anyOf": [{"type": "string"}, defs["PersonneProposee"]],
                                    "description": "Une personne proposée : son nom, ou nom et rôle proposé pour cet appel"}
    if model is Mission:
        schema["properties"]["composantes"]["anyOf"] = [
            {"type": "array", "items": {"anyOf": [{"enum": list(COMPOSANTES)}, {"type": "string"}]}},
            {"type": "string"},
            _NULL,
        ]
    return {"$schema": "http://json-schema.org/draft-07/schema#", "$id": f"{name}.schema.json", **schema}


def _widen_object(schema: dict) -> None:
    required = set(schema.get("required", []))
    for field, prop in schema.get("properties", {}).items():
        prop.pop("title", None)
        if not prop.get("description") and field in _FIELD_TEXT:
            prop["description"] = _FIELD_TEXT[field]
        options = prop.pop("anyOf", None) or [{k: prop.pop(k) for k in list(prop) if k not in ("description", "default")}]
        widened = []
        for option in options:
            if option.get("format") == "date":
                del option["format"]  # dates as users write them too: « 15/01/2027 »
            if option.get("type") == "string" and option.get("pattern", "").startswith("^(?!"):
                # pydantic's pattern for decimals varies between its versions and refuses
                # what the loader accepts (« 99 685 », « 1 234,50 »): the text stays free.
                del option["pattern"]
            widened.append(option)
            if option.get("type") == "array":
                widened.append(option["items"])
            elif option.get("type") == "boolean":
                widened.append(_YES_NO)
        if field not in required and _NULL not in widened:
            widened.append(_NULL)
        prop["anyOf"] = widened


def schema_files() -> dict[str, str]:
    """File name → JSON text, as written to schema/."""
    return {
        f"{name}.schema.json": json.dumps(schema_of(model, name), ensure_ascii=False, indent=2) + "\n"
        for name, model in SCHEMAS.items()
    }
