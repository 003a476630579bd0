"""Answering a tender from the page: the form's fields become a bid, the core does the rest.

The bid is the same model as a bid file (`dossier bid new`), validated the same way; the
selection, its reasons and its gaps come from `selection.answer`, the documents from
`documents.build`, as for `dossier build --bid`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from generator.errors import DataError, Problem, UsageError
from generator.library.bid import Bid, criteria as bid_criteria
from generator.library.loader import Library, translate_errors
from generator.library.yamlio import YamlDocument, decode, parse_yaml
from generator.selection import answer as answering
from generator.selection.criteria import Criteria

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
    errors = [p for p in doc.problems if p.is_error]
    if not errors and not isinstance(doc.data, dict):
        errors = [Problem(name, 1, None, "attendu : un fichier d'appel d'offres (titre, acheteur, besoin…)")]
    if not errors:
        try:
            Bid.model_validate(doc.data)
        except ValidationError as exc:
            errors = translate_errors(exc, doc, name, Bid)
    if errors:
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
    doc = YamlDocument(data)
    try:
        return Bid.model_validate(data), []
    except ValidationError as exc:
        return None, translate_errors(exc, doc, "appel", Bid)


def answer(library: Library, request: Request, today: date) -> answering.Answer:
    """The core's answer; the ticks, when given, keep exactly the ticked references."""
    bid = request.bid
    if request.chosen is not None:
        known = {m.id for m in library.missions}
        chosen = [i for i in request.chosen if i in known]
        bid = bid.model_copy(update={"inclure": chosen, "exclure": [i for i in known if i not in chosen]})
    combined = bid_criteria(bid, Criteria())
    when = bid.date_limite or today
    return answering.answer(library.missions, combined, when, bid.text, bid.inclure)


def build_document(library: Library, request: Request, result: answering.Answer, kind: str,
                   templates_dir: Path | None, today: date) -> tuple[str, bytes, str]:
    """(file name, bytes, media type) of the document asked for."""
    from generator.documents import build as documents
    from generator.documents.context import Appel, BuildOptions

    bid = request.bid
    selected = result.selected
    if not selected and kind != "cv":
        raise UsageError("aucune référence cochée : cochez au moins une référence")
    people = request.people if request.people is not None else list(bid.personnes)
    answering.people_names(library, people)
    appel = Appel(titre=bid.titre or "", acheteur=bid.acheteur or "", date_limite=bid.date_limite,
                  acheteur_public=bid.acheteur_public,
                  lots=[f"{lot.numero} : {lot.intitule}" if lot.numero else lot.intitule for lot in bid.lots])
    options = BuildOptions(today=today, appel=appel, answer=result, personnes=people,
                           selection_description=bid_criteria(bid, Criteria()).describe()
                           + (" ; classées par pertinence" if result.ranked else ""))
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
