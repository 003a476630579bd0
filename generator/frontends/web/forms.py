"""Edit forms generated from the schema (models.py), and the form's answers back to data.

Every field of a record gets a widget chosen from its type: text, long text, number,
choice, yes/no, one item per line, the grid of 12 composantes, a group of sub-fields
(années, contact) or rows of sub-fields (montants, équipe). Form names are dotted paths
into the data (`montant.0.valeur`), so an error located by the library
(`montant[1].valeur`) lands next to its field.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from generator.library.models import Model, parse_number
from generator.library.vocabulary import COMPOSANTES, fold

# Prose the user writes in paragraphs: a large text box, kept as a YAML block.
LONG_TEXTS = {"enjeux", "presentation", "programme"}

LABELS = {
    "id": "Identifiant", "titre": "Intitulé", "maitre_ouvrage": "Maître d'ouvrage (client)",
    "nature_client": "Client public ou privé", "contact": "Contact chez le client", "type": "Type de mission",
    "annees": "Années", "debut": "Année de début", "fin": "Année de fin", "en_cours": "En cours",
    "cout_projet": "Coût du projet", "directeur": "Directeur·rice de mission", "referent": "Référent·e",
    "equipe": "Équipe", "nom": "Nom", "role": "Rôle", "programme": "Programme", "acteurs": "Acteurs",
    "consultants": "Consultants mobilisés", "sites": "Sites", "montant": "Montant de la mission",
    "valeur": "Montant (€)", "taxe": "HT / TTC", "tranche": "Tranche", "perimetre": "Périmètre",
    "maximum": "Maximum d'accord-cadre", "libelle": "Précision", "composantes": "Composantes réalisées",
    "enjeux": "Enjeux", "contenu": "Contenu de la mission", "source": "Source", "confidentiel": "Confidentielle",
    "attestation": "Attestation de bonne exécution", "fichier": "Fichier", "date": "Date", "tags": "Mots-clés",
    "fonction": "Fonction", "telephone": "Téléphone", "email": "Courriel", "alias": "Autres graphies du nom",
    "formation": "Formation", "annees_experience": "Années d'expérience", "domaines": "Domaines",
    "presentation": "Présentation", "sigle": "Sigle", "forme_juridique": "Forme juridique", "siret": "SIRET",
    "adresse": "Adresse", "site_web": "Site internet", "representant": "Représentant·e habilité·e",
    "date_creation": "Date de création", "effectif": "Effectif", "qualifications": "Qualifications",
    "chiffres_affaires": "Chiffres d'affaires", "annee": "Année", "nature": "Nature du document",
    "numero": "Numéro", "missions": "Missions liées (identifiants)", "entete": "Lignes de rattachement",
    "sections": "Sections", "paragraphes": "Paragraphes", "puces": "Puces",
    # Where a key means something else in another record (Model.key):
    "ChiffreAffaires.montant": "Chiffre d'affaires", "Cabinet.nom": "Raison sociale",
}

_SAID_BY_LABEL = {"maitre_ouvrage", "debut", "valeur"}

CHOICE_LABELS = {
    "ferme": "Tranche ferme", "optionnelle": "Tranche optionnelle", "cabinet": "Part du cabinet",
    "groupement": "Tout le groupement", "public": "Public", "privé": "Privé", "mandataire": "Mandataire",
    "cotraitant": "Cotraitant", "sous-traitant": "Sous-traitant",
}


@dataclass
class Widget:
    key: str
    label: str
    kind: str  # text, textarea, int, number, select, bool, lines, grid, group, rows
    help: str = ""
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    children: list[Widget] = field(default_factory=list)  # for group and rows


def _unwrap(annotation):
    """The type under Annotated[…] and Optional[…]."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else str
        else:
            return annotation


def _is_model(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


@functools.lru_cache(maxsize=None)
def widgets(model: type[Model]) -> tuple[Widget, ...]:
    """One widget per field of `model`, in the schema's order."""
    out = []
    for key, info in model.model_fields.items():
        kind_type = _unwrap(info.annotation)
        label = LABELS.get(f"{model.__name__}.{key}") or LABELS.get(key, key.replace("_", " ").capitalize())
        hint = info.description or ""
        if fold(hint) in fold(label) or fold(label) in fold(hint) or key in _SAID_BY_LABEL:
            hint = ""  # the label says it already
        widget = Widget(key, label, "text", help=hint, required=info.is_required())
        if get_origin(kind_type) is list:
            item = _unwrap(get_args(kind_type)[0])
            if key == "composantes":
                widget.kind, widget.choices = "grid", [(c, c) for c in COMPOSANTES]
            elif _is_model(item):
                widget.kind, widget.children = "rows", list(widgets(item))
            else:
                widget.kind = "lines"
        elif _is_model(kind_type):
            widget.kind, widget.children = "group", list(widgets(kind_type))
        elif get_origin(kind_type) is Literal:
            widget.kind = "select"
            widget.choices = [(v, CHOICE_LABELS.get(v, v)) for v in get_args(kind_type)]
        elif kind_type is bool:
            widget.kind = "bool"
        elif kind_type is int:
            widget.kind = "int"
        elif kind_type is Decimal:
            widget.kind = "number"
        elif key in LONG_TEXTS:
            widget.kind = "textarea"
        out.append(widget)
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _adapter(model: type[Model], key: str) -> TypeAdapter:
    return TypeAdapter(model.model_fields[key].rebuild_annotation())


# --- data → what the form shows ------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else ""
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value).replace(".", ",")
    return str(value)


def form_values(model: type[Model], data: dict | None, prefix: str = "") -> dict[str, Any]:
    """Flat form values (name → text, or list of texts for the grid) from a record's data.

    Each value is first read through its field's type, as the library reads it (« 2018 - 2021 »
    becomes a start and an end); a value the type refuses is shown as written, to be corrected.
    """
    data = data if isinstance(data, dict) else {}
    values: dict[str, Any] = {}
    for widget in widgets(model):
        raw = data.get(widget.key)
        name = prefix + widget.key
        value = raw
        if raw is not None:
            try:
                value = _adapter(model, widget.key).validate_python(raw)
            except ValidationError:
                value = raw
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_defaults=True)
        elif isinstance(value, list):
            value = [v.model_dump(exclude_defaults=True) if isinstance(v, BaseModel) else v for v in value]
        if widget.kind == "group":
            sub = _child_model(model, widget.key)
            values.update(form_values(sub, value if isinstance(value, dict) else {}, name + "."))
        elif widget.kind == "rows":
            sub = _child_model(model, widget.key)
            rows = value if isinstance(value, list) else [value] if value is not None else []
            for i, row in enumerate(rows):
                values.update(form_values(sub, row if isinstance(row, dict) else {"nom": row}, f"{name}.{i}."))
        elif widget.kind == "grid":
            values[name] = [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]
        elif widget.kind == "lines":
            items = value if isinstance(value, list) else [value] if value is not None else []
            values[name] = "\n".join(_text(v) for v in items)
        else:
            values[name] = _text(value)
    return values


def _child_model(model: type[Model], key: str) -> type[Model]:
    kind_type = _unwrap(model.model_fields[key].annotation)
    if get_origin(kind_type) is list:
        kind_type = _unwrap(get_args(kind_type)[0])
    return kind_type


# --- what the form sent → data --------------------------------------------------------------

def _number(text: str):
    try:
        number = parse_number(text)
    except ValueError:
        return text  # the schema says what is wrong, next to the field
    return int(number) if number == number.to_integral_value() else float(number)


def from_form(model: type[Model], form, prefix: str = "") -> dict:
    """The record's data from the form: every field of the model, empty ones as None / [] / False."""
    data: dict = {}
    for widget in widgets(model):
        name = prefix + widget.key
        text = _get(form, name)
        if widget.kind == "group":
            sub = {k: v for k, v in from_form(_child_model(model, widget.key), form, name + ".").items()
                   if v not in (None, [], False)}
            data[widget.key] = sub or None
        elif widget.kind == "rows":
            rows = []
            for i in row_indexes(form, name):
                sub = {k: v for k, v in from_form(_child_model(model, widget.key), form, f"{name}.{i}.").items()
                       if v not in (None, [], False)}
                if sub:
                    rows.append(sub)
            data[widget.key] = rows
        elif widget.kind == "grid":
            ticked = set(_getlist(form, name))
            data[widget.key] = [c for c, _ in widget.choices if c in ticked] + sorted(ticked - set(COMPOSANTES))
        elif widget.kind == "lines":
            data[widget.key] = [line.strip() for line in text.split("\n") if line.strip()]
        elif widget.kind == "bool":
            data[widget.key] = bool(text)
        elif widget.kind == "int":
            text = text.strip()
            data[widget.key] = int(text) if re.fullmatch(r"[+-]?\d{1,9}", text) else (text or None)
        elif widget.kind == "number":
            data[widget.key] = _number(text.strip()) if text.strip() else None
        elif widget.kind == "textarea":
            text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
            data[widget.key] = text or None
        else:
            data[widget.key] = " ".join(text.split()) or None
    return data


def _get(form, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n")


def _getlist(form, name: str) -> list[str]:
    if hasattr(form, "getlist"):
        return [str(v) for v in form.getlist(name)]
    value = form.get(name)
    return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])


def row_indexes(form, name: str) -> list[int]:
    """The row numbers present in the form for rows field `name` (`montant.0.valeur` → 0)."""
    pattern = re.compile(re.escape(name) + r"\.(\d{1,4})\.")
    return sorted({int(m.group(1)) for key in form.keys() if (m := pattern.match(key))})


def changes(model: type[Model], before: dict | None, form) -> dict:
    """The fields the user changed: compared as the form shows them, so a value written
    differently in the file (« 2018 - 2021 », a single montant) but not touched stays as it is."""
    old = from_form(model, form_values(model, before))
    new = from_form(model, form)
    return {k: v for k, v in new.items() if v != old[k]}


def field_name(loc: str | None) -> str:
    """`montant[1].valeur` → `montant.0.valeur`: where the library's location is in the form."""
    if not loc:
        return ""
    return re.sub(r"\[(\d+)\]", lambda m: f".{int(m.group(1)) - 1}", loc).lstrip(".")


def place_errors(problems, names: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Each message next to its field (or its nearest enclosing field); the rest for the top."""
    placed: dict[str, list[str]] = {}
    loose = []
    for problem in problems:
        name = field_name(problem.field)
        while name and name not in names:
            name = name.rsplit(".", 1)[0] if "." in name else ""
        if name:
            placed.setdefault(name, []).append(problem.message)
        else:
            loose.append(f"ligne {problem.line} : {problem.message}" if problem.line else problem.message)
    return placed, loose


def names_of(model: type[Model], values: dict, prefix: str = "") -> set[str]:
    """Every name the form will show (fields, groups, rows), to place errors on."""
    out = set()
    for widget in widgets(model):
        name = prefix + widget.key
        out.add(name)
        if widget.kind == "group":
            out |= names_of(_child_model(model, widget.key), values, name + ".")
        elif widget.kind == "rows":
            for i in row_indexes(values, name):
                out.add(f"{name}.{i}")
                out |= names_of(_child_model(model, widget.key), values, f"{name}.{i}.")
    return out


def label_of(model: type[Model], name: str) -> str:
    """The words a person reads for a form name: `montant.0.valeur` → « Montant de la mission, ligne 1,
    Montant (€) »."""
    parts, current = [], model
    pieces = name.split(".")
    for i, piece in enumerate(pieces):
        if piece.isdigit():
            parts[-1] += f", ligne {int(piece) + 1}"
            continue
        widget = next((w for w in widgets(current) if w.key == piece), None) if current else None
        if widget is None:
            return name
        parts.append(widget.label)
        current = _child_model(current, piece) if widget.kind in ("group", "rows") else None
    return ", ".join(parts)
