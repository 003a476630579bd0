"""What a person asked, turned into the references and the document options: the core's front door.

The command line and the web page both fill a `Request` (the library, the selection
options, the bid file, the cover, the flags) and call `prepare`, which loads and checks
the library, reads the bid file, merges its criteria with the options, settles the
dates, selects (or ranks and explains) the references, checks what the buyer's table
lacks, and fills the document options. Nothing here prints or exits: problems are
`DossierError` values, and what the user should read is in `Prepared.notices`.

A Python caller does what `dossier build --bid appel.yaml` does in a few lines::

    from pathlib import Path
    from generator.documents import build as documents
    from generator.request import Request, prepare

    prepared = prepare(Request(references=Path("references"), bid=Path("appel.yaml")))
    data = documents.dossier(prepared.library, prepared.selected, prepared.options,
                             prepared.template("dossier"))
    Path("outputs/dossier-candidature.docx").write_bytes(data)
    for line in prepared.notices:          # date conflicts, a weak selection
        print(line)
    for gap in prepared.gaps:              # what the reference table lacks for the buyer
        print(gap)

Three dates, one meaning each (`Dates`):

- the **day** (`Request.day`, `--date`; default the clock) is when the command runs
  as: the documents are dated that day, and a year after it is a typo;
- the **deadline** (`--date-limite`, else the bid's `date_limite`) is printed on the cover;
  when both are given and differ, the command line wins and a notice says so;
- the **reference date** is the deadline, else the day: the recency window counts back
  from it and « en cours » counts as its year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from generator.documents.build import Template, find_template, load_valid_library
from generator.documents.context import Appel, BuildOptions
from generator.errors import DataError, Problem, UsageError
from generator.library.bid import Bid, load_bid
from generator.library.checks import check_library
from generator.library.loader import Library, display_path
from generator.library.models import Mission, Personne
from generator.library.formatting import format_names
from generator.library.vocabulary import contains, nearest
from generator.library.yamlio import COMMENT_CUT
from generator.selection.criteria import Answer, Criteria, judge, why_empty


@dataclass(frozen=True)
class Request:
    """Everything a person can ask for one selection and its documents (all optional)."""

    references: Path = Path("references")
    criteria: Criteria = field(default_factory=Criteria)
    bid: Path | Bid | None = None  # the bid file (dossier bid new), or a Bid already validated (the web page's form)
    day: date | None = None  # --date: the day the command runs as; default the clock
    date_limite: date | None = None  # --date-limite: the tender's deadline
    appel: str = ""  # --appel: the tender's title on the cover
    acheteur: str = ""
    titre: str | None = None  # the document's title
    personnes: list[str] | None = None  # with a bid: the people proposed; None: those the bid names
    explain: bool = False  # every verdict wanted: rank --text, never refuse an empty selection
    strict: bool = False  # a gap in the reference table refuses the documents
    annexes: bool = False
    pourquoi: bool = False  # write the internal note « Pourquoi ces références » (with a bid)
    final: bool = False  # --final: refuse to write while a gap remains (documents/gaps.py)
    templates: Path | None = Path("templates")  # the project's templates folder
    template: Path | None = None  # a template file instead of the project's or the default


@dataclass(frozen=True)
class Dates:
    """The three dates of a request, each with one meaning (see the module's docstring)."""

    day: date  # the documents' date; a later year is a typo
    deadline: date | None  # printed on the cover
    reference: date  # the recency window and « en cours » count from it


@dataclass
class Prepared:
    """The request's answer: the library, the chosen references and their reasons, the document options."""

    request: Request
    library: Library
    bid: Bid | None
    criteria: Criteria  # the options and the bid file's criteria, merged
    dates: Dates
    answer: Answer  # every mission's verdict; the kept ones first, in order
    options: BuildOptions
    gaps: list[Problem] = field(default_factory=list)  # what the reference table lacks for the buyer (with a bid)
    notices: list[str] = field(default_factory=list)  # French lines for the user: date conflicts, weak selection
    kept_notes: list[str] = field(default_factory=list)  # references kept despite a criterion, for the bid team

    @property
    def selected(self) -> list[Mission]:
        return self.answer.selected

    def template(self, name: str) -> Template:
        """The template `name` (dossier, tableau, fiches, cv) this request uses."""
        return find_template(name, self.request.templates, self.request.template)


def load(request: Request, now: date | None = None) -> Library:
    """The valid library of the request, or DataError: schema errors, and what `check` calls an error.

    `now` is the clock (injected by tests); `request.day` overrides it.
    """
    library = load_valid_library(request.references)
    refuse_domain_errors(library, request.references, request.day or now or date.today())
    return library


def library_warnings(library: Library, verbose: bool = False) -> list[Problem]:
    """The library's warnings worth showing: all of them when verbose, else only comments cut short."""
    return [p for p in library.warnings if verbose or p.message.startswith(COMMENT_CUT)]


def find_mission(library: Library, ident: str) -> Mission:
    """The mission with this id, or a UsageError with the nearest id."""
    mission = library.mission(ident)
    if mission is None:
        known = [m.id for m in library.missions]
        guess = nearest(ident, known) or [k for k in known if ident in k]
        hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
        raise UsageError(f"aucune référence n'a l'identifiant « {ident} »{hint}")
    return mission


def people_names(library: Library, names: list[str]) -> list[str]:
    """The bid's proposed people, checked against personnes/ (a typo is a usage error)."""
    known = [p.nom for p in library.personnes]
    for name in names:
        if library.person(name) is None:
            guess = nearest(name, known) or [k for k in known if contains(k, name)]
            hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else f" ; personnes connues : {format_names(known)}"
            raise UsageError(f"personne inconnue « {name} » dans personnes/{hint}")
    return names


def person_documents(request: Request, name: str, now: date | None = None) -> tuple[Library, Personne, BuildOptions]:
    """The library, the person called `name` (name, other spelling or id) and the options of their CV."""
    library = load(request, now)
    people_names(library, [name])
    options = BuildOptions(document_date=request.day or now or date.today(), titre=request.titre,
                           appel=Appel(titre=request.appel), final=request.final)
    bid = load_bid(request.bid) if isinstance(request.bid, Path) else request.bid
    if bid is not None:  # the tender's title in the CV's header, the role proposed for it
        people_names(library, bid.noms)
        _fill_appel(options.appel, bid)
        options.appel.date_limite = request.date_limite or bid.date_limite
        options.bid, options.bid_path = bid, _bid_path(request)
    return library, library.person(name), options


def settle_dates(request: Request, bid: Bid | None, now: date) -> tuple[Dates, list[str]]:
    """The day, the deadline and the reference date; a notice when the deadline is given twice."""
    day = request.day or now
    notices = []
    stated = bid.date_limite if bid else None
    deadline = request.date_limite or stated
    if request.date_limite and stated and request.date_limite != stated:
        notices.append(
            f"Attention : --date-limite {request.date_limite:%d/%m/%Y} et la date limite du fichier d'appel "
            f"{_bid_name(request)} ({stated:%d/%m/%Y}) diffèrent ; la page de garde et la période "
            f"suivent --date-limite ({request.date_limite:%d/%m/%Y})")
    return Dates(day=day, deadline=deadline, reference=deadline or day), notices


def _bid_name(request: Request) -> str:
    return display_path(request.bid) if isinstance(request.bid, Path) else "(formulaire)"


def merge_criteria(bid: Bid, given: Criteria) -> Criteria:
    """The bid's criteria combined with the options (which win)."""
    return replace(
        given,
        components=tuple(dict.fromkeys([*bid.composantes_requises, *given.components])),
        last=given.last or bid.fenetre_annees,
        soft_window=not (given.last or given.since or bid.window_demanded),
        exclude=tuple(dict.fromkeys([*bid.exclure, *given.exclude])),
        limit=given.limit or bid.nombre_references,
    )


def refuse_domain_errors(library: Library, root: Path, now: date) -> None:
    """What `check` calls an error (a year not yet reached…) stops a selection too."""
    errors = check_library(library, now, errors_only=True)
    if errors:
        count = len(errors)
        raise DataError(f"{count} erreur{'s' if count > 1 else ''} dans la bibliothèque {root} : aucun document n'a été écrit", errors)


def prepare(request: Request, library: Library | None = None, now: date | None = None) -> Prepared:
    """The library, the answer and the document options for `request`.

    `library`: one already loaded with `load` (the web page keeps it); else it is loaded.
    `now` is the clock (injected by tests); `request.day` overrides it. Raises
    DataError (library, bid file, --strict gaps) or UsageError (an unknown id or person,
    nothing selected) with a French message.
    """
    library = library if library is not None else load(request, now)
    bid = load_bid(request.bid) if isinstance(request.bid, Path) else request.bid
    dates, notices = settle_dates(request, bid, now or date.today())
    criteria = merge_criteria(bid, request.criteria) if bid else request.criteria
    answer = _judged(library, bid, criteria, dates.reference, request)
    gaps: list[Problem] = []
    notes: list[str] = []
    if bid is not None:
        from generator.selection.answer import compliance, empty_message, kept_notes  # see _judged

        people_names(library, _people(request, bid))
        if not request.explain:
            if not answer.kept:
                raise UsageError(empty_message(answer))
            notices.extend("Attention : " + line for line in answer.headlines())
            if answer.weak:
                notices.append("Attention : " + empty_message(answer))
        # --final lists every gap itself, the table's among them (documents/gaps.py)
        gaps = [] if request.final else compliance(answer, library)
        if gaps and request.strict:
            raise DataError(f"{len(gaps)} manque(s) dans le tableau des références (--strict) : aucun document n'a été écrit", gaps)
        notes = kept_notes(answer)
    options = _options(request, bid, criteria, dates, answer)
    return Prepared(request, library, bid, criteria, dates, answer, options, gaps, notices, kept_notes=notes)


def _judged(library: Library, bid: Bid | None, criteria: Criteria, when: date, request: Request) -> Answer:
    """Ranked against the bid's text (or --text when explaining), else a plain selection."""
    if bid is None and not request.explain:
        answer = judge(library.missions, criteria, when)
        if not answer.kept:
            raise UsageError(why_empty(library.missions, criteria, when, answer))
        return answer
    # Imported here on purpose: ranking loads the stemmer and reads the concept table, which a
    # plain list, table or build never needs.
    from generator.selection.answer import answer as ranked

    from generator.selection.ranking import load_concepts

    text = (bid.text if bid else "") or " ".join(criteria.text)
    return ranked(library.missions, criteria, when, text, bid.inclure if bid else (), load_concepts(library.root),
                  library.fingerprint)


def _people(request: Request, bid: Bid) -> list[str]:
    return list(request.personnes) if request.personnes is not None else bid.noms


def _options(request: Request, bid: Bid | None, criteria: Criteria, dates: Dates, answer: Answer) -> BuildOptions:
    appel = Appel(titre=request.appel, acheteur=request.acheteur, date_limite=dates.deadline)
    options = BuildOptions(document_date=dates.day, appel=appel, selection_description=criteria.describe(),
                           titre=request.titre, annexes=request.annexes, pourquoi=request.pourquoi,
                           final=request.final)
    if bid is None:
        return options
    _fill_appel(appel, bid)
    options.bid, options.bid_path = bid, _bid_path(request)
    if answer.ranked:
        options.selection_description += " ; classées par pertinence"
    options.answer, options.personnes = answer, _people(request, bid)
    return options


def _fill_appel(appel: Appel, bid: Bid) -> None:
    """The tender as the bid file describes it, under what the options already say."""
    appel.titre = appel.titre or bid.titre or ""
    appel.acheteur = appel.acheteur or bid.acheteur or ""
    appel.acheteur_public = bid.acheteur_public
    appel.numero = bid.numero_consultation or ""
    appel.lots = [f"{lot.numero} : {lot.intitule}" if lot.numero else lot.intitule for lot in bid.answered_lots]
    appel.colonnes = list(bid.colonnes_tableau)


def _bid_path(request: Request) -> str:
    return display_path(request.bid) if isinstance(request.bid, Path) else ""
