"""Checks on a loaded library beyond its schema: what a tender reader would catch.

The schema (models.py) refuses what cannot be right; these checks find what is
probably wrong or missing — an incomplete reference, the unticked grid of
composantes, a year not yet reached — and a dry render of the project's templates.
`now` (the day the check runs as: --date, else the clock) is a parameter, so a check
gives the same answer on any day.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from generator.errors import ERROR, WARNING, DossierError, Problem
from generator.library.loader import ACCENTS, SAME_MISSION, Library, display_path, hints, is_library_file, source_of
from generator.library.models import KINDS, Mission
from generator.selection.criteria import last_year
from generator.library.vocabulary import COMPOSANTES, fold

DEFAULT_RECENCY = 3

# « rassemblant ! communes » : a digit or symbol of the source's font became « ! » in an export.
_LOST_CHARACTER = re.compile(r"\w+\s+!\s+[a-zàâçéèêëîïôûùüÿœ]\w*")

# What a reference needs to be useful in a bid, in the order a fiche shows them.
_EXPECTED = (
    ("maitre_ouvrage", "le maître d'ouvrage"),
    ("type", "le type de mission"),
    ("annees", "les années"),
    ("montant", "le montant"),
)


def check_library(library: Library, now: date, last: int = DEFAULT_RECENCY, errors_only: bool = False) -> list[Problem]:
    """Every domain problem of the library's valid records (schema errors are already on it).

    `errors_only` is for the commands that write documents: they stop on errors, and
    finding a warning's line would re-read files the cache spared them.
    """
    problems: list[Problem] = []
    titles: dict[str, str] = {}
    missions: dict[tuple, str] = {}
    for mission in library.missions:
        name, doc = source_of(library, mission) or ("missions", None)

        def at(field: str, message: str, severity: str = WARNING, loc: tuple | None = None) -> None:
            if errors_only and severity != ERROR:
                return
            line = doc.line_of(loc or (field,)) if doc else None
            problems.append(Problem(name, line, field, message, severity))

        # The same mission in two files would be printed twice in a dossier.
        same = (library.hints.get(id(mission)) or hints(mission))[SAME_MISSION]
        if same in missions:
            at("titre", f"même mission que {missions[same]} (même titre, maître d'ouvrage et années) : "
               "gardez un seul des deux fichiers", ERROR)
        else:
            missions[same] = name
        if errors_only:  # the only other domain errors are years; the rest are warnings
            _check_years(mission, now, last, at)
            continue
        for field, label in _EXPECTED:
            if not getattr(mission, field):
                at(field, f"référence incomplète : {label} à compléter")
        if mission.composantes_a_confirmer:
            at("composantes_a_confirmer", "composantes à confirmer : grille importée sans ses coches ; "
               "listez les composantes réalisées (composantes) et retirez composantes_a_confirmer")
        elif len(set(mission.composantes)) == len(COMPOSANTES):
            at("composantes", "les 12 composantes sont cochées : grille probablement exportée sans ses coches ; "
               "gardez seulement celles réalisées")
        for index, montant in enumerate(mission.montant):
            _check_amount(montant, index, at)
        if mission.nature_client == "public" and not _has_contact(mission):
            at("contact", "client public sans contact : la référence ne sera pas « contrôlable » par l'acheteur")
        _check_years(mission, now, last, at)
        for person in mission.people:
            if library.person(person) is None:
                at(_person_field(mission, person), f"« {person} » n'a pas de fiche dans personnes/ : "
                   "ajoutez-la (ou un alias) pour les moyens humains et les CV")
        _check_attestation(library, mission, now, last, at)
        for field, texts in (("enjeux", [mission.enjeux or ""]), ("contenu", mission.contenu)):
            for index, text in enumerate(texts):
                # The pattern backtracks over every word: searched only where a « ! » is (2 s
                # of `check` at 10,000 references otherwise).
                for lost in _LOST_CHARACTER.finditer(text) if "!" in text else ():
                    at(field, f"« {lost.group(0).strip()} » : point d'exclamation au milieu d'une phrase, sans doute "
                       "un chiffre ou un symbole perdu à l'export de la fiche d'origine ; vérifiez-la",
                       loc=(field, index) if field == "contenu" else None)
        key = fold(mission.titre)
        if key in titles:
            if missions[same] == name:  # not already an error as the same mission
                at("titre", f"même titre que {titles[key]} : doublon ?")
        else:
            titles[key] = name
    if not errors_only:
        from generator.library.concepts import concept_problems
        from generator.library.pieces import load_pieces

        problems.extend(load_pieces(library.root, now)[1])
        problems.extend(concept_problems(library.root))
        problems.extend(_check_productions(library))
        problems.extend(_ignored_files(library))
        problems.extend(_examples(library))
        for item in (library.cabinet, *library.missions, *library.personnes, *library.productions):
            problems.extend(_accents(library, item))
    return sorted(problems, key=lambda p: p.sort_key())


ACCENTS_LISTED = 3  # more in one file: one summary line for it


def _field_name(loc: tuple) -> str:
    return "".join(f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _accents(library: Library, item) -> list[Problem]:
    """« Etude » → « Étude »: a suggestion only, the file is never changed."""
    if item is None:
        return []
    # Found when the file was read (see loader.hints), else now.
    found = (library.hints.get(id(item)) or hints(item))[ACCENTS]
    if not found:
        return []
    name, doc = source_of(library, item) or (type(item).__name__, None)
    line_of = doc.line_of if doc else (lambda loc: None)
    if len(found) <= ACCENTS_LISTED:
        return [Problem(name, line_of(loc), _field_name(loc),
                        f"majuscule sans accent : « {bare} » s'écrit « {accented} »", WARNING)
                for loc, bare, accented in found]
    lines: dict[tuple[str, str], list[int]] = {}
    for loc, bare, accented in found:
        at = lines.setdefault((bare, accented), [])
        line = line_of(loc)
        if line is not None and line not in at:
            at.append(line)

    def where(at: list[int]) -> str:
        return f" (ligne{'s' if len(at) > 1 else ''} {', '.join(map(str, at))})" if at else ""

    words = ", ".join(f"« {bare} » → « {accented} »{where(at)}" for (bare, accented), at in lines.items())
    return [Problem(name, line_of(found[0][0]), None, f"{len(found)} majuscules sans accent dans ce fichier : {words}",
                    WARNING)]


def _examples(library: Library) -> list[Problem]:
    """Values `dossier init` wrote as examples (EXAMPLE_MARK), until the user replaces them."""
    from generator.documents.gaps import example_problems

    # example_problems skips at once the items whose files held no mark when read (loader.hints).
    items = [library.cabinet, *library.missions, *library.personnes, *library.productions]
    return list(example_problems(library, items, WARNING))


def _ignored_files(library: Library) -> list[Problem]:
    """Files the loader skips: a mission saved as .txt or .YAML would otherwise vanish unnoticed."""
    problems = []
    for kind in KINDS:
        folder = library.root / kind
        if not folder.is_dir():
            continue
        # Names, not paths, are sorted and filtered: pathlib's comparisons cost more than the
        # rest of this check at 10,000 files.
        for name in sorted(os.listdir(folder)):
            if name.startswith((".", "~$")) or name.lower().endswith((".yaml", ".yml")):
                continue
            path = folder / name
            if is_library_file(path):
                continue
            problems.append(Problem(display_path(path), None, None,
                                    "fichier ignoré : seuls les fichiers .yaml ou .yml sont lus", WARNING))
    return problems


def _check_amount(montant, index: int, at) -> None:
    """An amount printed exactly as written may still not look like money: say so."""
    for key in ("valeur", "valeur_haute"):
        value = getattr(montant, key)
        if value is None:
            continue
        if value == 0:
            at("montant", "montant nul : à compléter ou à retirer", loc=("montant", index, key))
        elif -value.as_tuple().exponent > 2 and value != value.to_integral_value():
            at("montant", f"montant {value} avec plus de deux décimales : il est imprimé tel quel ; un montant en "
               "euros s'arrête d'ordinaire au centime", loc=("montant", index, key))


def _has_contact(mission: Mission) -> bool:
    contact = mission.contact
    return bool(contact and (contact.nom or contact.telephone or contact.email))


def _check_years(mission: Mission, now: date, last: int, at) -> None:
    annees = mission.annees
    if annees is None:
        return
    for field, year in (("debut", annees.debut), ("fin", annees.fin)):
        if year is not None and year > now.year:
            at("annees", f"année {year} dans le futur (nous sommes le {now:%d/%m/%Y}) : faute de frappe ?",
               ERROR, ("annees", field))
    end = last_year(mission, now)
    if end is not None and end < now.year - last:
        at("annees", f"référence achevée en {end} : hors des {last} dernières années comptées depuis le "
           f"{now:%d/%m/%Y}, les acheteurs ne la retiendront souvent pas")


def _check_attestation(library: Library, mission: Mission, now: date, last: int, at) -> None:
    """An attestation's file must exist; a recent public reference should have one."""
    attestation = mission.attestation
    if attestation and attestation.fichier:
        if not (library.root / attestation.fichier).is_file():
            at("attestation", f"attestation de bonne exécution « {attestation.fichier} » introuvable "
               f"(chemin relatif à {library.root})", ERROR, ("attestation", "fichier"))
        return
    end = last_year(mission, now)
    if mission.nature_client == "public" and end is not None and end >= now.year - last:
        at("attestation", "référence publique récente sans attestation de bonne exécution (attestation: fichier, date)")


def _person_field(mission: Mission, person: str) -> str:
    key = fold(person)
    if mission.directeur and fold(mission.directeur) == key:
        return "directeur"
    if mission.referent and fold(mission.referent) == key:
        return "referent"
    return "consultants"


def _check_productions(library: Library) -> list[Problem]:
    known = {m.id for m in library.missions}
    problems = []
    for production in library.productions:
        name, doc = source_of(library, production) or ("productions", None)
        for i, ident in enumerate(production.missions):
            if ident not in known:
                line = doc.line_of(("missions", i)) if doc else None
                problems.append(Problem(name, line, f"missions[{i + 1}]", f"aucune mission n'a l'identifiant « {ident} »",
                                        WARNING))
    return problems


def check_templates(library: Library, templates_dir: Path, document_date: date) -> list[Problem]:
    """A dry render of every templates/*.docx, against a sample of the library.

    A broken tag fails on any data; an unknown variable fails when the part of the template
    that names it is rendered, which depends on the data only through what is empty or not,
    one or many, true or false: the sample holds one reference of each such kind (see
    `representative_sample`), so it finds what the whole library would, in a fraction of the time.
    """
    from generator.documents import build as documents
    from generator.documents.context import BuildOptions

    problems = []
    if not templates_dir.is_dir():
        return problems
    # Word's owner file of an open template (~$…) is not a template.
    paths = [p for p in sorted(templates_dir.glob("*.docx")) if not p.name.startswith("~$")]
    # An unchanged library gives the same sample: its answer is found without choosing it.
    whole = _template_check_key(paths, library, document_date, library.fingerprint) if library.fingerprint else None
    known = _template_checks(whole)
    if known is not None:
        return known
    sample = Library(root=library.root, cabinet=library.cabinet, missions=representative_sample(library.missions, library),
                     personnes=library.personnes, productions=representative_sample(library.productions))
    key = _template_check_key(paths, sample, document_date)
    known = _template_checks(key)
    if known is not None:
        _template_checks(whole, known)
        return known
    options = BuildOptions(document_date=document_date, annexes=True)
    for path in paths:
        template = documents.Template(path.stem, path)
        try:
            if path.stem in ("dc1", "dc2", "dc4"):
                from generator.documents.forms import dry_render

                dry_render(sample, path.stem, template, document_date)
            elif path.stem == "cv":
                person = _busiest_person(sample)
                if person is not None:
                    documents.cv(sample, person, options, template)
            else:
                documents.dossier(sample, sample.missions, options, template)
        except DossierError as exc:
            problems.append(Problem(display_path(path), None, None, exc.message.removeprefix(f"{path} : ")))
    _template_checks(key, problems)
    _template_checks(whole, problems)
    return problems


# The dry render is the slow part of `check` (a second at 10,000 references): its answer is kept,
# keyed by the code, the templates' bytes and the sample's data, so an unchanged project is
# checked again in no time, and any change to one of them renders again.
_TEMPLATE_CHECKS = "templates-check.pickle"
_TEMPLATE_CHECKS_KEPT = 16


def _template_check_key(paths: list[Path], sample: Library, document_date: date, fingerprint: str | None = None) -> str | None:
    """What the dry render depends on beyond the library's code (the cache file is stamped with
    that): the documents' code, the templates' bytes, the sample's data (or, given the
    `fingerprint` of the whole library's files, that) and the logo."""
    import hashlib

    from generator.library.cache import enabled

    if not enabled():
        return None
    digest = hashlib.blake2b(digest_size=20)
    documents = Path(__file__).resolve().parent.parent / "documents"
    code = sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in documents.glob("*.py"))
    digest.update(repr((code, document_date.isoformat())).encode())
    try:
        for path in paths:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    except OSError:
        return None  # the render will say what is wrong with the file
    if fingerprint:
        digest.update(b"library\0" + fingerprint.encode())
    else:
        for item in [sample.cabinet, *sample.missions, *sample.personnes, *sample.productions]:
            digest.update(b"\0" + (item.model_dump_json().encode() if item is not None else b"-"))
    logo = getattr(sample.cabinet, "logo", None)
    if logo:  # the image the cover embeds
        try:
            info = (sample.root / logo).stat()
            digest.update(repr((info.st_mtime_ns, info.st_size)).encode())
        except OSError:
            digest.update(b"no logo")
    return digest.hexdigest()


def _template_checks(key: str | None, problems: list[Problem] | None = None) -> list[Problem] | None:
    """The problems found before for `key` (None when unknown); with `problems`, keeps them."""
    from generator.library.cache import cache_dir, read_sealed, write_sealed

    if key is None:
        return None
    path = cache_dir() / _TEMPLATE_CHECKS
    known = read_sealed(path)
    known = known if isinstance(known, dict) else {}
    if problems is None:
        found = known.get(key)
        return list(found) if isinstance(found, list) and all(isinstance(p, Problem) for p in found) else None
    known.pop(key, None)
    known[key] = list(problems)
    write_sealed(path, dict(list(known.items())[-_TEMPLATE_CHECKS_KEPT:]))
    return None


def representative_sample(items: list, library: Library | None = None) -> list:
    """The first item of each kind of value: every field seen empty, filled (one item or
    many, one paragraph or several, true or false) keeps one item showing it, in library order."""
    seen: set = set()
    sample = []
    for item in items:
        features: set = set()
        _shapes(item, "", features)
        if library is not None:
            features.update(("personne", library.person(name) is not None) for name in item.people)
        if not features <= seen:
            seen |= features
            sample.append(item)
    return sample


def _shapes(model: BaseModel, parent: str, out: set) -> None:
    """Adds (field, shape) pairs to `out`: what a template's `if` and `for` can tell apart."""
    for name, value in model.__dict__.items():
        if value is None or value is True or value is False:
            out.add((parent, name, value))
        elif isinstance(value, str):
            out.add((parent, name, "\n" in value if value else None))
        elif isinstance(value, list):
            out.add((parent, name, min(len(value), 2)))
            for item in value:
                if isinstance(item, BaseModel):
                    _shapes(item, name, out)
                elif isinstance(item, str) and "\n" in item:
                    out.add((name, "[]", True))
        elif isinstance(value, BaseModel):
            _shapes(value, name, out)
        else:
            out.add((parent, name, "valeur"))


def _busiest_person(library: Library):
    """The person with a fiche named on most of the sample's missions: their CV has a mission list."""
    counts: dict = {}
    for mission in library.missions:
        for name in mission.people:
            person = library.person(name)
            if person is not None:
                counts[id(person)] = (counts.get(id(person), (0, person))[0] + 1, person)
    if counts:
        return max(counts.values(), key=lambda pair: pair[0])[1]
    return library.personnes[0] if library.personnes else None
