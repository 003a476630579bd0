"""The `dossier` command line: a thin layer over the library, in French.

Only this module imports click, prints, or exits. Errors from below arrive as
`DossierError` values and leave here as one clear message and an exit code:
0 ok, 1 usage, 2 invalid data, 3 template, 4 output.
"""

from __future__ import annotations

import functools
import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from . import __version__
from .errors import DataError, DossierError, ExitCode, UsageError

DEFAULT_REFERENCES = Path("references")
DEFAULT_TEMPLATES = Path("templates")
DEFAULT_OUTPUTS = Path("outputs")


# --- error handling at the edge -------------------------------------------------------------

class DossierGroup(click.Group):
    """Runs a command and turns every failure into a French message and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name or "dossier", complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else ExitCode.OK
        except click.exceptions.UsageError as exc:
            exc.show()
            code = ExitCode.USAGE
        except click.exceptions.Abort:
            click.echo("Interrompu : aucun fichier n'a été modifié.", err=True)
            code = 130
        except DossierError as exc:
            _report(exc)
            code = exc.exit_code
        except KeyboardInterrupt:
            click.echo("\nInterrompu : aucun fichier n'a été modifié.", err=True)
            code = 130
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


def _report(exc: DossierError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    click.echo(f"Erreur : {exc.message}", err=True)


def _warn(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


# --- shared options --------------------------------------------------------------------------

def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    from .bid import parse_date

    parsed = parse_date(value)
    if parsed is not None:
        return parsed
    raise UsageError(f"date non reconnue « {value} » ; écrivez 2027-01-15 ou 15/01/2027")


def _parse_amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    from .models import parse_number

    try:
        return parse_number(value)
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
        click.option("--since", type=int, metavar="ANNÉE", help="Missions achevées cette année ou après (« en cours » compte)."),
        click.option("--last", type=int, metavar="N", help="Missions des N dernières années, comptées depuis --date."),
        click.option("--date", "date_text", metavar="DATE", help="Date de référence (remise des offres) : 2027-01-15 ou 15/01/2027. Par défaut : aujourd'hui."),
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


def _criteria(kw: dict):
    from .selection import Criteria

    return Criteria(
        types=kw.pop("types"), clients=kw.pop("clients"), components=kw.pop("components"),
        any_component=kw.pop("any_component"), since=kw.pop("since"), last=kw.pop("last"),
        persons=kw.pop("persons"), min_amount=_parse_amount(kw.pop("min_amount")), text=kw.pop("texts"),
        ids=kw.pop("ids"), exclude=kw.pop("exclude"), limit=kw.pop("limit"), sort=kw.pop("sort"),
        include_confidential=kw.pop("include_confidential"),
    )


def _selected(kw: dict):
    """Load the library and apply the selection options; pops what it uses from `kw`."""
    from .documents import load_valid_library
    from .selection import select

    given = _parse_date(kw.pop("date_text"))
    today = given or date.today()
    criteria = _criteria(kw)
    bid_file = kw.pop("bid_file")
    library = load_valid_library(kw.pop("references"))
    _warn(library.warnings if kw.get("verbose") else [])
    if bid_file is None and not kw.get("explain"):
        return library, select(library.missions, criteria, today), criteria, today
    return library, _answered(kw, library, criteria, bid_file, given, today), criteria, today


def _answered(kw: dict, library, criteria, bid_file: Path | None, given: date | None, today: date):
    """The references chosen for a tender: bid file and options combined, ranked, explained.

    Leaves the bid and the answer in `kw` for the commands that print or build them.
    """
    from . import answer as answering
    from .bid import Bid, criteria as bid_criteria, load_bid

    bid = load_bid(bid_file) if bid_file else Bid(fenetre_annees=None)
    # The window counts back from the deadline, unless --date says otherwise.
    when = given or bid.date_limite or today
    combined = bid_criteria(bid, criteria)
    result = answering.answer(library.missions, combined, when, bid.text or " ".join(criteria.text), bid.inclure)
    kw["bid"], kw["answer"], kw["library"] = bid, result, library
    answering.people_names(library, bid.personnes)
    if not kw.get("explain"):
        if not result.kept:
            raise UsageError(answering.empty_message(result))
        if result.weak:
            click.echo("Attention : " + answering.empty_message(result), err=True)
    return result.selected


def document_options(command):
    options = [
        click.option("--output", "-o", type=click.Path(path_type=Path), help="Fichier à écrire (par défaut dans outputs/)."),
        click.option("--template", type=click.Path(path_type=Path), help="Modèle Word à utiliser à la place du modèle par défaut."),
        click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet."),
        click.option("--appel", "appel_titre", default="", help="Intitulé de l'appel d'offres (page de garde)."),
        click.option("--acheteur", default="", help="Acheteur public (page de garde)."),
        click.option("--date-limite", "date_limite", metavar="DATE", help="Date limite de remise des offres."),
        click.option("--titre", help="Titre du document (page de garde et propriétés)."),
        click.option("--verbose", "-v", is_flag=True, help="Afficher aussi les avertissements sur la bibliothèque."),
        click.option("--strict", is_flag=True, help="Avec --bid : refuser d'écrire si le tableau des références est incomplet (date, montant et sa base, client public ou privé, période)."),
    ]
    for option in reversed(options):
        command = option(command)
    return selection_options(command)


def _build_options(kw: dict, today: date, criteria):
    from .context import Appel, BuildOptions

    appel = Appel(titre=kw.pop("appel_titre"), acheteur=kw.pop("acheteur"), date_limite=_parse_date(kw.pop("date_limite")))
    options = BuildOptions(today=today, appel=appel, selection_description=criteria.describe(), titre=kw.pop("titre"))
    strict = kw.pop("strict")
    bid, result = kw.pop("bid", None), kw.pop("answer", None)
    if result is None:
        return options
    from .answer import compliance
    from .bid import criteria as bid_criteria

    appel.titre = appel.titre or bid.titre or ""
    appel.acheteur = appel.acheteur or bid.acheteur or ""
    appel.date_limite = appel.date_limite or bid.date_limite
    appel.acheteur_public = bid.acheteur_public
    appel.lots = [f"{lot.numero} : {lot.intitule}" if lot.numero else lot.intitule for lot in bid.lots]
    options.selection_description = bid_criteria(bid, criteria).describe() + (
        " ; classées par pertinence" if result.ranked else "")
    options.answer, options.personnes = result, list(bid.personnes)
    gaps = compliance(result, kw.pop("library"))
    if gaps and strict:
        raise DataError(f"{len(gaps)} manque(s) dans le tableau des références (--strict) : aucun document n'a été écrit", gaps)
    if gaps:
        _warn(gaps)
        click.echo(f"{len(gaps)} manque(s) dans le tableau des références ; --strict pour refuser", err=True)
    return options


def _write(path: Path, data: bytes) -> None:
    from .output import write_atomic

    write_atomic(path, data)
    click.echo(f"Écrit : {path}")


# --- commands -----------------------------------------------------------------------------

@click.group(cls=DossierGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="dossier", message="%(prog)s %(version)s")
def cli():
    """dossier : vos références de missions (YAML) deviennent les documents Word d'une
    candidature à un marché public.

    \b
    Exemple :
      dossier build --type "Stratégie"
    """


@cli.command()
@document_options
@click.option("--annexes", is_flag=True, help="Joindre les travaux produits (productions/) en annexe.")
@click.option("--pourquoi", is_flag=True, help="Avec --bid : ajouter la note « Pourquoi ces références » pour l'équipe de réponse (à retirer avant l'envoi).")
def build(**kw):
    """Écrit le dossier de candidature (DOCX) pour une sélection de références.

    \b
    Exemple :
      dossier build --type "Stratégie" --appel "AMO NPNRU" --acheteur "Ville de Bondy"
      dossier build --bid appel.yaml --pourquoi
    """
    from . import documents

    library, selected, criteria, today = _selected(kw)
    options = _build_options(kw, today, criteria)
    options.annexes = kw.pop("annexes")
    options.pourquoi = kw.pop("pourquoi")
    template = documents.find_template("dossier", kw.pop("templates_dir"), kw.pop("template"))
    data = documents.dossier(library, selected, options, template)
    _write(kw.pop("output") or DEFAULT_OUTPUTS / "dossier-candidature.docx", data)
    click.echo(f"{len(selected)} référence{'s' if len(selected) > 1 else ''} : " + ", ".join(m.id for m in selected))


@cli.command()
@document_options
def table(**kw):
    """Écrit le tableau des références (DOCX).

    \b
    Exemple :
      dossier table --type strategie --last 5
    """
    from . import documents

    library, selected, criteria, today = _selected(kw)
    options = _build_options(kw, today, criteria)
    template = documents.find_template("tableau", kw.pop("templates_dir"), kw.pop("template"))
    data = documents.table(library, selected, options, template)
    _write(kw.pop("output") or DEFAULT_OUTPUTS / "tableau-references.docx", data)


@cli.command()
@document_options
@click.option("--single", is_flag=True, help="Toutes les fiches dans un seul fichier.")
def fiches(**kw):
    """Écrit une fiche référence (DOCX) par mission sélectionnée.

    Avec --single, toutes les fiches dans un seul fichier ; sinon un fichier par
    fiche dans outputs/fiches/ (ou dans le dossier donné par -o).

    \b
    Exemple :
      dossier fiches --client "Est Ensemble" --single
    """
    from . import documents

    library, selected, criteria, today = _selected(kw)
    options = _build_options(kw, today, criteria)
    single = kw.pop("single")
    template = documents.find_template("fiches", kw.pop("templates_dir"), kw.pop("template"))
    produced = documents.fiches(library, selected, options, template, single)
    output = kw.pop("output")
    for name, data in produced:
        if single:
            target = output or DEFAULT_OUTPUTS / name
        else:
            target = (output or DEFAULT_OUTPUTS / "fiches") / name
        _write(target, data)


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
    from rich.table import Table

    from .formatting import format_annees, format_montants

    kw["verbose"] = False
    library, selected, criteria, today = _selected(kw)
    if kw.get("explain"):
        _explain(kw["bid"], kw["answer"])
        return
    if "bid" in kw:
        from .bid import criteria as bid_criteria

        criteria = bid_criteria(kw["bid"], criteria)
    view = Table(title=f"{len(selected)} référence(s) — {criteria.describe()}", show_lines=False)
    for column in ("Identifiant", "Années", "Type", "Maître d'ouvrage", "Titre", "Montant"):
        view.add_column(column, overflow="fold")
    for m in selected:
        view.add_row(m.id, format_annees(m.annees), m.type or "", m.maitre_ouvrage or "", m.titre, format_montants(m.montant))
    Console().print(view)


def _explain(bid, result) -> None:
    """The ranking in plain lines: easy to read, to paste in a mail, and to grep."""
    from .answer import empty_message
    from .formatting import format_annees, format_long_date

    def score(v) -> str:
        return f" — score {v.score:.1f}".replace(".", ",") if result.ranked else ""

    if bid.titre or bid.acheteur:
        click.echo(f"Appel : {bid.titre or '—'}" + (f" — {bid.acheteur}" if bid.acheteur else ""))
    period = f"achevées en {result.start} ou après, ou en cours" if result.start else "sans limite d'ancienneté"
    click.echo(f"Date de référence : {format_long_date(result.when)} ; période : références {period}")
    click.echo(f"Ordre : {'pertinence par rapport au besoin' if result.ranked else 'ordre demandé (--sort)'}")
    click.echo(f"\nRetenues ({len(result.kept)}) :")
    for v in result.kept:
        m = v.mission
        click.echo(f"  {v.rank}. {m.id}{score(v)} — {format_annees(m.annees) or 'années ?'} — {m.titre}")
        for match in v.relevance.matches[:12]:
            click.echo(f"       {match.label} : {', '.join(match.fields)}")
        if result.ranked and not v.relevance.matches:
            click.echo("       aucun terme du besoin")
        if v.forced:
            click.echo("       retenue à la main (inclure)" + (" : " + " ; ".join(v.reasons) if v.reasons else ""))
    if result.beyond_limit:
        click.echo(f"\nNon retenues, au-delà des {result.wanted} demandées ({len(result.beyond_limit)}) :")
        for v in result.beyond_limit:
            click.echo(f"  - {v.mission.id}{score(v)}")
    if result.excluded:
        click.echo(f"\nÉcartées ({len(result.excluded)}) :")
        for v in result.excluded:
            click.echo(f"  - {v.mission.id}{score(v)} — " + " ; ".join(v.reasons))
            if v.relevance.matches:
                click.echo("       termes : " + ", ".join(m.label for m in v.relevance.matches[:6]))
    if result.near_misses:
        click.echo("\nDe peu (achevées juste avant la période ; à retenir avec inclure si l'acheteur l'accepte) :")
        for v in result.near_misses:
            click.echo(f"  - {v.mission.id} ({format_annees(v.mission.annees)})")
    if result.ranked and result.excluded:
        # What the library offers for this need, the criteria aside: the right reference
        # may only be a window or a composante away.
        click.echo("\nPertinence de toutes les références, critères mis à part :")
        by_score = sorted(result.verdicts, key=lambda v: (-v.score, v.mission.id))
        for i, v in enumerate(by_score, 1):
            click.echo(f"  {i}. {v.mission.id}{score(v)} — {'retenue' if v.kept else 'écartée'}")
    if result.weak:
        click.echo("\n" + empty_message(result))


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
    from rich.table import Table

    from .context import mission_fields, paragraphs
    from .documents import load_valid_library
    from .vocabulary import nearest

    library = load_valid_library(references)
    mission = library.mission(ident)
    if mission is None:
        guess = nearest(ident, [m.id for m in library.missions]) or [m.id for m in library.missions if ident in m.id]
        hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
        raise UsageError(f"aucune référence n'a l'identifiant « {ident} »{hint}")
    view = Table(title=mission.titre, show_header=False, show_lines=True)
    view.add_column("", style="bold")
    view.add_column("")
    view.add_row("Identifiant", mission.id)
    for row in mission_fields(mission):
        view.add_row(row["libelle"], row["valeur"])
    view.add_row("Composantes", "\n".join(mission.composantes) or "—")
    view.add_row("Enjeux", "\n\n".join(paragraphs(mission.enjeux)) or "—")
    view.add_row("Contenu", "\n".join(f"• {c}" for c in mission.contenu) or "—")
    Console().print(view)


@cli.command()
@click.argument("person", metavar="PERSONNE")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Fichier à écrire (par défaut outputs/cv-IDENTIFIANT.docx).")
@click.option("--template", type=click.Path(path_type=Path), help="Modèle Word à utiliser à la place du modèle par défaut.")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word du projet.")
@click.option("--date", "date_text", metavar="DATE", help="Date du document : 2027-01-15 ou 15/01/2027. Par défaut : aujourd'hui.")
@library_options
def cv(person, output, template, templates_dir, date_text, references):
    """Écrit le CV (DOCX) d'une personne du cabinet, avec ses missions de la bibliothèque.

    Les missions viennent des champs directeur, referent et consultants des
    références : rien n'est saisi deux fois. PERSONNE : nom, autre graphie ou identifiant.

    \b
    Exemple :
      dossier cv "Valérie Embize" -o cv-embize.docx
    """
    from . import documents
    from .answer import people_names
    from .context import BuildOptions

    library = documents.load_valid_library(references)
    people_names(library, [person])
    found = library.person(person)
    options = BuildOptions(today=_parse_date(date_text) or date.today())
    data = documents.cv(library, found, options, documents.find_template("cv", templates_dir, template))
    _write(output or DEFAULT_OUTPUTS / f"cv-{found.id}.docx", data)


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
    from .bid import EXAMPLE

    if output.exists() and not force:
        raise UsageError(f"{output} existe déjà ; --force pour le remplacer")
    _write(output, EXAMPLE.encode("utf-8"))


def main() -> None:
    cli.main(prog_name="dossier")


if __name__ == "__main__":  # pragma: no cover
    main()
