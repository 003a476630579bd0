"""The `dossier` command line: a thin layer over the library, in French.

Only this module imports click, prints, or exits. Errors from below arrive as
`DossierError` values and leave here as one clear message and an exit code:
0 ok, 1 usage, 2 invalid data, 3 template, 4 output.
"""

from __future__ import annotations

import functools
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import click

from . import __version__
from .errors import DossierError, ExitCode, UsageError

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
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
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

    today = _parse_date(kw.pop("date_text")) or date.today()
    criteria = _criteria(kw)
    root = kw.pop("references")
    library = load_valid_library(root)
    _refuse_domain_errors(library, root, today)
    from .yamlio import COMMENT_CUT

    _warn([p for p in library.warnings if kw.get("verbose") or p.message.startswith(COMMENT_CUT)])
    return library, select(library.missions, criteria, today), criteria, today


def _refuse_domain_errors(library, root: Path, today: date) -> None:
    """What `check` calls an error (a year not yet reached…) stops a build too."""
    from .checks import check_library
    from .errors import DataError

    errors = [p for p in check_library(library, today) if p.is_error]
    if errors:
        count = len(errors)
        raise DataError(f"{count} erreur{'s' if count > 1 else ''} dans la bibliothèque {root} : aucun document n'a été écrit", errors)


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
    ]
    for option in reversed(options):
        command = option(command)
    return selection_options(command)


def _build_options(kw: dict, today: date, criteria):
    from .context import Appel, BuildOptions

    appel = Appel(titre=kw.pop("appel_titre"), acheteur=kw.pop("acheteur"), date_limite=_parse_date(kw.pop("date_limite")))
    return BuildOptions(today=today, appel=appel, selection_description=criteria.describe(), titre=kw.pop("titre"))


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
def build(**kw):
    """Écrit le dossier de candidature (DOCX) pour une sélection de références.

    \b
    Exemple :
      dossier build --type "Stratégie" --appel "AMO NPNRU" --acheteur "Ville de Bondy"
    """
    from . import documents

    library, selected, criteria, today = _selected(kw)
    options = _build_options(kw, today, criteria)
    options.annexes = kw.pop("annexes")
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
def list_(**kw):
    """Affiche les références de la bibliothèque (ou d'une sélection) sous forme de tableau.

    \b
    Exemple :
      dossier list --component Concertation --since 2017
    """
    from rich.console import Console
    from rich.table import Table

    from .formatting import format_annees, format_montants

    kw["verbose"] = False
    library, selected, criteria, today = _selected(kw)
    view = Table(title=f"{len(selected)} référence(s) — {criteria.describe()}", show_lines=False)
    for column in ("Identifiant", "Années", "Type", "Maître d'ouvrage", "Titre", "Montant"):
        view.add_column(column, overflow="fold")
    for m in selected:
        view.add_row(m.id, format_annees(m.annees), m.type or "", m.maitre_ouvrage or "", m.titre, format_montants(m.montant))
    Console().print(view)


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
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_REFERENCES, required=False)
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=DEFAULT_TEMPLATES, show_default=True, help="Dossier des modèles Word à essayer.")
@click.option("--date", "date_text", metavar="DATE", help="Date de référence (remise des offres) : 2027-01-15 ou 15/01/2027. Par défaut : aujourd'hui.")
@click.option("--last", type=click.IntRange(min=0), default=3, show_default=True, metavar="N", help="Fenêtre de récence : avertir des références achevées avant les N dernières années.")
@click.option("--strict", is_flag=True, help="Les avertissements comptent comme des erreurs (code 2).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Sortie lisible ou JSON (pour l'intégration continue).")
def check(path, templates_dir, date_text, last, strict, fmt):
    """Vérifie toute la bibliothèque et les modèles : chaque problème, en une fois.

    Une ligne par problème, triée : « fichier:ligne: champ 'x' : message ».
    Code 0 si tout va bien, 2 s'il y a des erreurs (ou des avertissements avec --strict).

    \b
    Exemple :
      dossier check --date 2027-01-15
    """
    import json

    from .checks import check_library, check_templates
    from .library import load_library

    today = _parse_date(date_text) or date.today()
    library = load_library(path)
    problems = library.problems + check_library(library, today, last) + check_templates(library, templates_dir, today)
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
        for problem in problems:
            click.echo(str(problem))
        counts = (f"{len(library.missions)} mission(s), {len(library.personnes)} personne(s), "
                  f"{len(library.productions)} production(s) lues : "
                  f"{len(errors)} erreur(s), {len(warnings)} avertissement(s)")
        click.echo(counts if problems else f"{counts}. Tout est en ordre.")
    failed = errors or (strict and warnings)
    return ExitCode.DATA if failed else ExitCode.OK


@cli.command()
@click.option("--output", "-o", "output_dir", type=click.Path(path_type=Path), default=Path("schema"), show_default=True, help="Dossier où écrire les schémas.")
def schema(output_dir):
    """Écrit les schémas JSON des fichiers YAML (complétion et vérification dans l'éditeur).

    mission.schema.json, personne.schema.json, cabinet.schema.json et
    production.schema.json ; les fichiers YAML y renvoient par leur première ligne
    « # yaml-language-server: $schema=… ».

    \b
    Exemple :
      dossier schema -o schema
    """
    from .schema import schema_files

    for name, text in schema_files().items():
        _write(output_dir / name, text.encode("utf-8"))


def main() -> None:
    cli.main(prog_name="dossier")


if __name__ == "__main__":  # pragma: no cover
    main()
