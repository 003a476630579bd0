"""The documents a bid needs, as functions: library and selection in, DOCX bytes out.

This is the library API the CLI sits on: nothing here prints, prompts or exits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.documents.context import (BuildOptions, cv_context, document_context, expected_texts, table_rows,
                                         typeset_all)
from generator.errors import DataError, TemplateError
from generator.library.loader import Library, load_library
from generator.library.models import Mission, Personne


@dataclass(frozen=True)
class Template:
    """A template to render: the user's file, or the built-in default of that name."""

    name: str
    path: Path | None = None

    @property
    def display(self) -> str:
        return str(self.path) if self.path else f"modèle par défaut « {self.name} »"

    def source(self) -> Path | bytes:
        return self.path if self.path else _default_bytes(self.name)


# One fiche file per mission renders the same template again and again: build the
# default one once per command rather than once per file.
@functools.lru_cache(maxsize=None)
def _default_bytes(name: str) -> bytes:
    from . import default_templates  # python-docx: only for commands that write documents

    return default_templates.template_bytes(name)


def find_template(name: str, templates_dir: Path | None, override: Path | None = None) -> Template:
    """`--template FILE` first, then `templates/NAME.docx` of the project, then the default."""
    if override is not None:
        if not override.is_file():
            raise TemplateError(f"{override} : modèle introuvable")
        return Template(name, override)
    if templates_dir is not None and (templates_dir / f"{name}.docx").is_file():
        return Template(name, templates_dir / f"{name}.docx")
    return Template(name)


def load_valid_library(root: Path) -> Library:
    """The library, or DataError listing every error found (warnings stay on the library)."""
    library = load_library(root)
    if library.errors:
        count = len(library.errors)
        raise DataError(
            f"{count} erreur{'s' if count > 1 else ''} dans la bibliothèque {root} : aucun document n'a été écrit",
            sorted(library.problems, key=lambda p: p.sort_key()),
        )
    return library


def _properties(library: Library, title: str, options: BuildOptions) -> dict[str, str]:
    return {
        "title": title,
        "author": library.cabinet.nom if library.cabinet else "",
        "subject": options.appel.titre or "",
        "keywords": "références; marchés publics",
        "comments": "",
        "category": "Dossier de candidature",
    }


def _render(template: Template, context: dict, library: Library, options: BuildOptions) -> bytes:
    from generator.documents.render import render  # docxtpl and Jinja: not loaded by list, show or check
    from generator.documents.verify import check_rendered

    title = context["document"]["titre"]
    source = template.source()

    def check(document, used: frozenset[str]) -> None:  # every text of the references is there, or nothing is written
        check_rendered(document, expected_texts(context), used, template.display)

    return render(source, template.display, context, document_date=options.document_date,
                  properties=_properties(library, title, options), check=check)


def dossier(library: Library, selected: list[Mission], options: BuildOptions, template: Template) -> bytes:
    context = document_context(library, selected, options, "Dossier de candidature")
    return _render(template, context, library, options)


def table(library: Library, selected: list[Mission], options: BuildOptions, template: Template) -> bytes:
    context = document_context(library, selected, options, "Tableau des références")
    return _render(template, context, library, options)


def table_spreadsheet(library: Library, selected: list[Mission], options: BuildOptions, fmt: str) -> bytes:
    """The same rows as the DOCX table, as XLSX or CSV (`fmt`)."""
    from . import spreadsheet  # openpyxl: only for this command

    rows = [typeset_all(row) for row in table_rows(selected, library.cabinet)]
    optional = options.appel.colonnes
    if fmt == "csv":
        return spreadsheet.csv_bytes(rows, optional)
    props = _properties(library, options.titre or "Tableau des références", options)
    return spreadsheet.xlsx_bytes(rows, title=props["title"], author=props["author"], subject=props["subject"],
                                  document_date=options.document_date, optional=optional)


def fiches(library: Library, selected: list[Mission], options: BuildOptions, template: Template,
           single: bool, progress: Callable[[], None] = lambda: None) -> list[tuple[str, bytes]]:
    """(file name, bytes) pairs: one per mission, or one file holding them all; `progress` after each."""
    if single:
        context = document_context(library, selected, options, "Fiches références")
        data = _render(template, context, library, options)
        progress()
        return [("fiches-references.docx", data)]
    out = []
    for mission in selected:
        context = document_context(library, [mission], options, "Fiche référence")
        out.append((f"fiche-{mission.id}.docx", _render(template, context, library, options)))
        progress()
    return out


def cv(library: Library, person: Personne, options: BuildOptions, template: Template) -> bytes:
    return _render(template, cv_context(library, person, options), library, options)
