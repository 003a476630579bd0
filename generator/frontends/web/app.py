"""`dossier serve`: the library and the answer to a tender, as web pages (Starlette + Jinja + htmx).

Handlers are thin: they read what the person asked, call the library's code (loading,
`check`, the schema, ranking, the answer, the documents) and render a page. Every page is
rendered on the server; htmx only swaps parts of a page (the table as one types).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from generator.errors import DossierError, Problem
from generator.frontends.web import forms
from generator.frontends.web.workspace import CABINET, KIND_LABELS, MODELS, SCHEMA_NAMES, Workspace
from generator.library import editing
from generator.library.vocabulary import COMPOSANTES
from generator.library.yamlio import read_yaml

HERE = Path(__file__).parent
CSRF_COOKIE = "dossier_csrf"
SESSION_COOKIE = "dossier_session"
MAX_BODY = 20_000_000  # a whole request: a few fiches at once
MAX_UPLOAD = 5_000_000  # one uploaded file; a fiche is a few hundred kilobytes
MAX_FILES = 20
IMPORT_TYPES = (".txt", ".docx")


class Guard:
    """Refuses, before any handler runs: a foreign Host (DNS rebinding), a cross-site POST,
    a body over MAX_BODY, and — when a token is set — anyone who has not given it."""

    def __init__(self, app, hosts: set[str], token: str | None, secret: bytes):
        self.app = app
        self.hosts = hosts
        self.token = token
        self.secret = secret

    def session_value(self) -> str:
        return hmac.new(self.secret, (self.token or "").encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "").rsplit(":", 1)[0].strip("[]").lower()
        if host not in self.hosts:
            return await _plain(send, 400, "Adresse non autorisée pour ce serveur.")
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            if origin and origin.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]").lower() not in self.hosts:
                return await _plain(send, 403, "Requête refusée : elle vient d'un autre site.")
        length = headers.get("content-length")
        if length and (not length.isdigit() or int(length) > MAX_BODY):
            return await _plain(send, 413, f"Envoi trop volumineux : au plus {MAX_BODY // 1_000_000} Mo.")
        if self.token and not scope["path"].startswith(("/connexion", "/static/")):
            cookies = _cookies(headers.get("cookie", ""))
            if not hmac.compare_digest(cookies.get(SESSION_COOKIE, ""), self.session_value()):
                return await _redirect(send, "/connexion")
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    raise HTTPException(413, f"Envoi trop volumineux : au plus {MAX_BODY // 1_000_000} Mo.")
            return message

        await self.app(scope, limited, send)


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key.strip()] = value.strip()
    return out


async def _plain(send, status: int, text: str):
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send, location: str):
    await send({"type": "http.response.start", "status": 303, "headers": [(b"location", location.encode())]})
    await send({"type": "http.response.body", "body": b""})


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Site:
    """The pages, over one workspace."""

    def __init__(self, workspace: Workspace, token: str | None, clock: Callable[[], date]):
        self.ws = workspace
        self.token = token
        self.clock = clock  # « now » for the checks and the documents, read at the edge
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(kind_labels=KIND_LABELS, documents_available=_documents_available(),
                                          library_composantes=COMPOSANTES)
        self.templates.env.filters["form_name"] = _anchor

    # --- rendering ---------------------------------------------------------------------

    def page(self, request: Request, name: str, status: int = 200, **context) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        context.setdefault("errors", {})
        context.setdefault("loose", [])
        context.update(request=request, csrf=csrf, git=self.ws.git, protected=bool(self.token),
                       library_root=str(self.ws.root))
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        self.secure(response, request, csrf)
        return response

    def secure(self, response: Response, request: Request, csrf: str | None = None) -> Response:
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        csrf = csrf or request.cookies.get(CSRF_COOKIE)
        if csrf and request.cookies.get(CSRF_COOKIE) != csrf:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/")
        return response

    async def form(self, request: Request) -> FormData:
        """The posted form, once its anti-forgery token matches the cookie (403 otherwise)."""
        form = await request.form(max_files=MAX_FILES, max_fields=5000)
        sent = str(form.get("csrf", ""))
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(sent, expected):
            raise HTTPException(403, "Formulaire expiré ou envoyé depuis un autre site : rechargez la page et recommencez.")
        return form

    # --- the library ---------------------------------------------------------------------

    async def library_page(self, request: Request) -> Response:
        from generator.frontends.web import views

        library = self.ws.library()
        rows, filters = views.library_rows(library, request.query_params, self.clock(),
                                           self.ws.problems_by_file(self.clock()))
        template = "_table.html" if request.headers.get("hx-request") else "library.html"
        return self.page(request, template, rows=rows, filters=filters, total=len(library.missions))

    async def record_page(self, request: Request) -> Response:
        from generator.frontends.web import views

        kind, ident = request.path_params["kind"], request.path_params["ident"]
        record = self.ws.find(kind, ident)
        library = self.ws.library()
        problems = self.ws.problems_by_file(self.clock()).get((kind, record.path.stem if kind != CABINET else CABINET), [])
        view = views.record_view(library, record, self.clock())
        return self.page(request, "record.html", record=record, view=view, problems=problems,
                         saved=request.query_params.get("enregistre"), note=request.query_params.get("note", ""),
                         history=self.ws.history(5))

    # --- editing -----------------------------------------------------------------------

    def _edit_page(self, request: Request, record, values: dict, version: str, new: bool, status: int = 200,
                   problems: list[Problem] = (), conflict: dict | None = None) -> Response:
        model = MODELS[record.kind]
        names = forms.names_of(model, values)
        placed, loose = forms.place_errors(problems, names)
        rows = {}
        for widget in forms.widgets(model):
            if widget.kind == "rows":
                present = forms.row_indexes(values, widget.key)
                rows[widget.key] = present + [max(present, default=-1) + 1]  # one empty row to fill in
        return self.page(request, "edit.html", status=status, record=record, widgets=forms.widgets(model),
                         values=values, errors=placed, loose=loose, version=version, new=new, rows=rows,
                         labels={name: forms.label_of(model, name) for name in placed},
                         conflict=conflict, author=request.cookies.get("dossier_auteur", ""))

    async def edit_form(self, request: Request) -> Response:
        record = self.ws.find(request.path_params["kind"], request.path_params["ident"])
        raw, text = editing.read_current(record.path)
        data = read_yaml(record.path).data if raw is not None else None
        return self._edit_page(request, record, forms.form_values(record.model, data), editing.version_of(raw), False)

    async def new_form(self, request: Request) -> Response:
        from generator.frontends.web.workspace import Record

        kind = request.path_params["kind"]
        self.ws.folder(kind)
        if kind == CABINET:
            return RedirectResponse("/modifier/cabinet/cabinet", 303)
        record = Record(kind, "", self.ws.folder(kind))
        return self._edit_page(request, record, forms.form_values(MODELS[kind], {}), "", True)

    async def save(self, request: Request) -> Response:
        from generator.frontends.web.workspace import Record

        form = await self.form(request)
        kind = request.path_params["kind"]
        ident = request.path_params.get("ident")
        new = ident is None
        model = MODELS[self.ws.folder(kind) and kind]
        values = {k: (form.getlist(k) if k in _grid_names(model) else str(v)) for k, v in form.multi_items()
                  if not isinstance(v, UploadFile)}
        version = str(form.get("version", ""))
        if new:
            record = Record(kind, "", self.ws.folder(kind))
        else:
            record = self.ws.find(kind, ident)
        adding, removing = str(form.get("_ajouter", "")), str(form.get("_retirer", ""))
        if adding or removing:
            values = _rows_changed(values, removing)
            return self._edit_page(request, record, values, version, new)
        data = forms.from_form(model, values)
        if new:
            ident = data.get("id") or _new_ident(kind, data)
            try:
                record = Record(kind, ident, self.ws.new_path(kind, ident))
            except DossierError as exc:
                problems = [Problem(kind, None, "id", exc.message)]
                return self._edit_page(request, record, values, version, new, 422, problems)
            before, original = None, None
        else:
            raw, original = editing.read_current(record.path)
            if editing.version_of(raw) != version:
                return self._conflict(request, record, values, raw)
            before = read_yaml(record.path).data
        changed = forms.changes(model, before, values) if not new else {k: v for k, v in data.items()
                                                                          if not editing.empty(v)}
        header = editing.SCHEMA_HEADER.format(prefix="../" if kind == CABINET else "../../", name=SCHEMA_NAMES[kind])
        text = editing.apply_changes(original, changed, list(model.model_fields), header)
        name = f"{kind}/{record.path.name}" if kind != CABINET else "cabinet.yaml"
        draft = editing.validate_text(text, name, model, self.ws.library(), record.path, self.clock())
        if draft.errors:
            return self._edit_page(request, record, values, version, new, 422, draft.errors)
        if not changed and not new:
            return RedirectResponse(self._record_url(record) + "?enregistre=0", 303)
        try:
            editing.save(record.path, text, version)
        except editing.Conflict as exc:
            return self._conflict(request, record, values, exc.current, exc.message)
        note = ""
        author = str(form.get("auteur", "")).strip()[:80]
        if self.ws.git and form.get("commit"):
            message = str(form.get("message", "")).strip()[:200] or \
                f"{'Ajout' if new else 'Modification'} de {name} (page web)"
            note = self.ws.commit(record.path, author, message)
        response = RedirectResponse(self._record_url(record) + "?enregistre=1" + (f"&note={quote(note)}" if note else ""),
                                    303)
        if author:
            response.set_cookie("dossier_auteur", quote(author), samesite="strict", httponly=True)
        return response

    def _conflict(self, request: Request, record, values: dict, current: bytes | None, message: str = "") -> Response:
        """Both versions: the one on disk now, and the person's own (kept in the form, re-based)."""
        from generator.frontends.web import views

        message = message or (f"{record.path.name} a été modifié par quelqu'un d'autre (ou dans un éditeur) depuis "
                              "l'ouverture du formulaire : rien n'a été enregistré.")
        theirs = current.decode("utf-8", "replace") if current is not None else ""
        differences = views.differences(record.model, read_yaml(record.path).data if current is not None else {},
                                        values)
        conflict = {"message": message, "theirs": theirs, "differences": differences}
        return self._edit_page(request, record, values, editing.version_of(current), False, 409, conflict=conflict)

    def _record_url(self, record) -> str:
        return f"/fiche/{record.kind}/{record.ident}"

    # --- other pages -------------------------------------------------------------------

    async def people_page(self, request: Request) -> Response:
        library = self.ws.library()
        people = [{"person": p, "missions": len(library.missions_of(p))} for p in library.personnes]
        return self.page(request, "people.html", people=people, productions=library.productions)

    async def health_page(self, request: Request) -> Response:
        groups = sorted(self.ws.problems_by_file(self.clock()).items(), key=lambda kv: kv[0])
        errors = sum(1 for _, ps in groups for p in ps if p.is_error)
        warnings = sum(1 for _, ps in groups for p in ps if not p.is_error)
        return self.page(request, "health.html", groups=groups, errors=errors, warnings=warnings,
                         history=self.ws.history(10))

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return self.page(request, "login.html")
        form = await self.form(request)
        given = str(form.get("jeton", ""))
        if not self.token or not hmac.compare_digest(given.encode(), self.token.encode()):
            return self.page(request, "login.html", status=401, error="Mot de passe incorrect.")
        response = RedirectResponse("/", 303)
        guard_value = hmac.new(request.app.state.secret, self.token.encode(), hashlib.sha256).hexdigest()
        response.set_cookie(SESSION_COOKIE, guard_value, httponly=True, samesite="strict")
        return response

    # --- import ------------------------------------------------------------------------

    async def import_page(self, request: Request) -> Response:
        from generator.frontends.web import importing

        if request.method == "GET":
            return self.page(request, "import.html")
        form = await self.form(request)
        staging = importing.Staging(request.app.state.staging)
        if form.get("lot"):
            results = importing.write(staging, str(form["lot"]), self.ws.root)
            return self.page(request, "import.html", results=results, written=True)
        uploads = [f for f in form.getlist("fichiers") if isinstance(f, UploadFile) and f.filename]
        lot, results = await importing.preview(staging, uploads, self.ws.root, MAX_UPLOAD, IMPORT_TYPES)
        return self.page(request, "import.html", results=results, lot=lot, written=False)

    # --- answering a tender -------------------------------------------------------------

    async def tender_page(self, request: Request) -> Response:
        from generator.frontends.web import views

        library = self.ws.library()
        if request.method == "GET":
            return self.page(request, "tender.html", bid=views.empty_bid(), library=library)
        form = await self.form(request)
        return await views.tender(self, request, form, library)


def _anchor(loc: str) -> str:
    """The id of the form field a problem's location points at (`annees` → its first sub-field)."""
    name = forms.field_name(loc)
    return {"annees": "annees.debut", "montant": "montant.0.valeur", "cout_projet": "cout_projet.0.valeur",
            "equipe": "equipe.0.nom", "contact": "contact.nom"}.get(name, name)


def _grid_names(model) -> set[str]:
    names = set()

    def walk(m, prefix):
        for widget in forms.widgets(m):
            if widget.kind == "grid":
                names.add(prefix + widget.key)
            elif widget.kind == "group":
                walk(forms._child_model(m, widget.key), prefix + widget.key + ".")
    walk(model, "")
    return names


def _rows_changed(values: dict, removing: str) -> dict:
    """The form without the row `removing` (« montant.1 »). Adding needs nothing: the form always
    shows one empty row after the rows sent, so sending it back shows one more."""
    return {k: v for k, v in values.items() if not k.startswith(removing + ".")} if removing else values


def _new_ident(kind: str, data: dict) -> str:
    from generator.importing.importer import id_for, production_id, slug_words

    if kind == "missions":
        annees = data.get("annees") or {}
        debut = annees.get("debut") if isinstance(annees, dict) else None
        return id_for(data.get("titre") or "", debut if isinstance(debut, int) else None)
    if kind == "productions":
        return production_id({"titre": data.get("titre") or "", "numero": data.get("numero")})
    return "-".join(slug_words(data.get("nom") or "", 4)) or "personne"


def _documents_available() -> bool:
    from generator.documents.pdf import soffice

    return soffice() is not None


def create_app(root: Path, templates_dir: Path | None = None, token: str | None = None,
               hosts: tuple[str, ...] = ("127.0.0.1", "localhost"), git: bool = False,
               clock: Callable[[], date] = date.today) -> Guard:
    """The web application over the library at `root`, behind its guard."""
    workspace = Workspace(root, templates_dir, git)
    site = Site(workspace, token, clock)
    secret = secrets.token_bytes(32)

    async def error_page(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            status, message, problems = exc.status_code, exc.detail, []
            if status == 404:
                message = "Page introuvable."
            elif status == 405:
                message = "Action non permise sur cette page."
        elif isinstance(exc, DossierError):
            status, message, problems = 400 if exc.exit_code == 1 else 422, exc.message, exc.problems
        else:
            status, message, problems = 500, ("Erreur inattendue : rien n'a été écrit. Le détail est dans le "
                                               "terminal où « dossier serve » tourne."), []
            import traceback

            traceback.print_exception(exc)
        try:
            return site.page(request, "error.html", status=status, message=message, problems=problems)
        except Exception:  # the error page itself failed: plain text, never a traceback
            return Response(message, status, media_type="text/plain; charset=utf-8")

    routes = [
        Route("/", site.library_page),
        Route("/fiche/{kind}/{ident}", site.record_page),
        Route("/modifier/{kind}/{ident}", site.edit_form, methods=["GET"]),
        Route("/modifier/{kind}/{ident}", site.save, methods=["POST"]),
        Route("/nouvelle/{kind}", site.new_form, methods=["GET"]),
        Route("/nouvelle/{kind}", site.save, methods=["POST"]),
        Route("/personnes", site.people_page),
        Route("/sante", site.health_page),
        Route("/importer", site.import_page, methods=["GET", "POST"]),
        Route("/appel", site.tender_page, methods=["GET", "POST"]),
        Route("/connexion", site.login, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={Exception: error_page, HTTPException: error_page,
                                                       DossierError: error_page})
    app.state.secret = secret
    staging = tempfile.TemporaryDirectory(prefix="dossier-import-")
    app.state.staging = Path(staging.name)
    app.state.staging_keeper = staging  # removed with the application
    app.state.workspace = workspace
    guard = Guard(app, {h.lower() for h in hosts}, token, secret)
    return guard
