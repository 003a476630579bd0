"""The content check: every text of the selected references is in the document produced.

docxtpl repairs XML it cannot parse by dropping what follows the fault, without a
word. Reading the rendered document back is the only way to be sure nothing the
user wrote was lost on the way; a miss stops the build before anything is written.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from generator.documents import docx_xml
from generator.errors import TemplateError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
# python-docx's parser settings (blank text between elements dropped, no entities), without its
# element classes: the same tree, read for its text only.
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
# Compiled once, and callable on python-docx's elements too (their own xpath() takes no namespaces).
_SECTIONS = etree.XPath("./w:p/w:pPr/w:sectPr | ./w:sectPr", namespaces={"w": _W[1:-1]})


def _normal(text: str) -> str:
    # Word's tabs, line breaks and the template's own spacing are not content.
    return " ".join(text.split()).casefold()


def document_text(data: bytes) -> str:
    """All the text of a DOCX: body, tables at any depth, headers and footers.

    The parts python-docx would read for it (the main document's body; for each section, in
    order, its own default header, default footer, first-page header and first-page footer),
    read straight from the package: opening it with python-docx parsed every part (styles,
    numbering, settings…) and built its objects, a third of a 100-fiche document's check."""
    package = zipfile.ZipFile(io.BytesIO(data))
    main = next(target for kind, target in _relationships(package, "/").values() if kind == _OFFICE_DOCUMENT)
    related: dict[str, tuple[str, str]] = {}

    def part(identifier: str):
        if not related:
            related.update(_relationships(package, main))
        return etree.fromstring(package.read(related[identifier][1].lstrip("/")), _PARSER)

    return _text(etree.fromstring(package.read(main.lstrip("/")), _PARSER), part)


def rendered_text(document) -> str:
    """document_text of a rendered python-docx document, read from its parts as they are about
    to be written rather than from the package written and parsed again (they serialise to
    the same text: the parse is what could lose something, and it is behind us)."""
    relationships = document.part.rels

    def part(identifier: str):
        target = relationships[identifier].target_part
        element = getattr(target, "_element", None)
        return element if element is not None else etree.fromstring(target.blob, _PARSER)

    return _text(document.element, part)


def _text(root, part) -> str:
    """The text of the main document `root` and of its sections' headers and footers, each
    found by `part(relationship id)`."""
    body = root.find(f"{_W}body")
    parts = [body]
    for section in _SECTIONS(body):
        for tag, kind in (("headerReference", "default"), ("footerReference", "default"),
                          ("headerReference", "first"), ("footerReference", "first")):
            reference = next((r for r in section.iterfind(_W + tag) if r.get(_W + "type") == kind), None)
            if reference is not None:
                parts.append(part(reference.get(_R_ID)))
    return "\n".join(docx_xml.element_text(found) for found in parts)


def _relationships(package: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """The relationships of the part `source` (« / » for the package): id -> (type, target part)."""
    folder, name = posixpath.split(source)
    found = {}
    for relationship in etree.fromstring(package.read(posixpath.join(folder, "_rels", f"{name}.rels").lstrip("/")),
                                         _PARSER).iter(_RELATIONSHIP):
        if relationship.get("TargetMode") == "External":
            continue
        target = posixpath.normpath(posixpath.join(folder, relationship.get("Target")))
        found[relationship.get("Id")] = (relationship.get("Type"), target)
    return found


def check_rendered(document, expected: list[tuple[tuple[str, ...], str, str]], used: set[str], name: str) -> None:
    """TemplateError (exit 3) naming the first text the rendered python-docx `document` lost,
    before it is written (render's `check`)."""
    try:
        raw = rendered_text(document)
    except Exception as exc:  # a part that is not what its relationship says
        raise TemplateError(f"{name} : le document produit est illisible ({type(exc).__name__}) ; aucun fichier écrit") from None
    check_text(raw, expected, used, name)


def check_text(raw: str, expected: list[tuple[tuple[str, ...], str, str]], used: set[str], name: str) -> None:
    """TemplateError naming the first expected text missing from `raw` (document_text)."""
    text = _normal(raw)
    # A field usually fills a paragraph: found among the paragraphs at once, else looked for in
    # the whole text (one search per field through a long document was most of this check).
    # Each normalised paragraph is a piece of the normalised text, so the answer is the same.
    paragraphs = {_normal(line) for line in raw.split("\n")}
    for names, origin, value in expected:
        wanted = _normal(value)
        if set(names) <= used and wanted not in paragraphs and wanted not in text:
            shown = value if len(value) <= 60 else value[:59] + "…"
            raise TemplateError(
                f"{name} : contrôle du contenu : « {shown} » ({origin}) manque dans le document produit ; "
                "aucun fichier n'a été écrit. Vérifiez les balises du modèle autour de ce champ"
            )
