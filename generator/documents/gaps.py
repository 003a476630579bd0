"""What stands between a draft and a document the firm can send: the `--final` gate.

A gap is a `Problem` of severity GAP, located in the file to edit. `find_gaps` asks
every source in `SOURCES` and returns their gaps together, each once: a draft prints
them as a summary, `--final` refuses to write while there is one, `check --final`
lists them without building. A new kind of gap (a form, an administrative piece) is
one more function appended to `SOURCES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from generator.documents.context import IDENTITY, BuildOptions, table_columns, table_row
from generator.errors import GAP, DataError, Problem
from generator.library.loader import EXAMPLE, Library, source_of
from generator.library.models import EXAMPLE_MARK, Mission, Personne


@dataclass
class Request:
    """What is about to be written: the library, the references chosen, the options."""

    library: Library
    selected: list[Mission]
    options: BuildOptions
    people: list[Personne] = field(default_factory=list)  # the people whose CV is printed


Source = Callable[[Request], Iterable[Problem]]


def _locate(library: Library, item, default: str) -> tuple[str, Callable[[tuple], int | None]]:
    where = source_of(library, item)
    if where is None:
        return default, lambda loc: None
    name, doc = where
    return name, doc.line_of


def _gap(library: Library, item, default: str, field_name: str, message: str, loc: tuple | None = None) -> Problem:
    name, line_of = _locate(library, item, default)
    return Problem(name, line_of(loc or (field_name,)), field_name, message, GAP)


# What each DC2 column needs, in the buyer's words.
_COLUMN_GAPS = {
    "titre": ("titre", "objet de la mission à compléter"),
    "maitre_ouvrage": ("maitre_ouvrage", "destinataire (maître d'ouvrage) à compléter"),
    "nature_client": ("nature_client", "client public ou privé à préciser (public / privé)"),
    "annees": ("annees", "dates de réalisation à compléter"),
    "montant": ("montant", "montant de la mission à compléter"),
    "role": ("equipe", "rôle du cabinet à préciser (mandataire, cotraitant ou sous-traitant, dans equipe)"),
    "contact": ("contact", "contact chez le client à compléter (demandé par l'appel)"),
    "attestation": ("attestation", "attestation de bonne exécution : indiquez le fichier ou la date"),
}


def reference_gaps(request: Request) -> Iterator[Problem]:
    """Each reference against the columns of the tableau des références, and its grid."""
    library = request.library
    columns = table_columns(request.options.appel.colonnes)
    for mission in request.selected:
        row = table_row(mission, 0, library.cabinet)
        default = f"missions/{mission.id}.yaml"
        for column in columns:
            if column.key in _COLUMN_GAPS and not getattr(row, column.key):
                field_name, message = _COLUMN_GAPS[column.key]
                yield _gap(library, mission, default, field_name, message)
        if row.montant_manque:
            yield _gap(library, mission, default, "montant", "montant sans base : précisez HT ou TTC (taxe)")
        if len(mission.equipe) > 1 and any(m.perimetre is None for m in mission.montant):
            yield _gap(library, mission, default, "montant", "mission en groupement : précisez si le montant est la "
                       "part du cabinet ou celui du groupement (perimetre)")
        if mission.composantes_a_confirmer:
            yield _gap(library, mission, default, "composantes_a_confirmer", "composantes à confirmer : grille importée "
                       "sans ses coches ; listez les composantes réalisées")
        elif not mission.composantes:
            yield _gap(library, mission, default, "composantes", "composantes de la mission à compléter")


# Every rubric the fiche d'identité prints (« à compléter » when empty), and the presentation.
_CABINET_FIELDS = (*((key, label) for label, key in IDENTITY if key != "nom"), ("presentation", "présentation du cabinet"))


def cabinet_gaps(request: Request) -> Iterator[Problem]:
    cabinet = request.library.cabinet
    if cabinet is None:
        yield Problem(str(request.library.root / "cabinet.yaml"), None, None, "fichier du cabinet absent", GAP)
        return
    for field_name, label in _CABINET_FIELDS:
        if not getattr(cabinet, field_name):
            yield _gap(request.library, cabinet, "cabinet.yaml", field_name, f"{label} à compléter")
    if cabinet.logo and not (request.library.root / cabinet.logo).is_file():
        yield _gap(request.library, cabinet, "cabinet.yaml", "logo",
                   f"logo introuvable : {request.library.root / cabinet.logo} (chemin relatif à references/)")


_PERSON_FIELDS = (("fonction", "fonction"), ("formation", "formation"), ("annees_experience", "années d'expérience"),
                  ("domaines", "domaines"))


def people_gaps(request: Request) -> Iterator[Problem]:
    from generator.documents.context import people_shown  # the people the dossier shows

    library = request.library
    people = request.people or [library.person(p.nom) for p in people_shown(
        library, request.selected, request.options.personnes)]
    for person in people:
        if person is None:
            continue
        default = f"personnes/{person.id or person.nom}.yaml"
        for field_name, label in _PERSON_FIELDS:
            if getattr(person, field_name) in (None, "", []):
                yield _gap(library, person, default, field_name, f"{label} à compléter")
        if request.people and person.civilite is None:
            yield _gap(library, person, default, "civilite", "civilité à compléter (Mme ou M.) : accorde les rôles du CV")


def production_gaps(request: Request) -> Iterator[Problem]:
    if not request.options.annexes:
        return
    for production in request.library.productions:
        if production.confidentiel:
            continue
        for field_name, label in (("maitre_ouvrage", "maître d'ouvrage"), ("annee", "année")):
            if not getattr(production, field_name):
                yield _gap(request.library, production, f"productions/{production.id}.yaml", field_name,
                           f"{label} du travail produit à compléter")


def example_values(data, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(location, text) of every value that still holds the example mark."""
    if isinstance(data, str):
        if EXAMPLE_MARK in data:
            yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from example_values(value, (*loc, key))
    elif isinstance(data, (list, tuple)):
        for i, value in enumerate(data):
            yield from example_values(value, (*loc, i))


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _field_name(loc: tuple) -> str:
    return ".".join(str(part + 1) if isinstance(part, int) else part for part in loc)


def example_problems(library: Library, items, severity: str) -> Iterator[Problem]:
    """The values of `items` that `dossier init` or `bid new` wrote as examples."""
    for item in items:
        # What the loader found when the file was read (loader.hints) says first whether the mark
        # may be there: then, serialised in pydantic's core, it is found in one search; walking
        # every value in Python is left for the few items that hold it.
        if item is None or not library.hints.get(id(item), {EXAMPLE: True})[EXAMPLE] \
                or EXAMPLE_MARK not in item.model_dump_json():
            continue
        for loc, text in example_values(item.model_dump()):
            name, line_of = _locate(library, item, "références")
            yield Problem(name, line_of(loc), _field_name(loc),
                          f"donnée d'exemple « {_short(text)} » : remplacez-la par la vôtre", severity)


def example_gaps(request: Request) -> Iterator[Problem]:
    library = request.library
    people = request.people or [library.person(n) for m in request.selected for n in m.people]
    items = [library.cabinet, *request.selected, *people]
    if request.options.annexes:
        items += [p for p in library.productions if not p.confidentiel]
    yield from example_problems(library, items, GAP)
    bid = request.options.bid
    if bid is not None:
        for loc, text in example_values(bid.model_dump()):
            yield Problem(request.options.bid_path, None, _field_name(loc),
                          f"donnée d'exemple « {_short(text)} » : remplacez-la par la vôtre", GAP)


SOURCES: list[Source] = [cabinet_gaps, people_gaps, reference_gaps, production_gaps, example_gaps]


def find_gaps(request: Request, sources: Iterable[Source] | None = None) -> list[Problem]:
    """Every gap of every source, each once, in file and line order."""
    found = {problem for source in (SOURCES if sources is None else sources) for problem in source(request)}
    return sorted(found, key=lambda p: p.sort_key())


def summary(gaps: list[Problem]) -> str:
    """« 18 éléments à compléter dans 6 fichiers »."""
    files = len({p.path for p in gaps})
    return (f"{len(gaps)} élément{'s' if len(gaps) > 1 else ''} à compléter dans {files} "
            f"fichier{'s' if files > 1 else ''}")



def gate(request: Request) -> list[Problem]:
    """The gaps of what is about to be written. With --final (options.final), DataError
    listing them all, so that nothing is written; in a draft, returned for the summary."""
    gaps = find_gaps(request)
    if gaps and request.options.final:
        raise DataError(f"{summary(gaps)} : document définitif refusé (--final), rien n'a été écrit ; "
                        "sans --final, un brouillon les montre en rouge", gaps)
    return gaps


def library_gaps(library: Library, today) -> list[Problem]:
    """What a final document of the whole library would lack (`check --final`): every
    reference that may be printed, the firm, every person (CVs), the work samples."""
    selected = [m for m in library.missions if not m.confidentiel]
    people = list(library.personnes)
    return find_gaps(Request(library, selected, BuildOptions(document_date=today, annexes=True), people))
