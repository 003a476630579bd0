"""Rendering a Word template with a context: the only module that knows docxtpl.

Templates render with autoescape (so « <Lieux> & Territoires » reaches Word intact)
and StrictUndefined (a variable the context lacks is an error naming it), inside the
sandbox of `sandbox.py`: a template is an input from outside and must not run code.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Callable
from datetime import date, datetime, time, timezone
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SecurityError
from lxml import etree

from generator.documents import docx_xml
from generator.documents.sandbox import SandboxedTemplates, refusal_message
from generator.errors import TemplateError
from generator.output import core_xml, normalize_docx, package_bytes
from generator.library.vocabulary import nearest


def jinja_env() -> jinja2.Environment:
    """A fresh environment per document: its work and time budgets are the document's."""
    return SandboxedTemplates()


# The characters docxtpl turns into Word markup after rendering (tab, new paragraph, line
# break, page break); a paragraph holding none of them comes out of `resolve_listing` as it went in.
_LISTING = re.compile("[\t\a\n\f]")
_LISTING_SIGNS = ("\t", "\a", "\n", "\f")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)


class _Template(DocxTemplate):
    patched_body: str | None = None  # the body as docxtpl's patch_xml leaves it, when known

    def build_xml(self, context, jinja_env=None):
        # docxtpl's build_xml, without patching the body again when it was kept (_prepare_body).
        xml = self.patched_body if self.patched_body is not None else self.patch_xml(self.get_xml())
        return self.render_xml_part(xml, self.docx._part, context, jinja_env)

    def resolve_listing(self, xml: str) -> str:
        # docxtpl runs three nested regular expressions over every paragraph, run and text of
        # the rendered part: most of a 100-fiche render. Same paragraphs (its own pattern), same
        # rewriting, but only where there is something to rewrite — and when no character of
        # the part needs it (the usual case), the part as it is, without a pass per paragraph.
        if not any(sign in xml for sign in _LISTING_SIGNS):  # four plain searches, faster than one class
            return xml
        resolve = super().resolve_listing
        return _PARAGRAPH.sub(lambda m: resolve(m.group(0)) if _LISTING.search(m.group(0)) else m.group(0), xml)

    def render_xml_part(self, src_xml, part, context, jinja_env=None):
        # docxtpl's, but the line break it puts before each paragraph (so that an error names a
        # line) is taken out of the output by two plain replacements rather than a regular
        # expression with a group, expanded in Python at each of the thousands of paragraphs.
        src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
        try:
            self.current_rendering_part = part
            template = jinja_env.from_string(src_xml) if jinja_env else jinja2.Template(src_xml)
            dst_xml = template.render(context)
        except jinja2.TemplateError as exc:
            if hasattr(exc, "lineno") and exc.lineno is not None:
                line_number = max(exc.lineno - 4, 0)
                exc.docx_context = map(lambda x: re.sub(r"<[^>]+>", "", x),
                                       src_xml.splitlines()[line_number:line_number + 7])
            raise exc
        dst_xml = dst_xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        dst_xml = dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.resolve_listing(dst_xml)

    def fix_tables(self, xml: str):
        # docxtpl parses the rendered body, then walks every row and cell of every table to add or
        # remove grid columns when a `{%tc %}` loop changed a row's width. The same parse; the
        # walk only checks, in one pass, that no table needs a change — the usual case, where
        # docxtpl's walk changes nothing — and otherwise docxtpl's own fix runs on the text.
        tree = etree.fromstring(xml, parser=etree.XMLParser(recover=True))
        try:
            consistent = _tables_consistent(tree)
        except Exception:  # an unusual table: docxtpl's fix decides (and fails) as it always did
            consistent = False
        return tree if consistent else super().fix_tables(xml)

    def render_properties(self, context, jinja_env=None) -> None:
        # The core properties are replaced after rendering (output.core_xml): docxtpl renders them
        # only so that a broken tag there still fails as before; a text without a tag renders to
        # itself, so only the ones holding a tag are compiled.
        core = self.docx.core_properties
        if any("{" in (getattr(core, name) or "") for name in _RENDERED_PROPERTIES):
            super().render_properties(context, jinja_env)


# The core properties docxtpl renders (DocxTemplate.render_properties).
_RENDERED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


def _tables_consistent(tree) -> bool:
    """Whether docxtpl's fix_tables would leave every table of `tree` as it is: no row with more
    cells than the grid has columns, and, for each table, a row as wide as its grid (cells
    counted with their gridSpan, as docxtpl counts them: the first gridSpan of the first tcPr)."""
    w = "{" + tree.nsmap["w"] + "}"
    tbl, grid, col, tr, tc, tc_pr, span, val = (w + tag for tag in (
        "tbl", "tblGrid", "gridCol", "tr", "tc", "tcPr", "gridSpan", "val"))
    for table in tree.iter(tbl):
        columns = len(table.find(grid).findall(col))
        spanned = next(table.iter(span), None) is not None
        widest = 0
        for row in table.iter(tr):  # nested tables' rows too, as docxtpl reads them
            cells = row.findall(tc)
            if len(cells) > columns:
                return False
            width = len(cells)
            if spanned:
                for cell in cells:
                    properties = cell.find(tc_pr)
                    found = None if properties is None else properties.find(span)
                    if found is not None:
                        width += int(found.get(val)) - 1
            widest = max(widest, width)
        if widest < columns:
            return False
    return True


def load_template(source: Path | bytes, name: str) -> DocxTemplate:
    template = _Template(io.BytesIO(source) if isinstance(source, bytes) else source)
    try:
        template.init_docx()  # docxtpl opens the package lazily; a bad file must fail here
        return template
    except Exception as exc:  # python-docx raises several unrelated types for a bad package
        raise TemplateError(f"{name} : modèle Word illisible ({type(exc).__name__}) ; est-ce bien un fichier .docx ?") from None


def render(source: Path | bytes, name: str, context: dict, *, document_date: date, properties: dict[str, str],
           check: Callable[[object, frozenset[str]], None] | None = None) -> bytes:
    """The rendered document as deterministic DOCX bytes.

    `check` is given the rendered python-docx document, its parts as they are about to be
    written (verify.rendered_text reads them), and the words inside the template's tags (those
    of the very bytes rendered); it stops the render by raising."""
    source, key = _keyed(source)
    template = load_template(source, name)
    context = _with_logo(template, context)
    paragraphs = _prepare_body(template, key, name)
    try:
        template.render(context, jinja_env(), autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(_syntax_message(exc, name)) from None
    except (SecurityError, MemoryError, RecursionError) as exc:
        raise TemplateError(f"{name} : {refusal_message(exc)} ; aucun fichier n'a été écrit") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(_undefined_message(exc, name, paragraphs, context)) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{name} : erreur dans le modèle : {_syntax_hint(str(exc), '')}") from None
    except Exception as exc:  # a filter or test misused in a tag fails with any Python error
        raise TemplateError(f"{name} : une balise du modèle a échoué ({type(exc).__name__} : {exc})") from None
    document = template.docx
    docx_xml.fill_toc(document)
    if check is not None:
        check(document, _tag_words(paragraphs, key))
    stamp = datetime.combine(document_date, time(), tzinfo=timezone.utc)
    core = core_xml({**properties, "revision": 1}, stamp)
    if template.pics_to_replace or template.crc_to_new_media or template.crc_to_new_embedded \
            or template.zipname_to_replace:  # docxtpl's media replacement happens in its save
        buffer = io.BytesIO()
        template.save(buffer)
        return normalize_docx(buffer.getvalue(), core)
    return package_bytes(docx_xml.package_members(document), core)


# --- what is read from a template before rendering, kept between runs ---------------------
#
# docxtpl rewrites the template's body into a Jinja template with a few dozen regular
# expressions (patch_xml: a sixth of a 30-reference dossier's rendering), and the tag check
# reads its paragraphs: both depend on the template's bytes only. They are kept as text in
# the library's cache folder, sealed like its records (generator.library.cache): the patched
# body is compiled and run in the sandbox like any template, and an entry is found only by the
# BLAKE2 hash of the template's bytes and the versions of the code that made it, so an edited
# template (any byte) is read afresh. A template whose tags are broken is refused before
# anything is kept.

_TEMPLATE_CACHE = "templates-render.pickle"
_TEMPLATE_CACHE_KEPT = 16


# The templates read in this run, by key: (paragraphs, patched body).
_PREPARED: dict[str, tuple[list[str], str]] = {}


def _keyed(source: Path | bytes) -> tuple[Path | bytes, str | None]:
    """The template's bytes (a path unreadable here stays a path: loading it says why) and its
    key (None for such a path)."""
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError:
            return source, None
    import docx
    import docxtpl

    here = Path(__file__).stat()
    digest = hashlib.blake2b(source, digest_size=20)
    digest.update(repr((docxtpl.__version__, docx.__version__, etree.LXML_VERSION, here.st_mtime_ns,
                        here.st_size)).encode())
    return source, digest.hexdigest()


def _prepare_body(template: _Template, key: str | None, name: str) -> list[str]:
    """The template's paragraphs, its tags checked (TemplateError when one is broken), and its
    patched body set on `template`: as read before (this run, else the cache), else read and kept."""
    from generator.library.cache import cache_dir, enabled, read_sealed, write_sealed

    path = cache_dir() / _TEMPLATE_CACHE
    known = (read_sealed(path) or {}) if key and key not in _PREPARED and enabled() else {}
    known = known if isinstance(known, dict) else {}
    entry = known.get(key)
    if key in _PREPARED:
        paragraphs, template.patched_body = _PREPARED[key]
    elif isinstance(entry, dict) and isinstance(entry.get("paragraphs"), list) and isinstance(entry.get("body"), str):
        paragraphs, template.patched_body = [str(text) for text in entry["paragraphs"]], entry["body"]
    else:
        xml = template.get_xml()
        paragraphs = docx_xml.paragraph_texts(xml)
        _check_tags_closed(paragraphs, name)
        template.patched_body = template.patch_xml(xml)
        if key and enabled():
            known.pop(key, None)
            known[key] = {"paragraphs": paragraphs, "body": template.patched_body}
            write_sealed(path, dict(list(known.items())[-_TEMPLATE_CACHE_KEPT:]))
    _check_tags_closed(paragraphs, name)
    if key:
        _PREPARED[key] = (paragraphs, template.patched_body)
    return paragraphs


def _with_logo(template: DocxTemplate, context: dict) -> dict:
    """cabinet.logo is a file name in the context; the template gets the image itself."""
    cabinet = context.get("cabinet")
    if not isinstance(cabinet, dict) or not cabinet.get("logo"):
        return context
    from docx.shared import Mm
    from docxtpl import InlineImage

    from generator.errors import DataError

    path = cabinet["logo"]
    try:
        from PIL import Image

        with Image.open(path) as image:
            image.verify()
    except ImportError:
        pass
    except Exception:
        raise DataError(f"{path} : logo illisible (champ logo de cabinet.yaml) ; donnez une image PNG ou JPEG") from None
    return {**context, "cabinet": {**cabinet, "logo": InlineImage(template, path, height=Mm(16))}}


# --- template errors, for the person who edits the template in Word ----------------------

_TAG = re.compile(r"\{[{%#].*?[}%#]\}|\{[{%].*", re.DOTALL)
_TYPOGRAPHIC_QUOTES = re.compile("[“”‘’«»]")
_PAIRS = (("{{", "}}"), ("{%", "%}"))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_tags_closed(paragraphs: list[str], name: str) -> None:
    """A tag must open and close in one paragraph; otherwise docxtpl mangles the XML silently."""
    for text in paragraphs:
        for opening, closing in _PAIRS:
            if text.count(opening) != text.count(closing):
                raise TemplateError(
                    f"{name} : balise « {opening} » … « {closing} » non refermée ou coupée par un retour à la ligne "
                    f"dans le paragraphe « {_short(text)} » ; chaque balise doit tenir dans un seul paragraphe du modèle"
                )


def _syntax_message(exc: jinja2.TemplateSyntaxError, name: str) -> str:
    lines = [" ".join(line.split()) for line in getattr(exc, "docx_context", None) or []]
    where = ""
    tag = ""
    if lines and exc.lineno:
        index = min((exc.lineno - 1) - max(exc.lineno - 4, 0), len(lines) - 1)
        line = html.unescape(lines[index])
        found = _TAG.search(line)
        tag = _short(found.group(0) if found else line)
        where = "" if "end of template" in (exc.message or "") else f" dans « {tag} »"
    return f"{name} : balise Jinja invalide{where} : {_syntax_hint(exc.message or '', tag)}"


def _syntax_hint(message: str, tag: str) -> str:
    if _TYPOGRAPHIC_QUOTES.search(tag):
        return "Word a remplacé les guillemets droits par des guillemets typographiques ; retapez-les en \" ou ' " \
            "(désactivez « guillemets typographiques » dans la correction automatique)"
    unknown = re.search(r"unknown tag '(\w+)'", message)
    if unknown and unknown.group(1) in ("tr", "tc", "p", "r"):
        place = {"tr": "une ligne de tableau", "tc": "une cellule de tableau", "p": "un paragraphe qui ne contient qu'elle",
                 "r": "un texte"}[unknown.group(1)]
        return f"« {{%{unknown.group(1)} » doit être placé dans {place} ; déplacez la balise ou écrivez « {{% »"
    innermost = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    if unknown and unknown.group(1).startswith("end") and innermost:
        return (f"« {{% {unknown.group(1)} %}} » arrive alors que le bloc « {innermost.group(1)} » ouvert avant lui "
                f"n'est pas refermé : ajoutez « {{% end{innermost.group(1)} %}} » avant")
    if unknown and unknown.group(1).startswith("end"):
        return f"« {{% {unknown.group(1)} %}} » sans ouverture correspondante (for / if) avant lui"
    if unknown:
        return f"mot-clé « {unknown.group(1)} » inconnu après « {{% » ; attendu : for, if, endfor, endif…"
    # « looking for the following tags: 'elif' or 'else' or 'endif' »: the closing one is wanted.
    looking = re.findall(r"'(end\w+)'", message)
    if innermost or looking or "end of template" in message:
        closing = f"end{innermost.group(1)}" if innermost else looking[-1] if looking else "endfor / endif"
        return f"une boucle ou une condition n'est jamais refermée : ajoutez « {{% {closing} %}} »"
    missing = re.search(r"No (filter|test) named '([^']*)'", message)
    if missing:
        kind, after = ("filtre", "|") if missing.group(1) == "filter" else ("test", "is")
        return f"{kind} « {missing.group(2)} » inconnu après « {after} » ; vérifiez son orthographe"
    unexpected = re.search(r"expected token '[^']*', got '([^']*)'|unexpected '([^']*)'", message)
    if unexpected:
        return f"« {unexpected.group(1) or unexpected.group(2)} » inattendu dans la balise ; vérifiez l'orthographe " \
            "et les accolades"
    return f"vérifiez l'orthographe et les accolades de la balise ({message})"


def _undefined_message(exc: jinja2.UndefinedError, name: str, paragraphs: list[str], context: dict) -> str:
    found = re.findall(r"'([^']+)'", exc.message or "")
    variable = found[-1] if found else "?"
    tag = next(
        (m.group(0) for text in paragraphs for m in _TAG.finditer(text) if re.search(rf"\b{re.escape(variable)}\b", m.group(0))),
        None,
    )
    where = f" dans la balise « {_short(tag)} »" if tag else ""
    guess = nearest(variable, sorted(_names(context)))
    hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
    return f"{name} : variable inconnue « {variable} »{where}{hint} (« dossier templates » liste les variables)"


def _names(value, depth: int = 0) -> set[str]:
    """Every key a template can reach in the context, to suggest the intended one."""
    names: set[str] = set()
    if depth > 4:
        return names
    if isinstance(value, dict):
        for key, item in value.items():
            names.add(str(key))
            names |= _names(item, depth + 1)
    elif isinstance(value, list) and value:
        names |= _names(value[0], depth + 1)
    return names


# The tag words of the templates read in this run, by key (one file per fiche asks each time).
_WORDS: dict[str, frozenset[str]] = {}


def _tag_words(paragraphs: list[str], key: str | None) -> frozenset[str]:
    """Every word used inside the template's tags (variables, attributes, loop names), for the
    template of `key` whose body holds `paragraphs`."""
    words = _WORDS.get(key) if key else None
    if words is None:
        tags = (m.group(0) for text in paragraphs for m in _TAG.finditer(text))
        words = frozenset(word for tag in tags for word in re.findall(r"[A-Za-z_]\w*", tag))
        if key:
            _WORDS[key] = words
    return words
