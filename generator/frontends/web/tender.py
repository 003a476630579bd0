"""Answering a tender from the page: the form's fields become a bid, the core does the rest.

The bid is the same model as a bid file (`dossier bid new`), validated the same way; the
selection, its reasons, its gaps and the document options come from the request layer
(`generator.request.prepare`), the documents from `documents.build`, as for `dossier build --bid`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.errors import DataError, Problem, UsageError
from generator.library.bid import Bid
from generator.library.loader import Library
from generator.library.validation import validate
from generator.library.yamlio import YamlDocument, decode, parse_yaml
from generator.request import Prepared, prepare
from generator.request import Request as CoreRequest
from generator.selection.criteria import Answer

# The fields of the bid the page asks for, in the order it shows them.
BID_FIELDS = ("titre", "acheteur", "acheteur_public", "numero_consultation", "date_limite", "fenetre_annees",
              "nombre_references", "besoin", "composantes_requises")

@dataclass
class Request:
    """What the person asked on the page."""

    bid: Bid
    chosen: list[str] | None = None  # ids ticked by hand; None: the core's choice
    people: list[str] | None = None  # names ticked; None: the bid's


def bid_from_upload(raw: bytes, name: str) -> dict:
    """The fields of an uploaded bid file, as text for the form; DataError if it is not one."""
    text, problems = decode(raw, name)
    doc = parse_yaml(text, name) if text is not None else YamlDocument(None, problems=problems)
    bid, errors = validate(doc, Bid, name, "un fichier d'appel d'offres (titre, acheteur, besoin…)")
    if bid is None:
        raise DataError(f"{len(errors)} erreur(s) dans le fichier d'appel d'offres {name}", errors)
    return doc.data


def bid_from_form(form: dict) -> tuple[Bid | None, list[Problem]]:
    """The bid the form describes; with the same French messages as a bid file's."""
    data = {k: v for k, v in form.items() if k in BID_FIELDS and v not in (None, "", [])}
    for key in ("personnes", "inclure", "exclure", "lots", "lots_repondus"):
        if form.get(key):
            data[key] = form[key]
    if "fenetre_annees" not in data:
        data.pop("fenetre_annees", None)
    return validate(YamlDocument(data), Bid, "appel")


def _prepared(library: Library, request: Request, today: date, templates_dir: Path | None = None,
              people: list[str] | None = None) -> Prepared:
    """The core's answer (the request layer, as `build --bid`); the ticks, when given, keep exactly the ticked references."""
    bid = request.bid
    if request.chosen is not None:
        known = {m.id for m in library.missions}
        chosen = [i for i in request.chosen if i in known]
        bid = bid.model_copy(update={"inclure": chosen, "exclure": [i for i in known if i not in chosen]})
    # explain: the page shows an empty or weak answer with its reasons instead of refusing it
    core = CoreRequest(references=library.root, bid=bid, explain=True, personnes=people, templates=templates_dir)
    return prepare(core, library, now=today)


def answer(library: Library, request: Request, today: date) -> Answer:
    """Every reference judged and ranked; the people are checked when a document is asked for."""
    return _prepared(library, request, today, people=[]).answer


def build_document(library: Library, request: Request, result: Answer, kind: str,
                   templates_dir: Path | None, today: date) -> tuple[str, bytes, str]:
    """(file name, bytes, media type) of the document asked for (`result` is the answer shown)."""
    from generator.documents import build as documents

    if not result.selected and kind != "cv":
        raise UsageError("aucune référence cochée : cochez au moins une référence")
    prepared = _prepared(library, request, today, templates_dir, request.people)
    selected, options, people = prepared.selected, prepared.options, prepared.options.personnes
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if kind == "dossier":
        template = documents.find_template("dossier", templates_dir)
        return "dossier-candidature.docx", documents.dossier(library, selected, options, template), docx
    if kind == "tableau":
        template = documents.find_template("tableau", templates_dir)
        return "tableau-references.docx", documents.table(library, selected, options, template), docx
    if kind in ("tableau-xlsx", "tableau-csv"):
        fmt = kind.split("-")[1]
        media = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv; charset=utf-8"}[fmt]
        return f"tableau-references.{fmt}", documents.table_spreadsheet(library, selected, options, fmt), media
    if kind == "fiches":
        template = documents.find_template("fiches", templates_dir)
        [(name, data)] = documents.fiches(library, selected, options, template, single=True)
        return name, data, docx
    if kind == "cv":
        persons = [library.person(n) for n in people] or [p for p in library.personnes
                                                            if library.missions_of(p) and set(
                                                                m.id for m in library.missions_of(p)) & {m.id for m in selected}]
        if not persons:
            raise UsageError("aucune personne choisie : cochez les personnes proposées")
        template = documents.find_template("cv", templates_dir)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for person in persons:
                archive.writestr(f"cv-{person.id}.docx", documents.cv(library, person, options, template))
        return "cv.zip", out.getvalue(), "application/zip"
    raise UsageError(f"document inconnu « {kind} »")


def docx_text(data: bytes) -> list[dict]:
    """The paragraphs and tables of a DOCX as the preview shows them (text only)."""
    import docx

    document = docx.Document(io.BytesIO(data))
    out = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            from docx.text.paragraph import Paragraph

            paragraph = Paragraph(child, document)
            if paragraph.text.strip():
                style = paragraph.style.name if paragraph.style is not None else ""
                level = 1 if style.startswith(("Heading 1", "Titre 1", "Title", "Titre")) else (
                    2 if style.startswith(("Heading", "Titre")) else 0)
                out.append({"kind": "p", "text": paragraph.text, "level": level})
        elif tag == "tbl":
            from docx.table import Table

            table = Table(child, document)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            out.append({"kind": "table", "rows": rows})
    return out
