"""A parsed YAML document checked against its model: the one way every file is validated.

Whatever the file (a mission, a bid, a piece, a member of a group, a concept table, a form
of the web page), the same rules hold: the parse errors come first, a document that is not
a mapping is refused with what it holds and what was expected, and pydantic's refusals
become French problems naming file:line: field.
"""

from __future__ import annotations

import re
from typing import TypeVar, get_args

from pydantic import BaseModel, ValidationError

from generator.errors import Problem
from generator.library.vocabulary import nearest
from generator.library.yamlio import DUPLICATE_KEY, YamlDocument, loc_text

M = TypeVar("M", bound=BaseModel)

FIELDS = "des champs « clé: valeur »"


def validate(doc: YamlDocument, model: type[M], name: str, expected: str = FIELDS,
             overrides: dict | None = None) -> tuple[M | None, list[Problem]]:
    """(the item, []) when `doc` is a valid `model`; else (None, every error, in French).

    `expected` says what the file should hold when it is not a mapping (« des champs
    « clé: valeur » (titre, acheteur…) »); `overrides` are values given elsewhere that take
    the place of the file's own (a member of a group described in the bid file). Only
    errors are returned: the document's warnings stay on `doc.problems` for who shows them.
    """
    errors = [p for p in doc.problems if p.is_error]
    # The rest of a file with a duplicate key is still validated: every problem shows at once.
    if errors and not (isinstance(doc.data, dict) and all(p.message.startswith(DUPLICATE_KEY) for p in errors)):
        return None, errors
    if not isinstance(doc.data, dict):
        kind = "une liste" if isinstance(doc.data, list) else "un simple texte"
        return None, [Problem(name, 1, None, f"le fichier contient {kind} ; attendu : {expected}")]
    try:
        item = model.model_validate({**doc.data, **overrides} if overrides else doc.data)
    except ValidationError as exc:
        return None, errors + translate_errors(exc, doc, name, model)
    return (None, errors) if errors else (item, [])


# --- pydantic errors, in words a consultant understands ---------------------------------

_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "string_type": "texte attendu",
    "string_too_short": "ne doit pas être vide",
    "int_parsing": "nombre entier attendu, trouvé « {input} »",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu, trouvé « {input} »",
    "decimal_parsing": "nombre attendu, trouvé « {input} »",
    "bool_parsing": "oui ou non attendu, trouvé « {input} »",
    "bool_type": "oui ou non attendu",
    "list_type": "liste attendue (une ligne « - élément » par valeur)",
    "dict_type": "champs « clé: valeur » attendus",
    "model_type": "champs « clé: valeur » attendus",
    "model_attributes_type": "champs « clé: valeur » attendus",
    "string_pattern_mismatch": "« {input} » : minuscules, chiffres et tirets seulement (ex. 2018-est-ensemble)",
}


def translate_errors(exc: ValidationError, doc: YamlDocument, name: str, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message = _french(error, loc, model)
        problems.append(Problem(name, doc.line_of(loc), loc_text(loc), message))
    return problems


def _french(error: dict, loc: tuple, model: type[BaseModel]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    shown = error.get("input")
    if isinstance(shown, (dict, list)):
        shown = "…"
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        invisible = sorted(set(re.findall(r"[^\S ]|[\u200b-\u200f\u2060\ufeff]", str(loc[-1]))))
        if invisible and str(loc[-1]).strip(" \u00a0\u202f\u200b\u200e\u200f\u2060\ufeff\t") in known:
            # « titre : » typed in Word gets a no-break space before the colon: invisible in the editor.
            codes = ", ".join(f"U+{ord(c):04X}" for c in invisible)
            return (f"le nom du champ « {str(loc[-1]).strip()} » contient un caractère invisible ({codes}, "
                    "souvent une espace insécable copiée depuis Word) : retapez-le")
        guess = nearest(str(loc[-1]), known)
        hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else f" ; champs possibles : {', '.join(known)}"
        return f"champ inconnu « {loc[-1]} »{hint}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", " ou ")
        return f"valeur « {shown} » non reconnue ; valeurs possibles : {expected}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bound = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
        word = "au moins" if kind.startswith("greater") else "au plus"
        return f"« {shown} » hors limites : {word} {bound}"
    if kind.endswith("_type") and (shown is None or shown == "…"):
        found = {type(None): "valeur vide", dict: "trouvé des champs « clé: valeur »", list: "trouvé une liste"}
        what = found.get(type(error.get("input")), "")
        if what:
            expected = _MESSAGES.get(kind, "autre valeur attendue")
            return f"valeur vide : {expected}" if shown is None else f"{expected}, {what}"
    template = _MESSAGES.get(kind)
    if template:
        return template.format(input=shown)
    return f"valeur « {shown} » refusée ({error['msg']})"


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names allowed at `loc` inside `model`, to suggest the right spelling."""
    # Imported here on purpose: loading pydantic's RootModel loads its plugin machinery
    # (importlib.metadata, some 15 ms), which a command reading a cached library never needs.
    from pydantic import RootModel

    current: type = model
    for part in loc:
        if issubclass(current, RootModel):  # a table of named entries: its keys lead into the entries
            current = _inner_model(current.model_fields["root"].annotation)
            continue
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation) -> type:
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
        stack.extend(get_args(item))
    return object
