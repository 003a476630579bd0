"""The `dossier` command line: a thin layer over the library, in French.

Only this module imports click, prints, or exits. Errors from below arrive as
`DossierError` values and leave here as one clear message and an exit code:
0 ok, 1 usage, 2 invalid data, 3 template, 4 output.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator import __version__
from generator.errors import DataError, DossierError, ExitCode, UsageError

# The core (pydantic, Babel, docxtpl, the stemmer) is imported inside the commands on purpose:
# `dossier --help`, `--version` and shell completion load only click (about 0.05 s
# instead of 0.2 s).
if TYPE_CHECKING:
    from generator.request import Prepared, Request

DEFAULT_REFERENCES = Path("references")
DEFAULT_TEMPLATES = Path("templates")
DEFAULT_OUTPUTS = Path("outputs")


# --- error handling at the edge -------------------------------------------------------------

class FrenchFormatter(click.HelpFormatter):
    """click's help layout with French headings ("Utilisation", "Commandes", "par défaut")."""

    _SECTIONS = {"Options": "Options", "Commands": "Commandes", "Arguments": "Arguments"}

    def write_usage(self, prog, args="", prefix=None):
        args = args.replace("COMMAND [ARGS]...", "COMMANDE [ARGUMENTS]...")
        super().write_usage(prog, args, prefix or "Utilisation : ")

    def section(self, name):
        return super().section(self._SECTIONS.get(name, name))

    def write_dl(self, rows, *args, **kwargs):
        french = [(term, text.replace("[default: ", "[par défaut : ").replace("[required]", "[obligatoire]"))
                  for term, text in rows]
        super().write_dl(french, *args, **kwargs)


class FrenchContext(click.Context):
    formatter_class = FrenchFormatter


class FrenchHelp:
    """The --help option described in French, like the rest of the help."""

    context_class = FrenchContext

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Afficher cette aide et quitter."
        return option


class SaidInFrench(click.UsageError):
    """A usage error whose message is already French (click's own are English)."""


class _FrenchValues:
    """Mixed into click's parameter types: a refused value is told in French by the type's
    class and attributes (range, choices), never by rewording click's English message."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            raise SaidInFrench(_refused_value(self, value, exc, param, ctx), ctx) from None


def _refused_value(kind: click.ParamType, value, exc: click.BadParameter, param, ctx) -> str:
    if isinstance(kind, click.Choice):
        why = f"« {value} » n'est pas une valeur possible : {', '.join(map(str, kind.choices))}"
    elif isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        try:
            (int if isinstance(kind, click.types.IntParamType) else float)(value)
        except (TypeError, ValueError):
            expected = "nombre entier" if isinstance(kind, click.types.IntParamType) else "nombre"
            why = f"{expected} attendu, trouvé « {value} »"
        else:
            why = f"{value} hors limites ({_range_words(kind)})"
    elif isinstance(kind, click.Path) and not Path(value).exists():
        why = f"« {value} » introuvable"
    else:
        why = f"« {value} » refusée ; message d'origine : « {exc.message} »"
    hint = param.get_error_hint(ctx).replace("'", "") if param is not None and ctx is not None else ""
    return f"valeur refusée pour {hint} : {why}" if hint else why


def _range_words(kind) -> str:
    low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    low_text = f"plus de {low}" if getattr(kind, "min_open", False) else f"au moins {low}"
    high_text = f"moins de {high}" if getattr(kind, "max_open", False) else f"au plus {high}"
    if low is not None and high is not None:
        if not getattr(kind, "min_open", False) and not getattr(kind, "max_open", False):
            return f"entre {low} et {high}"
        return f"{low_text} et {high_text}"
    return low_text if low is not None else high_text


_FRENCH_TYPES: dict[type, type] = {}


def _in_french(kind: click.ParamType) -> click.ParamType:
    """The same parameter type, its refusals said in French."""
    if isinstance(kind, _FrenchValues):
        return kind
    cls = type(kind)
    if cls not in _FRENCH_TYPES:
        _FRENCH_TYPES[cls] = type(cls.__name__, (_FrenchValues, cls), {})
    french = object.__new__(_FRENCH_TYPES[cls])
    french.__dict__.update(vars(kind))  # the same range, choices, path checks
    return french


class FrenchParsing:
    """An option misused (a value missing, or given to a flag) said in French."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.BadOptionUsage as exc:
            option = next((p for p in self.params if exc.option_name in getattr(p, "opts", ())), None)
            if not isinstance(option, click.Option):
                raise
            if option.is_flag:
                raise SaidInFrench(f"l'option « {exc.option_name} » ne prend pas de valeur", ctx) from None
            raise SaidInFrench(f"l'option « {exc.option_name} » attend une valeur", ctx) from None


class DossierCommand(FrenchHelp, FrenchParsing, click.Command):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for param in self.params:
            param.type = _in_french(param.type)

    def invoke(self, ctx):
        _check_option_texts(ctx)
        _check_project(ctx)
        return super().invoke(ctx)

    def parse_args(self, ctx, args):
        # Extra arguments are kept and refused here, in French, rather than by click in English.
        allowed, ctx.allow_extra_args = ctx.allow_extra_args, True
        try:
            rest = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise SaidInFrench(f"argument en trop : {' '.join(map(str, rest))}", ctx)
        return rest


def _check_option_texts(ctx: click.Context) -> None:
    """Every text given on the command line is checked as the same text in a YAML file would be."""
    from generator.library.yamlio import option_text_problem

    for param in ctx.command.params:
        values = ctx.params.get(param.name)
        for value in values if isinstance(values, (tuple, list)) else (values,):
            if isinstance(value, (str, Path)) and param.get_default(ctx) != value:
                problem = option_text_problem(str(value))
                if problem:
                    name = max(param.opts, key=len) if isinstance(param, click.Option) else param.human_readable_name
                    raise UsageError(f"{name} : {problem}")


def _check_project(ctx: click.Context) -> None:
    """A command that reads the library, run outside a project, says how to get one."""
    if ctx.command.name == "import":  # its --into folder is created when missing
        return
    root = ctx.params.get("references") or (ctx.params.get("path") if ctx.command.name == "check" else None)
    if isinstance(root, Path) and not root.exists():
        what = (f"aucun projet ici (pas de dossier {root}/)" if root == DEFAULT_REFERENCES
                else f"{root} : dossier de références introuvable")
        raise DataError(f"{what} ; créez un projet avec « dossier init » ou indiquez la bibliothèque avec -r DOSSIER")


class OutputPath(click.ParamType):
    """-o: a file, or a folder when written « dossier/ » (it is then created if missing)."""

    name = "FICHIER"

    def convert(self, value, param, ctx):
        from generator.output import FolderPath

        if isinstance(value, Path):
            return value
        if not value.strip():
            raise UsageError("-o : nom de fichier vide ; donnez un fichier (ex. -o dossier.docx) ou un dossier (-o sortie/)")
        if value.endswith(("/", "\\")) or value in (".", ".."):
            return FolderPath(value)
        return Path(value)


OUTPUT = OutputPath()


def _french_usage(exc: click.exceptions.UsageError) -> str:
    """click's usage errors, said in French by their class and attributes."""
    if isinstance(exc, SaidInFrench):
        return exc.message
    if isinstance(exc, click.exceptions.NoSuchOption):
        hint = f" ; vouliez-vous dire « {exc.possibilities[0]} » ?" if exc.possibilities else ""
        return f"option inconnue « {exc.option_name} »{hint}"
    if isinstance(exc, click.exceptions.MissingParameter):
        what = "option obligatoire" if isinstance(exc.param, click.Option) else "argument"
        name = exc.param.opts[0] if isinstance(exc.param, click.Option) else (exc.param.human_readable_name if exc.param else "")
        return f"{what} manquant : {name}"
    return f"ligne de commande refusée ; message d'origine : « {exc.message} »"


def _show_usage_error(exc: click.exceptions.UsageError) -> None:
    path = exc.ctx.command_path if exc.ctx is not None else "dossier"
    click.echo(f"Erreur : {_french_usage(exc)} (aide : {path} --help)", err=True)


class _ReaderGone(Exception):
    """The program reading the output stopped (`dossier list | head`): not an OSError, so that
    click does not turn it into its own exit code 1 (« usage »)."""


# The exit code of a command whose reader stopped: a process killed by SIGPIPE, as the shell
# reports it (128 + 13), as any Unix tool in a pipeline.
READER_GONE = 141


class DossierGroup(FrenchHelp, FrenchParsing, click.Group):
    """Runs a command and turns every failure into a French message and an exit code."""

    command_class = DossierCommand
    group_class = type

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _ReaderGone() from None

    def resolve_command(self, ctx, args):
        from generator.library.vocabulary import nearest

        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            known = sorted(self.list_commands(ctx))
            guess = nearest(name, known)
            hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else f" ; commandes : {', '.join(known)}"
            raise SaidInFrench(f"commande inconnue « {name} »{hint}", ctx)
        return super().resolve_command(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from generator.output import forget_written

        forget_written()
        stopped = _stop_on_signals()
        try:
            result = super().main(args, prog_name or "dossier", complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else ExitCode.OK
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help())
            code = ExitCode.OK
        except click.exceptions.UsageError as exc:
            _show_usage_error(exc)
            code = ExitCode.USAGE
        except click.exceptions.Abort:
            click.echo(_interrupted(), err=True)
            code = 128 + stopped.get("signal", 2)
        except DossierError as exc:
            _report(exc)
            code = exc.exit_code
        except KeyboardInterrupt:
            click.echo("\n" + _interrupted(), err=True)
            code = 128 + stopped.get("signal", 2)
        except _ReaderGone:
            # Nothing more can be said there: what is still buffered goes nowhere, quietly.
            _silence_stdout()
            code = READER_GONE
        finally:
            _restore_signals(stopped)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file behind stdout (tests): nothing to flush
        pass


def _stop_on_signals() -> dict:
    """SIGTERM and SIGHUP stop a command as Ctrl-C does: temporary files and LibreOffice are
    cleaned up on the way out and the message says what was written. Returns where the
    signal received is recorded (for the exit code, 128 + its number)."""
    import signal
    import threading

    stopped: dict = {}
    if threading.current_thread() is not threading.main_thread():
        return stopped

    def stop(number, frame):
        stopped["signal"] = number
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            stopped.setdefault("previous", {})[getattr(signal, name)] = signal.signal(getattr(signal, name), stop)
    return stopped


def _restore_signals(stopped: dict) -> None:
    import signal

    for number, handler in stopped.get("previous", {}).items():
        signal.signal(number, handler)


def _interrupted() -> str:
    """What an interrupted command wrote, exactly: none, or each file."""
    from generator.output import written_files

    written = written_files()
    if not written:
        return "Interrompu : aucun fichier n'a été modifié."
    count = len(written)
    lines = [f"Interrompu : {count} fichier{'s' if count > 1 else ''} écrit{'s' if count > 1 else ''} avant "
             "l'interruption (les autres n'ont pas été modifiés) :"]
    return "\n".join(lines + [f"  {path}" for path in written])


def _report(exc: DossierError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    click.echo(f"Erreur : {exc.message}", err=True)


def _warn(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@dataclass
class Settings:
    """Options of the whole command line (dossier --quiet …)."""

    quiet: bool = False
    verbose: bool = False


def _settings() -> Settings:
    context = click.get_current_context(silent=True)
    obj = context.find_root().obj if context else None
    return obj if isinstance(obj, Settings) else Settings()


@contextmanager
def _progress(total: int, label: str):
    """A progress bar on stderr when it is a terminal (never in pipes, logs or --quiet)."""
    if _settings().quiet or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


# --- shared options --------------------------------------------------------------------------

def _parse_amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    from generator.library.models import parse_amount

    try:
        return parse_amount(value)
    except ValueError as exc:
        raise UsageError(f"--min-amount : {exc}") from None


def library_options(command):
    command = click.option(
        "--references", "-r", "references", type=click.Path(path_type=Path), default=DEFAULT_REFERENCES,
        show_default=True, envvar="DOSSIER_REFERENCES", help="Dossier de la bibliothèque de références.",
    )(command)
    return command


def selection_options(command):
    options = [
        click.option("--type", "-t", "types", multiple=True, help="Type de mission contenant ce texte (sans tenir compte des accents ni de la casse). Répétable : l'un OU l'autre."),
        click.option("--client", "clients", multiple=True, help="Maître d'ouvrage contenant ce texte. Répétable."),
        click.option("--component", "-c", "components", multiple=True, help="Composante exigée (parmi les 12). Répétable : toutes exigées."),
        click.option("--any-component", is_flag=True, help="Avec --component : au moins une des composantes suffit."),
        click.option("--since", type=click.IntRange(1900, 2100), metavar="ANNÉE", help="Missions achevées cette année ou après (« en cours » compte)."),
        click.option("--last", type=click.IntRange(min=1), metavar="N", help="Missions des N dernières années, comptées depuis la date limite (sinon --date)."),
        click.option("--date", "date_text", metavar="DATE", help="Jour où la commande s'exécute (2027-01-15 ou 15/01/2027) : date des documents, et date de référence sans date limite. Par défaut : aujourd'hui."),
        click.option("--date-limite", "date_limite", metavar="DATE", help="Date limite de remise des offres : la période est comptée depuis elle ; remplace celle du fichier d'appel."),
        click.option("--person", "persons", multiple=True, help="Missions où cette personne est intervenue. Répétable."),
        click.option("--min-amount", metavar="EUROS", help="Montant minimum de la mission, en euros."),
        click.option("--text", "texts", multiple=True, help="Mots à trouver dans le titre, les enjeux ou le contenu."),
        click.option("--id", "ids", multiple=True, help="Référence choisie par son identifiant. Répétable."),
        click.option("--exclude", multiple=True, help="Référence à écarter, par son identifiant. Répétable."),
        click.option("--limit", type=click.IntRange(min=1), help="Nombre maximum de références."),
        click.option("--sort", type=click.Choice(["recent", "ancien", "titre", "client", "montant"]), default="recent", show_default=True, help="Ordre des références."),
        click.option("--confidentiel", "include_confidential", is_flag=True, help="Inclure les références confidentielles."),
        click.option("--bid", "bid_file", type=click.Path(path_type=Path), metavar="FICHIER", help="Fichier d'appel d'offres (dossier bid new) : critères, date limite et besoin pour classer les références."),
    ]
    for option in reversed(options):
        command = option(command)
    return library_options(command)


def _request(kw: dict) -> Request:
    """What the user asked, read from the options of a selection command (kw is not changed)."""
    from generator.library.dates import date_option
    from generator.request import Request
    from generator.selection.criteria import Criteria

    criteria = Criteria(
        types=kw["types"], clients=kw["clients"], components=kw["components"], any_component=kw["any_component"],
        since=kw["since"], last=kw["last"], persons=kw["persons"], min_amount=_parse_amount(kw["min_amount"]),
        text=kw["texts"], ids=kw["ids"], exclude=kw["exclude"], limit=kw["limit"], sort=kw["sort"],
        include_confidential=kw["include_confidential"],
    )
    return Request(
        references=kw["references"], criteria=criteria, bid=kw["bid_file"], day=date_option(kw["date_text"]),
        date_limite=date_option(kw["date_limite"]), appel=kw.get("appel_titre", ""), acheteur=kw.get("acheteur", ""),
        titre=kw.get("titre"), explain=kw.get("explain", False), strict=kw.get("strict", False),
        annexes=kw.get("annexes", False), pourquoi=kw.get("pourquoi", False), final=kw.get("final", False),
        templates=kw.get("templates_dir", DEFAULT_TEMPLATES), template=kw.get("template"),
    )


def _prepared(kw: dict, documents: bool = False) -> Prepared:
    """The core's answer to the options, with the library's warnings and the notices on stderr."""
    from generator.request import library_warnings, load, prepare

    request = _request(kw)
    library = load(request)
    _warn(library_warnings(library, kw.get("verbose") or _settings().verbose))
    prepared = prepare(request, library)
    for notice in prepared.notices:
        click.echo(notice, err=True)
    if documents:
        # What the table lacks is in the draft's gap summary (_summarize): said once, there.
        for line in prepared.kept_notes:
            click.echo(line, err=True)
    return prepared


def document_options(command):
    options = [
        click.option("--output", "-o", type=OUTPUT, help="Fichier à écrire, ou dossier terminé par / (par défaut dans outputs/)."),
        click.option("--template", type=click.Path(path_type=Path), help="Modèle Word à utiliser à la place du modèle par défaut."),
        click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet."),
        click.option("--appel", "appel_titre", default="", help="Intitulé de l'appel d'offres (page de garde)."),
        click.option("--acheteur", default="", help="Acheteur public (page de garde)."),
        click.option("--titre", help="Titre du document (page de garde et propriétés)."),
        click.option("--verbose", "-v", is_flag=True, help="Afficher aussi les avertissements sur la bibliothèque."),
        click.option("--strict", is_flag=True, help="Avec --bid : refuser d'écrire si le tableau des références est incomplet (date, montant et sa base, client public ou privé, période)."),
        click.option("--pdf", is_flag=True, help="Convertir aussi chaque DOCX en PDF (LibreOffice, sommaire mis à jour)."),
        click.option("--final", is_flag=True, help="Document définitif : refuser d'écrire (code 2) tant qu'il reste un élément à compléter, une donnée d'exemple ou une grille à confirmer ; les lister tous."),
    ]
    for option in reversed(options):
        command = option(command)
    return selection_options(command)


def _gate(library, selected, options, people=()) -> list:
    """--final refuses here, before anything is written; a draft gets the gaps to summarise."""
    from generator.documents import gaps as gaps_module

    return gaps_module.gate(gaps_module.Request(library, selected, options, list(people)))


def _summarize(found: list) -> None:
    """The end of a draft's output: what is left to fill in, by file, then how much."""
    if not found or _settings().quiet:
        return
    from generator.documents.gaps import summary
    from generator.documents.internal import gap_lines

    for line in gap_lines(found):
        click.echo(line, err=True)
    click.echo(f"Brouillon : {summary(found)} (en rouge dans le document) ; "
               "--final refuse d'écrire tant qu'il en reste", err=True)


def _write(path: Path, data: bytes, keep: tuple[Path, ...] = ()) -> Path:
    """A file the user asked for by name: never over a folder, a special file or what `keep` holds."""
    from generator.output import write_file

    write_file(path, data, keep)
    _say(f"Écrit : {path}")
    return path


def _write_document(given: Path | None, default: Path, data: bytes, library) -> Path:
    """A generated document, at -o or its default place, never over what the user keeps."""
    from generator.output import document_target, write_document

    path = write_document(document_target(given, default), data, keep=(library.root, DEFAULT_TEMPLATES))
    _say(f"Écrit : {path}")
    return path


def _plain(view, *cells) -> None:
    """A row of user text: rich would read « [b] » or « [/x] » in a title as markup."""
    from rich.markup import escape

    view.add_row(*(escape(str(cell)) for cell in cells))


# --- commands -----------------------------------------------------------------------------

@click.group(cls=DossierGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="dossier", message="%(prog)s %(version)s",
                      help="Afficher la version et quitter.")
@click.option("--quiet", "-q", is_flag=True, help="N'afficher que les erreurs.")
@click.option("--verbose", "-v", is_flag=True, help="Afficher aussi les avertissements sur la bibliothèque.")
@click.pass_context
def cli(ctx, quiet, verbose):
    """dossier : vos références de missions (YAML) deviennent les documents Word d'une
    candidature à un marché public.

    \b
    Exemples :
      dossier build --type "Stratégie"
      dossier --quiet table --last 3 --format xlsx

    La couleur est désactivée quand la variable NO_COLOR est définie.
    """
    ctx.obj = Settings(quiet=quiet, verbose=verbose and not quiet)


@cli.command()
@document_options
@click.option("--annexes", is_flag=True, help="Joindre les travaux produits (productions/) en annexe ; avec --pdf, les attestations de bonne exécution à la fin du PDF.")
@click.option("--pourquoi", is_flag=True, help="Avec --bid : ajouter la note « Pourquoi ces références » pour l'équipe de réponse (à retirer avant l'envoi).")
def build(**kw):
    """Écrit le dossier de candidature (DOCX) pour une sélection de références.

    \b
    Exemple :
      dossier build --type "Stratégie" --appel "AMO NPNRU" --acheteur "Ville de Bondy"
      dossier build --bid appel.yaml --pourquoi
    """
    from generator.documents import build as documents

    prepared = _prepared(kw, documents=True)
    selected = prepared.selected
    found = _gate(prepared.library, selected, prepared.options)
    data = documents.dossier(prepared.library, selected, prepared.options, prepared.template("dossier"))
    written = _write_document(kw["output"], DEFAULT_OUTPUTS / "dossier-candidature.docx", data, prepared.library)
    if prepared.options.pourquoi:
        from generator.documents.internal import NOTE_NAME, internal_note

        _write(written.with_name(NOTE_NAME), internal_note(prepared.options, found).encode("utf-8"))
    _convert_pdf(kw["pdf"], [written])
    if kw["pdf"] and kw["annexes"]:
        from generator.documents.pack import append_attestations

        if append_attestations(written.with_suffix(".pdf"), prepared.library, selected):
            _say("Attestations de bonne exécution ajoutées à la fin du PDF")
    _say(f"{len(selected)} référence{'s' if len(selected) > 1 else ''} : " + ", ".join(m.id for m in selected))
    _summarize(found)


@cli.command()
@document_options
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "csv"]), default="docx", show_default=True,
              help="DOCX (Word), XLSX (tableur : montants en nombres, filtre) ou CSV (Excel en français : « ; », UTF-8).")
def table(**kw):
    """Écrit le tableau des références (DOCX, XLSX ou CSV).

    \b
    Exemples :
      dossier table --type strategie --last 5
      dossier table --last 3 --format xlsx
    """
    from generator.documents import build as documents

    fmt = kw["fmt"]
    if kw["pdf"] and fmt != "docx":
        raise UsageError("--pdf convertit le tableau Word : il ne s'emploie qu'avec --format docx")
    prepared = _prepared(kw, documents=True)
    found = _gate(prepared.library, prepared.selected, prepared.options)
    if fmt == "docx":
        data = documents.table(prepared.library, prepared.selected, prepared.options, prepared.template("tableau"))
    else:
        data = documents.table_spreadsheet(prepared.library, prepared.selected, prepared.options, fmt)
    written = _write_document(kw["output"], DEFAULT_OUTPUTS / f"tableau-references.{fmt}", data, prepared.library)
    _convert_pdf(kw["pdf"], [written])
    _summarize(found)


@cli.command()
@document_options
@click.option("--single", is_flag=True, help="Toutes les fiches dans un seul fichier.")
def fiches(**kw):
    """Écrit une fiche référence (DOCX) par mission sélectionnée.

    Avec --single, toutes les fiches dans un seul fichier ; sinon un fichier par
    fiche dans outputs/fiches/ (ou dans le dossier donné par -o ; -o fiche.docx
    pour une seule fiche).

    \b
    Exemple :
      dossier fiches --client "Est Ensemble" --single
    """
    from generator.documents import build as documents

    prepared = _prepared(kw, documents=True)
    selected = prepared.selected
    single, output = kw["single"], kw["output"]
    if output is not None and output.suffix.lower() == ".docx" and not single:
        if len(selected) > 1:
            raise UsageError(f"-o {output} : un fichier pour {len(selected)} fiches ; ajoutez --single "
                             "pour les réunir, ou donnez un dossier à -o")
        single = True  # one fiche, one file: the name the user gave
    found = _gate(prepared.library, prepared.selected, prepared.options)
    with _progress(1 if single else len(selected), "Fiches") as advance:
        produced = documents.fiches(prepared.library, selected, prepared.options, prepared.template("fiches"),
                                    single, advance)
    written = []
    for name, data in produced:
        if single:
            written.append(_write_document(output, DEFAULT_OUTPUTS / name, data, prepared.library))
        else:
            written.append(_write_document(None, (output or DEFAULT_OUTPUTS / "fiches") / name, data, prepared.library))
    _convert_pdf(kw["pdf"], written)
    _summarize(found)


@cli.command(name="list")
@selection_options
@click.option("--explain", is_flag=True, help="Pour chaque référence : rang, score, termes trouvés et champs ; raisons des exclusions.")
def list_(**kw):
    """Affiche les références de la bibliothèque (ou d'une sélection) sous forme de tableau.

    Avec --bid, les références sont classées par pertinence par rapport au besoin de
    l'appel ; --explain dit pourquoi chacune est retenue ou écartée.

    \b
    Exemples :
      dossier list --component Concertation --since 2017
      dossier list --bid appel.yaml --explain
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from generator.library.formatting import format_annees, format_montants

    prepared = _prepared(kw)
    if kw["explain"]:
        _explain(prepared.bid, prepared.answer)
        return
    selected, criteria = prepared.selected, prepared.criteria
    columns = ("Identifiant", "Années", "Type", "Maître d'ouvrage", "Titre", "Montant")
    rows = [(m.id, format_annees(m.annees), m.type or "", m.maitre_ouvrage or "", m.titre, format_montants(m.montant))
            for m in selected]
    title = f"{len(selected)} référence(s) — {criteria.describe()}"
    console = Console()
    if not console.is_terminal:
        # Into a pipe or a file: one tab-separated line per reference, for grep, cut or a
        # spreadsheet (and drawing a table of thousands of rows costs seconds).
        click.echo(title)
        for row in (columns, *rows):
            click.echo("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))
        return
    view = Table(title=escape(title), show_lines=False)
    for column in columns:
        view.add_column(column, overflow="fold", style="cyan" if column == "Identifiant" else None)
    for row in rows:
        _plain(view, *row)
    console.print(view)


def _explain(bid, result) -> None:
    """The ranking in plain lines: easy to read, to paste in a mail, and to grep."""
    from generator.selection.answer import empty_message
    from generator.library.formatting import format_annees, format_long_date

    lines: list[str] = []
    echo = lines.append  # one write at the end: thousands of lines on a large library

    def score(v) -> str:
        return f" — score {v.score:.1f}".replace(".", ",") if result.ranked else ""

    if bid is not None and (bid.titre or bid.acheteur):
        echo(f"Appel : {bid.titre or '—'}" + (f" — {bid.acheteur}" if bid.acheteur else ""))
    echo(f"Date de référence : {format_long_date(result.when)} ; période : références {result.period}")
    echo(f"Ordre : {result.order}")
    for line in result.headlines():
        echo("Attention : " + line)
    echo(f"\nRetenues ({len(result.kept)}) :")
    for v in result.kept:
        m = v.mission
        echo(f"  {v.rank}. {m.id}{score(v)} — {format_annees(m.annees) or 'années ?'} — {m.titre}")
        for match in v.matches[:12]:
            echo(f"       {match.label} : {', '.join(match.fields)}")
        if result.ranked and not v.matches:
            echo("       aucun terme du besoin")
        if v.note:
            echo("       " + v.note)
    if result.beyond_limit:
        echo(f"\nNon retenues, au-delà des {result.wanted} demandées ({len(result.beyond_limit)}) :")
        for v in result.beyond_limit:
            echo(f"  - {v.mission.id}{score(v)}")
    if result.excluded:
        echo(f"\nÉcartées ({len(result.excluded)}) :")
        for v in result.excluded:
            echo(f"  - {v.mission.id}{score(v)} — " + " ; ".join(v.reasons))
            labels = v.labels(6)
            if labels:
                echo("       termes : " + ", ".join(labels))
    if result.near_misses:
        echo("\nDe peu (achevées juste avant la période ; à retenir avec inclure si l'acheteur l'accepte) :")
        for v in result.near_misses:
            echo(f"  - {v.mission.id} ({format_annees(v.mission.annees)})")
    if result.ranked and result.excluded:
        # What the library offers for this need, the criteria aside: the right reference
        # may only be a window or a composante away.
        echo("\nPertinence de toutes les références, critères mis à part :")
        by_score = sorted(result.verdicts, key=lambda v: (-v.score, v.mission.id))
        for i, v in enumerate(by_score, 1):
            echo(f"  {i}. {v.mission.id}{score(v)} — {'retenue' if v.kept else 'écartée'}")
    if result.weak:
        echo("\n" + empty_message(result))
    click.echo("\n".join(lines))


@cli.command()
@click.argument("ident", metavar="ID")
@library_options
def show(ident, references):
    """Affiche une référence en détail.

    \b
    Exemple :
      dossier show 2021-mission-appui-relative-equipements-publics-marseillais
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from generator.documents.build import load_valid_library
    from generator.documents.context import mission_fields, paragraphs
    from generator.request import find_mission

    mission = find_mission(load_valid_library(references), ident)
    view = Table(title=escape(mission.titre), show_header=False, show_lines=True)
    view.add_column("", style="bold")
    view.add_column("")
    _plain(view, "Identifiant", mission.id)
    for row in mission_fields(mission):
        _plain(view, row["libelle"], row["valeur"])
    _plain(view, "Composantes", "\n".join(mission.composantes) or "—")
    _plain(view, "Enjeux", "\n\n".join(paragraphs(mission.enjeux)) or "—")
    _plain(view, "Contenu", "\n".join(f"• {c}" for c in mission.contenu) or "—")
    Console().print(view)


@cli.command()
@click.argument("person", metavar="PERSONNE")
@click.option("--output", "-o", type=OUTPUT, help="Fichier à écrire, ou dossier terminé par / (par défaut outputs/cv-IDENTIFIANT.docx).")
@click.option("--template", type=click.Path(path_type=Path), help="Modèle Word à utiliser à la place du modèle par défaut.")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet.")
@click.option("--date", "date_text", metavar="DATE", help="Date du document : 2027-01-15 ou 15/01/2027. Par défaut : aujourd'hui.")
@click.option("--pdf", is_flag=True, help="Convertir aussi le CV en PDF (LibreOffice).")
@click.option("--appel", "appel_titre", default="", help="Intitulé de l'appel d'offres (en tête du CV et pied de page).")
@click.option("--final", is_flag=True, help="CV définitif : refuser d'écrire (code 2) tant qu'il reste un élément à compléter.")
@click.option("--bid", "bid_file", type=click.Path(path_type=Path), metavar="FICHIER", help="Fichier d'appel d'offres : son intitulé en tête du CV, et le rôle proposé à la personne (personnes: nom et role).")
@library_options
def cv(person, output, template, templates_dir, date_text, pdf, appel_titre, final, bid_file, references):
    """Écrit le CV (DOCX) d'une personne du cabinet, avec ses missions de la bibliothèque.

    Les missions viennent des champs directeur, referent et consultants des
    références : rien n'est saisi deux fois. PERSONNE : nom, autre graphie ou identifiant.

    \b
    Exemple :
      dossier cv "Valérie Embize" -o cv-embize.docx
      dossier cv "Valérie Embize" --bid appel.yaml
    """
    from generator.documents import build as documents
    from generator.library.dates import date_option
    from generator.request import Request, person_documents

    request = Request(references=references, day=date_option(date_text), templates=templates_dir, template=template,
                      appel=appel_titre, final=final, bid=bid_file)
    library, found, options = person_documents(request, person)
    gaps = _gate(library, [], options, [found])
    data = documents.cv(library, found, options, documents.find_template("cv", templates_dir, template))
    written = _write_document(output, DEFAULT_OUTPUTS / f"cv-{found.id}.docx", data, library)
    _convert_pdf(pdf, [written])
    _summarize(gaps)


@cli.group()
def bid():
    """Fichier d'appel d'offres : l'appel, l'acheteur, la date limite, le besoin, les critères.

    \b
    Exemple :
      dossier bid new -o appel.yaml
    """


@bid.command(name="new")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("appel.yaml"), show_default=True, help="Fichier à écrire.")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
def bid_new(output, force):
    """Écrit un fichier d'appel d'offres commenté, à compléter.

    \b
    Exemple :
      dossier bid new -o appel.yaml
      dossier list --bid appel.yaml --explain
    """
    from generator.library.bid import EXAMPLE

    if output.exists() and not force:
        raise UsageError(f"{output} existe déjà ; --force pour le remplacer")
    _write(output, EXAMPLE.encode("utf-8"), keep=(DEFAULT_REFERENCES, DEFAULT_TEMPLATES))


# --- templates ---------------------------------------------------------------------------------

@cli.group()
def templates():
    """Modèles Word : lister, vérifier, exporter pour les personnaliser.

    \b
    Exemples :
      dossier templates list
      dossier templates export dossier
      dossier templates check templates/dossier.docx
    """


@templates.command(name="list")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet.")
def templates_list(templates_dir):
    """Affiche les modèles et celui qui sera utilisé (celui du projet ou celui par défaut).

    \b
    Exemple :
      dossier templates list
    """
    from rich.console import Console
    from rich.table import Table

    from generator.documents.default_templates import TEMPLATE_NAMES
    from generator.documents.build import find_template

    purposes = {"dossier": "dossier build", "tableau": "dossier table", "fiches": "dossier fiches", "cv": "dossier cv",
                "dc1": "dossier formulaires", "dc2": "dossier formulaires", "dc4": "dossier formulaires"}
    view = Table(title="Modèles Word")
    for column in ("Nom", "Commande", "Modèle utilisé"):
        view.add_column(column)
    for name in TEMPLATE_NAMES:
        _plain(view, name, purposes.get(name, ""), find_template(name, templates_dir).display)
    Console().print(view)


@templates.command(name="export")
@click.argument("name", type=click.Choice(["dossier", "tableau", "fiches", "cv", "dc1", "dc2", "dc4"]))
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Fichier à écrire (par défaut templates/NOM.docx, utilisé ensuite automatiquement).")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe.")
def templates_export(name, output, force):
    """Copie un modèle par défaut pour le modifier dans Word (styles, logo, textes).

    Le modèle exporté dans templates/ remplace celui par défaut pour toutes les
    commandes. Modifiez les styles (Titre 1, Titre 2, Liste à puces…) pour changer
    l'aspect de tout le dossier ; gardez les balises {{ … }} et {%p … %} entières.

    \b
    Exemple :
      dossier templates export dossier -o modeles/dossier-ville.docx
    """
    from generator.documents.default_templates import template_bytes

    target = output or DEFAULT_TEMPLATES / f"{name}.docx"
    if target.exists() and not force:
        raise UsageError(f"{target} existe déjà ; ajoutez --force pour le remplacer")
    _write(target, template_bytes(name), keep=(DEFAULT_REFERENCES,))


@templates.command(name="check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(["dossier", "tableau", "fiches", "cv", "dc1", "dc2", "dc4"]), help="Type de modèle (par défaut : d'après le nom du fichier, sinon dossier).")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet (sans FICHIER).")
def templates_check(files, kind, templates_dir):
    """Vérifie un modèle Word sans rien produire : balises cassées ou coupées,
    variables inconnues, avec le paragraphe où elles sont. Code 3 s'il y a un problème.
    Sans fichier : tous les modèles utilisés, ceux de templates/ et ceux par défaut.

    \b
    Exemple :
      dossier templates check templates/dossier.docx
      dossier templates check
    """
    from generator.documents.template_check import check_template, templates_in_use, variables_for
    from generator.errors import TemplateError

    problems = []
    for path in files:
        if not path.is_file():
            raise TemplateError(f"{path} : modèle introuvable")
    checked = [(path, variables_for(path, kind), str(path)) for path in files] or templates_in_use(templates_dir)
    for source, variables, shown in checked:
        found = check_template(source, variables, shown)
        problems += found
        if not found:
            _say(f"{shown} : aucun problème")
    if problems:
        count = len(problems)
        many = "s" if len(checked) > 1 else ""
        raise TemplateError(f"{count} problème{'s' if count > 1 else ''} dans le{many} modèle{many}", problems)


@templates.command(name="variables")
def templates_variables():
    """Liste les variables qu'un modèle peut employer (la même liste que le README).

    \b
    Exemple :
      dossier templates variables
    """
    from generator.documents.template_check import variables_markdown

    click.echo(variables_markdown(), nl=False)


# --- a new library, a new mission, statistics ----------------------------------------------------

@cli.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--cabinet", "firm", default="Mon cabinet", show_default=True, help="Nom du cabinet (modifiable ensuite dans references/cabinet.yaml).")
def init(directory, firm):
    """Crée une nouvelle bibliothèque : cabinet, une mission d'exemple, une personne,
    les modèles Word et un .gitignore qui écarte outputs/.

    \b
    Exemple :
      dossier init mon-cabinet --cabinet "Perspectives Urbaines et Sociales"
      cd mon-cabinet && dossier build
    """
    from generator.library.scaffold import init_project

    written, kept = init_project(directory, firm)
    for path in written:
        _say(f"Écrit : {path}")
    for path in kept:
        _say(f"Conservé (déjà présent, non remplacé) : {path}")
    _say("Remplissez references/cabinet.yaml, remplacez la mission d'exemple, puis : dossier check")


@cli.command()
@library_options
@click.option("--titre", help="Intitulé de la mission (sans --titre, les questions sont posées une à une).")
@click.option("--client", "maitre_ouvrage", help="Maître d'ouvrage.")
@click.option("--type", "type_", help="Type de mission.")
@click.option("--annees", help="Années : 2018 - 2021, 2017 ou 2022 - en cours.")
@click.option("--montant", help="Montant de la mission en euros (99685 ou « 99 685 »).")
@click.option("--taxe", type=click.Choice(["HT", "TTC"], case_sensitive=False), help="Base du montant.")
@click.option("--tranche", type=click.Choice(["ferme", "optionnelle"]), help="Tranche du montant, si la mission en a.")
@click.option("--directeur", help="Directeur·rice de mission.")
@click.option("--consultant", "consultants", multiple=True, help="Consultant·e mobilisé·e. Répétable.")
@click.option("--composante", "composantes", multiple=True, help="Composante (parmi les 12). Répétable.")
@click.option("--id", "ident", help="Identifiant (par défaut : année et premiers mots du titre).")
def new(references, titre, maitre_ouvrage, type_, annees, montant, taxe, tranche, directeur, consultants, composantes, ident):
    """Crée une mission (references/missions/ID.yaml) à partir d'options ou de questions,
    vérifiée avant d'être écrite.

    \b
    Exemples :
      dossier new --titre "AMO concertation NPNRU des Fauvettes" --client "Ville de Bondy" \\
                  --annees "2024 - en cours" --montant 35000 --taxe HT --composante Concertation
      dossier new          # les questions sont posées une à une
    """
    from generator.library.ids import id_for
    from generator.library.scaffold import check_ident, new_mission_text
    from generator.library.vocabulary import COMPOSANTES

    if titre is None:
        titre = click.prompt("Intitulé de la mission")
        maitre_ouvrage = click.prompt("Maître d'ouvrage", default="", show_default=False)
        type_ = click.prompt("Type de mission", default="", show_default=False)
        annees = click.prompt("Années (2018 - 2021, 2017, 2022 - en cours)", default="", show_default=False)
        montant = click.prompt("Montant en euros (vide si inconnu)", default="", show_default=False)
        if montant:
            taxe = click.prompt("HT ou TTC (vide si la fiche ne le dit pas)", default="", show_default=False).upper() or None
        directeur = click.prompt("Directeur·rice de mission", default="", show_default=False)
        consultants = _split_answer(click.prompt("Consultants mobilisés, séparés par des virgules", default="", show_default=False))
        click.echo("Composantes : " + ", ".join(COMPOSANTES))
        composantes = _split_answer(click.prompt("Composantes réalisées, séparées par des virgules", default="", show_default=False))
    amount = None
    if montant:
        amount = [{"valeur": montant, **({"taxe": taxe.upper()} if taxe else {}), **({"tranche": tranche} if tranche else {})}]
    fields = {
        "titre": titre, "maitre_ouvrage": maitre_ouvrage, "type": type_, "annees": annees, "directeur": directeur,
        "consultants": list(consultants), "montant": amount, "composantes": list(composantes),
    }
    debut = re.match(r"\s*(\d{4})", annees or "")
    ident = check_ident(ident) if ident is not None else id_for(titre, int(debut.group(1)) if debut else None)
    target = references / "missions" / f"{ident}.yaml"
    text = new_mission_text(fields, str(target))
    if target.exists():
        raise UsageError(f"{target} existe déjà ; choisissez un autre identifiant avec --id")
    _write(target, text.encode("utf-8"))


def _split_answer(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@cli.command()
@selection_options
def stats(**kw):
    """Compte les références par type, par année, par composante et par personne.

    Une mission de plusieurs années compte pour chacune de ses années ; « en cours »
    compte jusqu'à l'année de --date.

    \b
    Exemple :
      dossier stats --last 5
    """
    from collections import Counter

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from generator.selection.criteria import last_year
    from generator.library.vocabulary import COMPOSANTES, fold

    prepared = _prepared(kw)
    selected, criteria, when = prepared.selected, prepared.criteria, prepared.dates.reference
    console = Console()
    console.print(escape(f"{len(selected)} référence(s) — {criteria.describe()}"))

    def show(title: str, header: str, counts, order=None) -> None:
        view = Table(title=title, title_justify="left")
        view.add_column(header, style="cyan")
        view.add_column("Références", justify="right")
        for key in order if order is not None else sorted(counts, key=lambda k: (-counts[k], fold(str(k)))):
            _plain(view, key, counts.get(key, 0))
        console.print(view)

    show("Par type de mission", "Type", Counter(m.type or "(type non renseigné)" for m in selected))
    years = Counter(year for m in selected if m.annees
                    for year in range(m.annees.debut, (last_year(m, when) or m.annees.debut) + 1))
    show("Par année (missions en cours cette année-là)", "Année", years, sorted(years, reverse=True))
    show("Par composante", "Composante", Counter(c for m in selected for c in m.composantes), list(COMPOSANTES))
    unknown = sum(m.composantes_a_confirmer for m in selected)
    if unknown:
        click.echo(f"{unknown} référence(s) aux composantes à confirmer (grille importée sans ses coches) : non comptées")
    show("Par personne", "Personne", Counter(name for m in selected for name in m.people))


# --- PDF, quiet and verbose output --------------------------------------------------------------

def _say(message: str) -> None:
    """A progress line on stdout, silenced by --quiet."""
    if not _settings().quiet:
        click.echo(message)


def _convert_pdf(wanted: bool, documents: list[Path]) -> None:
    """With --pdf, each written DOCX also as a PDF beside it, with a progress bar on a terminal."""
    if not wanted:
        return
    from generator.documents.pdf import to_pdf

    with _progress(len(documents), "Conversion PDF") as advance:
        for written in to_pdf(documents, advance):
            _say(f"Écrit : {written}")


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--into", "references", type=click.Path(path_type=Path), default=DEFAULT_REFERENCES, show_default=True,
              help="Bibliothèque où écrire (missions/ ou productions/ selon la fiche).")
@click.option("--dry-run", is_flag=True, help="Lire et rendre compte sans rien écrire.")
@click.option("--overwrite", is_flag=True, help="Remplacer un fichier déjà présent pour la même fiche.")
def import_(files, references, dry_run, overwrite):
    """Importe des fiches références existantes (.txt, .docx) dans la bibliothèque YAML.

    Chaque fiche devient un fichier missions/ANNÉE-MOTS-DU-TITRE.yaml (ou productions/
    pour un travail produit). Le rapport dit, fichier par fichier, l'encodage lu, les
    champs trouvés et vides, et tout ce qui est incertain. Un fichier existant n'est
    jamais remplacé sans --overwrite ; une fiche déjà importée est reconnue.

    \b
    Exemple :
      dossier import anciennes-fiches/*.txt anciennes-fiches/*.docx --dry-run
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from generator.errors import DataError, Problem
    from generator.importing.importer import import_files
    from generator.library.loader import display_path
    from generator.output import write_atomic

    results = import_files(list(files), references, overwrite=overwrite, firm_library=DEFAULT_REFERENCES)
    for result in results:
        if result.write and not dry_run:
            write_atomic(result.target, result.yaml_text().encode("utf-8"))
    console = Console()
    if dry_run:
        console.print("Essai (--dry-run) : rien n'est écrit.")
    for result in results:
        # Fiche text is printed as written: « [x] » is a tick, not rich markup.
        view = Table(title=escape(display_path(result.source)), title_justify="left", show_header=False)
        view.add_column("", style="bold", no_wrap=True)
        view.add_column("", overflow="fold")
        view.add_row("Lu comme", result.read_as or "—")
        if result.error:
            view.add_row("Résultat", f"[red]non importé[/red] : {escape(result.error)}")
        else:
            status = result.status + (" (fiche incomplète)" if result.incomplete else "")
            view.add_row("Résultat", f"serait {status}" if dry_run and result.write else status)
            view.add_row("Fichier", escape(display_path(result.target)) if result.target else "—")
            view.add_row("Champs trouvés", ", ".join(result.found))
            view.add_row("Champs vides", ", ".join(result.empty) or "—")
            if result.absent:
                view.add_row("Champs absents", ", ".join(result.absent))
            for warning in result.warnings:
                view.add_row("[yellow]À vérifier[/yellow]", escape(warning))
        console.print(view)
    failed = [r for r in results if r.error]
    if failed:
        plural = "s" if len(failed) > 1 else ""
        rest = " ; les autres ont été lus" if len(failed) < len(results) else ""
        raise DataError(
            f"{len(failed)} fichier{plural} sur {len(results)} non importé{plural}{rest}",
            [Problem(display_path(r.source), None, None, r.error) for r in failed],
        )


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_REFERENCES, required=False)
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word à essayer.")
@click.option("--date", "date_text", metavar="DATE", help="Jour où la vérification s'exécute (2027-01-15 ou 15/01/2027) : années futures et récence comptées depuis lui. Par défaut : aujourd'hui.")
@click.option("--last", type=click.IntRange(min=1), default=3, show_default=True, metavar="N", help="Fenêtre de récence : avertir des références achevées avant les N dernières années.")
@click.option("--strict", is_flag=True, help="Les avertissements comptent comme des erreurs (code 2).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Sortie lisible ou JSON (pour l'intégration continue).")
@click.option("--no-cache", is_flag=True, help="Relire tous les fichiers sans utiliser le cache.")
@click.option("--references", "-r", "references", type=click.Path(path_type=Path), envvar="DOSSIER_REFERENCES",
              help="Dossier de la bibliothèque (comme PATH, pour écrire -r comme les autres commandes).")
@click.option("--final", is_flag=True, help="Lister aussi tout ce qu'un document définitif refuserait (éléments à compléter, données d'exemple, grilles à confirmer) ; code 2 s'il en reste.")
def check(path, templates_dir, date_text, last, strict, fmt, no_cache, references, final):
    """Vérifie toute la bibliothèque et les modèles : chaque problème, en une fois.

    Une ligne par problème, triée : « fichier:ligne: champ 'x' : message ».
    Code 0 si tout va bien, 2 s'il y a des erreurs (ou des avertissements avec --strict).

    \b
    Exemple :
      dossier check --date 2027-01-15
    """
    import json

    from generator.library.checks import check_library, check_templates
    from generator.library.dates import date_option
    from generator.library.loader import load_library

    now = date_option(date_text) or date.today()
    path = references or path
    library = load_library(path, use_cache=not no_cache)
    problems = library.problems + check_library(library, now, last) + check_templates(library, templates_dir, now)
    gaps = []
    if final:
        from generator.documents.gaps import library_gaps

        gaps = library_gaps(library, now)
        # an example value is a warning of check and a gap of --final: said once, as a gap
        said = {(g.path, g.line, g.field, g.message) for g in gaps}
        problems = [p for p in problems if (p.path, p.line, p.field, p.message) not in said] + gaps
    problems.sort(key=lambda p: p.sort_key())
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    if fmt == "json":
        click.echo(json.dumps({
            "erreurs": len(errors),
            "avertissements": len(warnings),
            "problemes": [
                {"fichier": p.path, "ligne": p.line, "champ": p.field, "gravite": p.severity, "message": p.message}
                for p in problems
            ],
        }, ensure_ascii=False, indent=2))
    else:
        if problems:  # one write: thousands of echo calls cost a quarter of a second
            click.echo("\n".join(map(str, problems)))
        counts = (f"{len(library.missions)} mission(s), {len(library.personnes)} personne(s), "
                  f"{len(library.productions)} production(s) lues : "
                  f"{len(errors)} erreur(s), {len(warnings)} avertissement(s)")
        click.echo(counts if problems else f"{counts}. Tout est en ordre.")
        if gaps:
            click.echo(f"--final : {len(gaps)} élément(s) à compléter avant un document définitif")
    failed = errors or (strict and warnings) or gaps
    return ExitCode.DATA if failed else ExitCode.OK


@cli.command()
@click.option("--output", "-o", "output_dir", type=click.Path(path_type=Path), default=Path("schema"), show_default=True, help="Dossier où écrire les schémas.")
def schema(output_dir):
    """Écrit les schémas JSON des fichiers YAML (complétion et vérification dans l'éditeur).

    mission.schema.json, personne.schema.json, cabinet.schema.json,
    production.schema.json, piece.schema.json (pièces administratives) et
    appel.schema.json (fichier d'appel d'offres) ; les fichiers YAML y renvoient
    par leur première ligne « # yaml-language-server: $schema=… ».

    \b
    Exemple :
      dossier schema -o schema
    """
    from generator.library.schema import schema_files

    for name, text in schema_files().items():
        _write(output_dir / name, text.encode("utf-8"))


# --- the whole candidature: pieces, forms DC1 / DC2 / DC4, the folder to upload -------------------

def candidature_options(command):
    options = [
        click.option("--bid", "bid_file", type=click.Path(path_type=Path), required=True, metavar="FICHIER",
                     help="Fichier d'appel d'offres (dossier bid new) : acheteur, lots, groupement, sous-traitants, pièces demandées."),
        click.option("--date", "date_text", metavar="DATE", help="Date du jour pour les validités : 2027-01-15 ou 15/01/2027. Par défaut : aujourd'hui."),
        click.option("--final", is_flag=True, help="Refuser d'écrire tant qu'une pièce demandée est expirée ou manquante, ou qu'une donnée des formulaires est à compléter."),
    ]
    for option in reversed(options):
        command = option(command)
    return library_options(command)


def _candidature(kw: dict, with_references: bool = True):
    from generator.documents import pack as packing
    from generator.documents.build import load_valid_library
    from generator.library.dates import date_option

    today = date_option(kw.pop("date_text")) or date.today()
    library = load_valid_library(kw.pop("references"))
    bid_file = kw.pop("bid_file")
    selected = packing.select_references(library, bid_file, today) if with_references else []
    return packing.prepare(library, bid_file, today, selected)


def _gaps_or_refuse(c, final: bool, what: str) -> None:
    from generator.documents import pack as packing

    if final:
        packing.refuse_gaps(c, what)
        return
    found = packing.gaps(c)
    if found and not _settings().quiet:
        _warn(found)
        click.echo(f"{len(found)} manque(s) : brouillon ; --final refuse tant qu'il en reste", err=True)


@cli.command()
@candidature_options
def pieces(**kw):
    """Pièces administratives demandées par l'appel d'offres et leur validité à la date limite.

    Pour chaque pièce (Kbis, attestation URSSAF, attestation fiscale, assurance…) :
    valide, expire avant la date limite, expirée ou manquante. Les pièces sont dans
    references/pieces/ (un fichier YAML à côté de chaque PDF).

    \b
    Exemple :
      dossier pieces --bid appel.yaml --final
    """
    from rich.console import Console
    from rich.table import Table

    from generator.documents import pack as packing
    from generator.library.formatting import format_long_date

    c = _candidature(kw, with_references=False)
    view = Table(title=f"Pièces à la date limite du {format_long_date(c.deadline)}", title_justify="left")
    for column in ("Pièce", "État", "Détail", "Fichier"):
        view.add_column(column, overflow="fold")
    for status in c.statuses:
        color = "green" if status.ok else "red"
        _plain(view, status.label, status.status, status.detail(), status.piece.piece.fichier if status.piece else "—")
        view.rows[-1].style = color
    Console().print(view)
    problems = packing.piece_gaps(c)
    if kw.pop("final") and problems:
        raise DataError(f"{len(problems)} pièce(s) à reprendre (--final)", problems)
    _warn(problems)


@cli.command()
@candidature_options
@click.option("--output", "-o", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUTPUTS / "formulaires", show_default=True, help="Dossier où écrire les formulaires.")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet.")
@click.option("--pdf", is_flag=True, help="Convertir aussi chaque formulaire en PDF (LibreOffice).")
def formulaires(**kw):
    """Écrit les formulaires DC1, DC2 (un par membre du groupement) et DC4 (un par sous-traitant).

    Remplis avec references/cabinet.yaml et le fichier d'appel d'offres ; une donnée
    inconnue reste « à compléter » en rouge (et --final refuse d'écrire).

    \b
    Exemple :
      dossier formulaires --bid appel.yaml
    """
    from generator.documents.forms import render_forms

    final = kw.pop("final")
    c = _candidature(kw)
    _gaps_or_refuse(c, final, "aucun formulaire n'a été écrit")
    written = [_write_document(None, kw["out_dir"] / form.name, form.data, c.library)
               for form in render_forms(c.library, c.bid, c.people, c.selected, c.today, kw["templates_dir"])]
    _convert_pdf(kw.pop("pdf"), written)


@cli.command()
@candidature_options
@click.option("--output", "-o", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUTPUTS, show_default=True, help="Dossier où créer le dossier de la consultation et son ZIP.")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet.")
@click.option("--sans-pdf", "no_pdf", is_flag=True, help="Ne pas convertir les documents en PDF (plus rapide ; brouillon).")
def pack(**kw):
    """Prépare le dossier à déposer : outputs/<consultation>/ et son ZIP.

    Formulaires, dossier de candidature, pièces administratives et attestations, nommés
    selon le fichier d'appel d'offres (par défaut 01_DC1_SIGLE.pdf), avec un bordereau
    qui dit où est chaque pièce demandée par le RC, ou qu'elle manque.

    \b
    Exemple :
      dossier pack --bid appel.yaml --final
    """
    from generator.documents import pack as packing

    final = kw.pop("final")
    c = _candidature(kw)
    _gaps_or_refuse(c, final, "aucun fichier n'a été écrit")
    folder, archive, entries = packing.pack(c, kw["out_dir"], kw["templates_dir"], with_pdf=not kw["no_pdf"],
                                            keep=(c.library.root, DEFAULT_TEMPLATES))
    for entry in entries:
        where = ", ".join(entry.files) if entry.files else packing.MANQUANT.upper()
        _say(f"{entry.label} : {where}")
    _say(f"Écrit : {folder}/")
    _say(f"Écrit : {archive}")


def main() -> None:
    # One command per process: what it loads lives until it exits, and the cyclic collector
    # would walk the whole library again and again for garbage it does not make (a quarter of
    # `check` at 10,000 references; the peak memory of a build stays the same without it).
    # `serve`, which runs for hours, turns it back on, and says it is not one command.
    from generator import runtime

    gc.disable()
    runtime.one_command = True
    code = cli.main(prog_name="dossier", standalone_mode=False)
    if not gc.isenabled():
        # Nothing is left to clean up (no command registers an exit handler, temporary files
        # and LibreOffice are gone by now): the system takes the memory back at once, where
        # Python would free a large library object by object (a third of a second at 10,000).
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe (`dossier list | head`): nothing to say
            pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()


@cli.command()
@library_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute. Par défaut, seule cette machine accède à la page ; une autre adresse exige --token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port d'écoute.")
@click.option("--token", envvar="DOSSIER_TOKEN", help="Mot de passe demandé par la page (obligatoire avec --host).")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet.")
@click.option("--git/--no-git", "git", default=True, show_default=True, help="Proposer d'enregistrer chaque modification dans git (si la bibliothèque est dans un dépôt).")
def serve(references, host, port, token, templates_dir, git):
    """Ouvre la bibliothèque dans le navigateur : consulter, modifier, importer les
    références et répondre à un appel d'offres, sur les mêmes fichiers YAML.

    \b
    Exemples :
      dossier serve                       # puis ouvrir http://127.0.0.1:8000/
      dossier serve --host 0.0.0.0 --token "une-longue-phrase-secrète"
    """
    from generator import runtime

    gc.enable()  # a long-running process (see main)
    runtime.one_command = False
    from generator.frontends.web.server import serve as run

    run(references, templates_dir, host, port, token, git, _say)
