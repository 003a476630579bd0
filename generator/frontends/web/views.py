"""What the pages show, computed from the library: table rows, a record as its fiche reads,
the differences of a conflict, the answer to a tender."""

from __future__ import annotations

import json
from datetime import date

from starlette.responses import Response

from generator.errors import DossierError, Problem
from generator.frontends.web import forms, tender as tendering
from generator.library.checks import DEFAULT_RECENCY
from generator.library.formatting import format_annees, format_montant, format_montants
from generator.library.loader import Library
from generator.library.vocabulary import COMPOSANTES, contains, fold
from generator.selection.criteria import last_year

SORTS = {
    "annees": lambda m, t: -(last_year(m, t) or 0),
    "titre": lambda m, t: fold(m.titre),
    "client": lambda m, t: fold(m.maitre_ouvrage or "~"),
    "type": lambda m, t: fold(m.type or "~"),
    "montant": lambda m, t: -max((x.valeur for x in m.montant), default=0),
}


def library_rows(library: Library, query, today: date, problems: dict) -> tuple[list[dict], dict]:
    """The table of references, filtered and sorted as the query asks; the search ranks like `list --bid`."""
    from generator.selection.ranking import rank, tokens

    filters = {k: (query.get(k) or "").strip() for k in ("q", "type", "client", "composante", "depuis", "tri", "drapeau")}
    missions = list(library.missions)
    if filters["type"]:
        missions = [m for m in missions if contains(m.type or "", filters["type"])]
    if filters["client"]:
        missions = [m for m in missions if contains(m.maitre_ouvrage or "", filters["client"])]
    if filters["composante"] in COMPOSANTES:
        missions = [m for m in missions if filters["composante"] in m.composantes
                    and len(set(m.composantes)) < len(COMPOSANTES)]
    if filters["depuis"].isdigit():
        since = int(filters["depuis"])
        missions = [m for m in missions if (last_year(m, today) or 0) >= since]
    rows = []
    for m in missions:
        found = problems.get(("missions", _stem(library, m)), [])
        incomplete = any("incomplète" in p.message for p in found)
        end = last_year(m, today)
        old = end is not None and end < today.year - DEFAULT_RECENCY
        rows.append({"mission": m, "stem": _stem(library, m), "annees": format_annees(m.annees),
                     "montant": format_montants(m.montant), "incomplete": incomplete, "old": old,
                     "errors": sum(1 for p in found if p.is_error), "warnings": sum(1 for p in found if not p.is_error),
                     "unknown_grid": len(set(m.composantes)) == len(COMPOSANTES)})
    flag = filters["drapeau"]
    if flag in ("incomplete", "old"):
        rows = [r for r in rows if r[flag]]
    elif flag == "confidentiel":
        rows = [r for r in rows if r["mission"].confidentiel]
    if filters["q"] and tokens(filters["q"]):
        relevance = rank([r["mission"] for r in rows], filters["q"], _concepts(library))
        rows = [r for r in rows if relevance[r["mission"].id].matches]
        for r in rows:
            r["score"] = relevance[r["mission"].id].score
            r["terms"] = ", ".join(x.label for x in relevance[r["mission"].id].matches)
        rows.sort(key=lambda r: -r["score"])
    elif filters["tri"].lstrip("-") in SORTS:
        key = SORTS[filters["tri"].lstrip("-")]
        rows.sort(key=lambda r: key(r["mission"], today), reverse=filters["tri"].startswith("-"))
    else:
        rows.sort(key=lambda r: SORTS["annees"](r["mission"], today))
    filters["sort_urls"] = _sort_urls(query, filters["tri"])
    filters["composantes"] = COMPOSANTES
    filters["types"] = sorted({m.type for m in library.missions if m.type}, key=fold)
    return rows, filters


def _concepts(library: Library):
    """The firm's concept table, as `list --bid` ranks with; the built-in one while the firm's
    file has errors (the health page lists them)."""
    from generator.errors import DataError
    from generator.selection.ranking import load_concepts

    try:
        return load_concepts(library.root)
    except DataError:
        return load_concepts()


def _sort_urls(query, current: str) -> dict[str, str]:
    """The link of each column header: sort by it, or reverse the order when it is the current sort."""
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in query.multi_items() if k != "tri"]
    return {key: "?" + urlencode(kept + [("tri", "-" + key if current == key else key)]) for key in SORTS}


def _stem(library: Library, item) -> str:
    from pathlib import Path

    from generator.library.loader import source_of

    where = source_of(library, item)
    return Path(where[0]).stem if where else item.id


def record_view(library: Library, record, today: date) -> dict:
    """A record as its fiche reads: rows of label and value, prose, lists; None when invalid."""
    from generator.documents.context import cabinet_context, mission_fields, paragraphs, person_fields

    if record.kind == "cabinet":
        if library.cabinet is None:
            return {}
        context = cabinet_context(library.cabinet)
        rows = [(r["libelle"], r["valeur"]) for r in context["identite"]]
        rows += [(f"Chiffre d'affaires {ca['annee']}", ca["montant"]) for ca in context["chiffres_affaires"]]
        return {"title": library.cabinet.nom, "rows": rows, "prose": [("Présentation", context["presentation"])]}
    items = {p.id: p for p in getattr(library, record.kind)}
    stems = {_stem(library, p): p for p in getattr(library, record.kind)}
    item = stems.get(record.ident) or items.get(record.ident)
    if item is None:
        return {}
    if record.kind == "missions":
        rows = [(r["libelle"], r["valeur"]) for r in mission_fields(item)]
        rows.insert(0, ("Identifiant", item.id))
        if item.nature_client:
            rows.append(("Client", item.nature_client))
        if item.confidentiel:
            rows.append(("Confidentielle", "oui : jamais imprimée sans le demander"))
        ticked = set(item.composantes)
        unknown = len(ticked) == len(COMPOSANTES)
        return {"title": item.titre, "rows": rows, "prose": [("Enjeux", paragraphs(item.enjeux))],
                "bullets": [("Contenu de la mission", item.contenu)],
                "grid": [(c, c in ticked and not unknown) for c in COMPOSANTES], "unknown_grid": unknown,
                "montants": [format_montant(x) for x in item.montant]}
    if record.kind == "personnes":
        rows = [(r["libelle"], r["valeur"]) for r in person_fields(item) if r["valeur"]]
        missions = [{"stem": _stem(library, m), "titre": m.titre, "annees": format_annees(m.annees)}
                    for m in library.missions_of(item)]
        return {"title": item.nom, "rows": rows, "prose": [("Présentation", paragraphs(item.presentation))],
                "missions": missions}
    rows = [(forms.LABELS.get(k, k), str(v)) for k, v in item.model_dump(exclude_defaults=True).items()
            if k not in ("titre", "sections") and v not in (None, [], "")]
    sections = [(s.titre, s.paragraphes) for s in item.sections]
    return {"title": item.titre, "rows": rows, "prose": sections}


def differences(model, theirs: dict | None, mine: dict) -> list[dict]:
    """Field by field, what is on disk now and what the person typed, where they differ."""
    on_disk = forms.from_form(model, forms.form_values(model, theirs))
    typed = forms.from_form(model, mine)
    out = []
    for widget in forms.widgets(model):
        if on_disk.get(widget.key) != typed.get(widget.key):
            out.append({"label": widget.label, "theirs": _shown(on_disk.get(widget.key)),
                        "mine": _shown(typed.get(widget.key))})
    return out


def _shown(value) -> str:
    if value in (None, [], False):
        return "(vide)"
    if isinstance(value, list):
        return " ; ".join(_shown(v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{forms.LABELS.get(k, k)} : {v}" for k, v in value.items())
    return "oui" if value is True else str(value)


# --- answering a tender ------------------------------------------------------------------

def empty_bid() -> dict:
    return {k: "" for k in tendering.BID_FIELDS} | {"composantes_requises": []}


def _bid_values(form) -> dict:
    values = {k: str(form.get(k, "") or "").strip() for k in tendering.BID_FIELDS}
    values["composantes_requises"] = [str(v) for v in form.getlist("composantes_requises")]
    values["acheteur_public"] = {"oui": True, "non": False}.get(values["acheteur_public"])
    values["besoin"] = str(form.get("besoin", "") or "").replace("\r\n", "\n").strip()
    try:
        extra = json.loads(str(form.get("extra_json") or "{}"))
    except ValueError:
        extra = {}
    if isinstance(extra, dict):
        values.update({k: v for k, v in extra.items() if k in _EXTRA})
    return values


# What a bid file may hold that the page has no field for: carried from one click to the next.
_EXTRA = ("lots", "lots_repondus", "personnes", "inclure", "exclure")


async def tender(site, request, form, library: Library) -> Response:
    """The page's answer to a tender, or the document asked for, downloaded."""
    from starlette.datastructures import UploadFile

    problems: list[Problem] = []
    values = _bid_values(form)
    upload = form.get("fichier_appel")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(site_max_upload() + 1)
        if len(raw) > site_max_upload() or not upload.filename.lower().endswith((".yaml", ".yml")):
            raise DossierError("fichier d'appel refusé : un fichier .yaml de 5 Mo au plus (dossier bid new)")
        data = tendering.bid_from_upload(raw, upload.filename)
        for key in tendering.BID_FIELDS:
            if data.get(key) not in (None, "", []):
                values[key] = data[key]
        for key in _EXTRA:
            if data.get(key):
                values[key] = data[key]
    bid, problems = tendering.bid_from_form(values)
    shown = {**empty_bid(), **{k: v for k, v in values.items() if k in tendering.BID_FIELDS}}
    shown["acheteur_public"] = {True: "oui", False: "non"}.get(values.get("acheteur_public"), "")
    shown["date_limite"] = str(shown["date_limite"] or "")
    shown["extra_json"] = json.dumps({k: values[k] for k in _EXTRA if values.get(k)}, ensure_ascii=False, default=str)
    if bid is None:
        placed, loose = forms.place_errors(problems, set(tendering.BID_FIELDS))
        return site.page(request, "tender.html", status=422, bid=shown, errors=placed, loose=loose, library=library)
    action = str(form.get("action", "classer"))
    chosen = [str(v) for v in form.getlist("retenues")] if action != "classer" else None
    people = [str(v) for v in form.getlist("personnes_choisies")] if action != "classer" else None
    request_ = tendering.Request(bid=bid, chosen=chosen, people=people)
    result = tendering.answer(library, request_, site.clock())
    if action.startswith("document:"):
        kind = action.split(":", 1)[1]
        name, data, media = tendering.build_document(library, request_, result, kind, site.ws.templates_dir,
                                                     site.clock())
        if form.get("pdf") and name.endswith(".docx"):
            name, data, media = _as_pdf(name, data)
        response = Response(data, media_type=media,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return site.secure(response, request)
    if action == "apercu-pdf":
        # The real document as the buyer will see it, in the browser's own PDF viewer.
        _, data, _ = tendering.build_document(library, request_, result, "dossier", site.ws.templates_dir,
                                              site.clock())
        name, data, media = _as_pdf("dossier-candidature.docx", data)
        return Response(data, media_type=media, headers={
            "Content-Disposition": f'inline; filename="{name}"', "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store"})
    if action == "apercu":
        name, data, _ = tendering.build_document(library, request_, result, "dossier", site.ws.templates_dir,
                                                 site.clock())
        preview = tendering.docx_text(data)
    else:
        preview = None
    from generator.selection.answer import compliance, empty_message

    gaps = compliance(result, library)
    kept_people = people if people is not None else (bid.noms or sorted(
        {p.nom for m in result.selected for n in m.people if (p := library.person(n))}))
    weak = empty_message(result) if result.weak else ""
    return site.page(request, "tender.html", bid=shown, library=library, result=result, gaps=gaps,
                     kept_people=kept_people, weak=weak, preview=preview, errors={}, loose=[])


def site_max_upload() -> int:
    from generator.frontends.web.app import MAX_UPLOAD

    return MAX_UPLOAD


def _as_pdf(name: str, data: bytes) -> tuple[str, bytes, str]:
    import tempfile
    from pathlib import Path

    from generator.documents.pdf import to_pdf

    with tempfile.TemporaryDirectory(prefix="dossier-pdf-") as work:
        docx = Path(work) / name
        docx.write_bytes(data)
        [pdf] = to_pdf([docx])
        return pdf.name, pdf.read_bytes(), "application/pdf"
