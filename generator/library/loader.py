"""Load a library directory: every YAML file read, validated and its problems collected.

Loading never raises for bad data: it returns what was valid and the list of every
problem found, each named by file, line and field, in French.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from generator import runtime
from generator.errors import WARNING, Problem
from generator.library.models import EXAMPLE_MARK, KINDS, Cabinet, Mission, Model, Personne, Production
from generator.library.validation import validate
from generator.library.vocabulary import accent_suggestions, canonical_composante, fold, may_need_accents
from generator.library.yamlio import YamlDocument, read_yaml


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
    # identity of a loaded item → what the checks look for in its values (see `hints`)
    hints: dict[int, dict] = field(default_factory=dict)
    # What the files read were, when all came through the cache (else None): an answer that
    # depends on the library alone can be kept under it (see checks.check_templates).
    fingerprint: str | None = None
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


def is_library_file(path: Path | str) -> bool:
    """A .yaml/.yml file, whatever the case of its suffix (Windows does not tell them apart);
    hidden files and lock files (`._x.yaml` left by a Mac, `~$x.yaml`) are not records.
    `path` may be a bare file name (a folder's listing: no Path made for each of 10,000 names)."""
    name = path if isinstance(path, str) else path.name
    return name.lower().endswith((".yaml", ".yml")) and not name.startswith((".", "~$"))


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
    # What to read, in the order problems are reported: (path, shown name, model, kind) or a Problem.
    steps: list = []
    shown_root = display_path(root)
    cabinet_path = root / "cabinet.yaml"
    if cabinet_path.exists():
        steps.append((str(cabinet_path), str(Path(shown_root) / cabinet_path.name), Cabinet, None))
    else:
        steps.append(Problem(display_path(cabinet_path), None, None,
                             "fichier du cabinet absent : la présentation restera à compléter", WARNING))
    for kind, model in KINDS.items():
        folder = root / kind
        if folder.exists() and not folder.is_dir():
            steps.append(Problem(display_path(folder), None, None,
                                 f"c'est un fichier ; attendu : le dossier des fichiers {kind}/*.yaml"))
            continue
        # Names, not paths, are compared and joined: pathlib's own costs more than parsing
        # at 10,000 files, and the folder is resolved for display once, not every file.
        try:
            names = sorted(name for name in os.listdir(folder) if is_library_file(name))
        except OSError:  # no such folder: nothing of that kind
            names = []
        shown_folder = str(Path(shown_root) / kind) + os.sep
        where = str(folder) + os.sep  # paths as text: 10,000 Path objects cost a tenth of a second
        steps.extend((where + name, shown_folder + name, model, kind) for name in names)
    files = [step for step in steps if not isinstance(step, Problem)]
    entries = {id(step): cache.get(step[0], step[1]) for step in files} if cache is not None else {}
    unread = [step for step in files if entries.get(id(step)) is None]
    for step, entry in zip(unread, _read_all(unread, cache)):
        entries[id(step)] = entry
    for step in steps:
        if isinstance(step, Problem):
            library.problems.append(step)
            continue
        item, problems, doc, item_hints = entries[id(step)]
        library.problems.extend(problems)
        if item is None:
            continue
        library.sources[(step[2].__name__, id(item))] = (step[1], doc)
        library.hints[id(item)] = item_hints
        if step[3] is None:
            library.cabinet = item
        else:
            getattr(library, step[3]).append(item)
    if cache is not None:
        library.fingerprint = cache.fingerprint()
        cache.save()
    _check_unique_ids(library)
    return library


# Reading in several processes: in a process that runs one command and exits (the CLI, see
# generator.runtime) on Linux; never in a long-running one (the web page).
PARALLEL_FROM = 400  # files to read: fewer are read faster here than a process is started


def _read_all(steps: list, cache) -> list[tuple]:
    """(item, problems, document, hints) of each (path, name, model, kind) step, in order; the
    files are put in the cache."""
    workers = _workers() if len(steps) >= PARALLEL_FROM else 1
    read = _read_in_workers(steps, workers) if workers > 1 else None
    if read is None:
        read = [_read_one(Path(path), model, name) for path, name, model, _ in steps]
    if cache is not None:
        for (path, *_), (item, problems, doc, item_hints) in zip(steps, read):
            cache.put(path, item, problems, doc.shallow if isinstance(doc, _Reread) else doc.lines, item_hints)
    return read


def _workers() -> int:
    import multiprocessing

    # Linux only: on macOS a forked process may crash in the system's libraries.
    if not runtime.one_command or not sys.platform.startswith("linux") \
            or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        return min(len(os.sched_getaffinity(0)), 8)
    except AttributeError:  # pragma: no cover - no affinity on this system
        return min(os.cpu_count() or 1, 8)


def _read_in_workers(steps: list, workers: int) -> list[tuple] | None:
    """The files parsed and validated by `workers` processes, every n-th file each: a
    10,000-file library read afresh takes half the time on two cores. What comes back is the
    record, its problems, its hints and the lines of its top keys; a deeper line is read
    again from the file when a message needs it (as from the cache). None when no process
    could be had or one was killed: the caller reads the files itself."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from generator.library import yamlparse  # noqa: F401 - PyYAML loaded once here, not in every process

    jobs = [[(path, name, kind or "") for path, name, _, kind in steps[i::workers * 4]]
            for i in range(workers * 4)]
    for model in {*KINDS.values(), Cabinet}:  # built once here, not once in every process
        model.model_rebuild()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_quiet_worker) as pool:
            done = list(pool.map(_read_share, jobs))
    except (OSError, BrokenProcessPool):  # no process to be had, or one was killed: read them here
        return None
    read: list = [None] * len(steps)
    for i, share in enumerate(done):
        for k, (item, problems, lines, item_hints) in enumerate(share):
            path, name = steps[i + k * workers * 4][:2]
            read[i + k * workers * 4] = (item, problems, _Reread(path, name, lines), item_hints)
    return read


def _quiet_worker() -> None:
    """A worker leaves interruptions to the command: Ctrl-C and SIGTERM stop it plainly."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _read_share(job: list[tuple[str, str, str]]) -> list[tuple]:
    from generator.library.cache import shallow

    read = []
    for path, name, kind in job:
        item, problems, doc, item_hints = _read_one(Path(path), KINDS[kind] if kind else Cabinet, name)
        read.append((item, problems, shallow(doc.lines), item_hints))
    return read


class _Reread(YamlDocument):
    """The document of a file read in another process: the lines of its top keys came back,
    anything else is read again from the file when asked for."""

    def __init__(self, path: Path, name: str, shallow_lines: dict):
        from generator.library.cache import StoredDocument

        self.shallow = shallow_lines
        self._stored = StoredDocument(path, name, self)

    def shallow_lines(self, path: Path) -> dict:
        return self.shallow

    data = property(lambda self: self._stored.data)
    lines = property(lambda self: self._stored.lines)
    problems = property(lambda self: self._stored.problems)

    def line_of(self, loc) -> int | None:
        return self._stored.line_of(loc)


def _read_one(path: Path, model: type[Model], name: str) -> tuple:
    """(valid item or None, its problems, the parsed document, its hints) for one file."""
    doc = read_yaml(path, name)
    item, errors = validate(doc, model, name)
    problems = [p for p in doc.problems if not p.is_error] + errors
    if item is None:
        return None, problems, doc, {}
    if hasattr(item, "id") and item.id is None:
        item.id = path.stem
    if isinstance(item, Mission):
        problems.extend(_composante_variants(doc, name))
    return item, problems, doc, hints(item)


ACCENTS = "majuscules"  # the words written with a bare capital (« Etude »): (where, as written, accented)
EXAMPLE = "exemple"  # whether a value may be one `dossier init` wrote as an example
SAME_MISSION = "meme_mission"  # what tells a mission from another: folded title and client, years

# Values that are not prose: the composantes are the firm's vocabulary (the grid prints
# its own labels), the others are identifiers, paths and addresses.
NOT_PROSE = frozenset({"composantes", "id", "fichier", "logo", "email", "site_web", "alias"})


def hints(item: Model) -> dict:
    """What the checks look for in an item's values, found once when its file is read (and kept
    in the cache with it): `check` then walks none of 10,000 records again."""
    # One search of the values serialised in pydantic's core first: most have nothing.
    other = NOT_PROSE & type(item).model_fields.keys()
    prose = item.model_dump_json(exclude=other)
    accents = ()
    if may_need_accents(prose):
        accents = tuple((loc, bare, accented) for loc, text in _texts(item) if "E" in text
                        for bare, accented in accent_suggestions(text))
    example = EXAMPLE_MARK in prose or any(EXAMPLE_MARK in str(getattr(item, key)) for key in other)
    found = {ACCENTS: accents, EXAMPLE: example}
    if isinstance(item, Mission):
        annees = item.annees
        years = (annees.debut, annees.fin, annees.en_cours) if annees else None
        found[SAME_MISSION] = (fold(item.titre), fold(item.maitre_ouvrage or ""), years)
    return found


def _texts(value, loc: tuple = (), out: list | None = None) -> list[tuple[tuple, str]]:
    """(location, text) of every string of a record's prose, the way its YAML file nests them."""
    out = [] if out is None else out
    if isinstance(value, str):
        out.append((loc, value))
    elif isinstance(value, BaseModel):
        for key, item in value.__dict__.items():
            if item is not None and key not in NOT_PROSE:
                _texts(item, (*loc, key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _texts(item, (*loc, i), out)
    return out


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
