"""Load a library directory: every YAML file read, validated and its problems collected.

Loading never raises for bad data: it returns what was valid and the list of every
problem found, each named by file, line and field, in French.
"""

from __future__ import annotations

import gc
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from generator.errors import WARNING, Problem
from generator.library.models import KINDS, Cabinet, Mission, Model, Personne, Production
from generator.library.vocabulary import canonical_composante, fold, nearest
from generator.library.yamlio import DUPLICATE_KEY, YamlDocument, loc_text, read_yaml


@dataclass
class Library:
    root: Path
    cabinet: Cabinet | None = None
    missions: list[Mission] = field(default_factory=list)
    personnes: list[Personne] = field(default_factory=list)
    productions: list[Production] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (model name, identity of the loaded item) → (file shown to the user, parsed document),
    # for later domain checks; keyed by identity so two files with one id stay apart
    sources: dict[tuple[str, int], tuple[str, YamlDocument]] = field(default_factory=dict)
    _index: tuple[int, dict] | None = field(default=None, repr=False, compare=False)
    _persons: tuple[int, dict] | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def mission(self, mission_id: str) -> Mission | None:
        return next((m for m in self.missions if m.id == mission_id), None)

    def person(self, name: str) -> Personne | None:
        """The person whose name (or alias, or id) is `name`, accent-insensitively."""
        if self._persons is None or self._persons[0] != len(self.personnes):
            index: dict[str, Personne] = {}
            for person in self.personnes:
                for key in (fold(person.nom), fold(person.id or ""), *(fold(a) for a in person.alias)):
                    index.setdefault(key, person)
            index.pop("", None)
            self._persons = (len(self.personnes), index)
        return self._persons[1].get(fold(name))

    def missions_of(self, person: Personne) -> list[Mission]:
        """The missions a person worked on, in library order, derived from directeur /
        référent / consultants (never typed twice)."""
        index = self._people_index()
        found = {id(m) for name in {fold(person.nom), *(fold(a) for a in person.alias)} for m in index.get(name, ())}
        return [m for m in self.missions if id(m) in found]

    def _people_index(self) -> dict[str, list[Mission]]:
        """Folded name → missions, built once: a dossier asks for dozens of people, and
        scanning a 10,000-mission library for each was the slow part of a build."""
        if self._index is None or self._index[0] != len(self.missions):
            index: dict[str, list[Mission]] = {}
            for mission in self.missions:
                for name in mission.people:
                    index.setdefault(fold(name), []).append(mission)
            self._index = (len(self.missions), index)
        return self._index[1]


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the current directory when possible."""
    try:
        # The folder resolved, not the file: a symbolic link keeps its own name (and a link to
        # itself does not loop here).
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def is_library_file(path: Path) -> bool:
    """A .yaml/.yml file, whatever the case of its suffix (Windows does not tell them apart);
    hidden files and lock files (`._x.yaml` left by a Mac, `~$x.yaml`) are not records."""
    return path.suffix.lower() in (".yaml", ".yml") and not path.name.startswith((".", "~$"))


def load_library(root: Path, use_cache: bool = True) -> Library:
    """Every file of the library, validated; `use_cache=False` re-reads them all (see cache.py)."""
    # Loading creates millions of small objects that all live on; the cyclic collector
    # would rescan them over and over (most of the load time of a 10,000-file library).
    # They are not frozen afterwards (gc.freeze): a long-running process — the web page,
    # the tests — loads the library again and again, and frozen garbage is never freed.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_library(root, use_cache)
    finally:
        if collecting:
            gc.enable()


def _load_library(root: Path, use_cache: bool) -> Library:
    from generator.library.cache import FileCache, enabled

    library = Library(root=root)
    if not root.is_dir():
        library.problems.append(Problem(display_path(root), None, None, "dossier de références introuvable"))
        return library
    cache = FileCache(root) if use_cache and enabled() else None
    shown_root = display_path(root)
    cabinet_path = root / "cabinet.yaml"
    if cabinet_path.exists():
        library.cabinet = _load_one(cabinet_path, str(Path(shown_root) / cabinet_path.name), Cabinet, library, cache)
    else:
        library.problems.append(
            Problem(display_path(cabinet_path), None, None, "fichier du cabinet absent : la présentation restera à compléter", WARNING)
        )
    for kind, model in KINDS.items():
        folder = root / kind
        if folder.exists() and not folder.is_dir():
            library.problems.append(Problem(display_path(folder), None, None,
                                            f"c'est un fichier ; attendu : le dossier des fichiers {kind}/*.yaml"))
            continue
        # Names, not paths, are compared and joined: pathlib's own costs more than parsing
        # at 10,000 files, and the folder is resolved for display once, not every file.
        paths = sorted((p for p in folder.glob("*") if is_library_file(p)), key=lambda p: p.name)
        shown_folder = str(Path(shown_root) / kind) + os.sep
        items = getattr(library, kind)
        for path in paths:
            item = _load_one(path, shown_folder + path.name, model, library, cache)
            if item is not None:
                items.append(item)
    if cache is not None:
        cache.save()
    _check_unique_ids(library)
    return library


def _load_one(path: Path, name: str, model: type[Model], library: Library, cache):
    entry = cache.get(path, name) if cache is not None else None
    if entry is None:
        entry = _read_one(path, model, name)
        if cache is not None:
            cache.put(path, entry[0], entry[1], entry[2].lines)
    item, problems, doc = entry
    library.problems.extend(problems)
    if item is not None:
        library.sources[(model.__name__, id(item))] = (name, doc)
    return item


def _read_one(path: Path, model: type[Model], name: str) -> tuple:
    """(valid item or None, its problems, the parsed document) for one file."""
    doc = read_yaml(path, name)
    problems = list(doc.problems)
    errors = [p for p in doc.problems if p.is_error]
    if errors and isinstance(doc.data, dict) and all(p.message.startswith(DUPLICATE_KEY) for p in errors):
        # The rest of a file with a duplicate key is still validated: every problem shows at once.
        try:
            model.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(translate_errors(exc, doc, name, model))
    if doc.data is None or errors:
        return None, problems, doc
    if not isinstance(doc.data, dict):
        kind = "une liste" if isinstance(doc.data, list) else "un simple texte"
        problems.append(Problem(name, 1, None, f"le fichier contient {kind} ; attendu : des champs « clé: valeur »"))
        return None, problems, doc
    try:
        item = model.model_validate(doc.data)
    except ValidationError as exc:
        return None, problems + translate_errors(exc, doc, name, model), doc
    if hasattr(item, "id") and item.id is None:
        item.id = path.stem
    if isinstance(item, Mission):
        problems.extend(_composante_variants(doc, name))
    return item, problems, doc


def source_of(library: Library, item) -> tuple[str, YamlDocument] | None:
    return library.sources.get((type(item).__name__, id(item)))


def _composante_variants(doc: YamlDocument, name: str) -> list[Problem]:
    raw = doc.data.get("composantes") or []
    if not isinstance(raw, list):
        raw = [raw]
    problems = []
    for i, term in enumerate(raw):
        canonical = canonical_composante(term) if isinstance(term, str) else None
        if canonical and canonical != term:
            problems.append(
                Problem(name, doc.line_of(("composantes", i)), f"composantes[{i + 1}]",
                        f"« {term} » lu comme la composante « {canonical} »", WARNING)
            )
    return problems


def _check_unique_ids(library: Library) -> None:
    for kind in KINDS:
        seen: dict[str, str] = {}
        for item in getattr(library, kind):
            where = source_of(library, item)
            name = where[0] if where else kind
            if item.id in seen:
                line = where[1].line_of(("id",)) if where else None
                library.problems.append(
                    Problem(name, line, "id", f"identifiant « {item.id} » déjà utilisé par {seen[item.id]}")
                )
            else:
                seen[item.id] = name


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


def translate_errors(exc: ValidationError, doc: YamlDocument, name: str, model: type[Model]) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message = _french(error, loc, model)
        problems.append(Problem(name, doc.line_of(loc), loc_text(loc), message))
    return problems


def _french(error: dict, loc: tuple, model: type[Model]) -> str:
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


def _fields_at(model: type[Model], loc: tuple) -> list[str]:
    """The field names allowed at `loc` inside `model`, to suggest the right spelling."""
    current: type = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation) -> type:
    from typing import get_args

    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, Model):
            return item
        stack.extend(get_args(item))
    return object
