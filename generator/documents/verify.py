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
    root = etree.fromstring(package.read(main.lstrip("/")), _PARSER)
    body = root.find(f"{_W}body")
    parts = [body]
    related = None
    for section in body.xpath("./w:p/w:pPr/w:sectPr | ./w:sectPr", namespaces={"w": _W[1:-1]}):
        for tag, kind in (("headerReference", "default"), ("footerReference", "default"),
                          ("headerReference", "first"), ("footerReference", "first")):
            reference = next((r for r in section.iterfind(_W + tag) if r.get(_W + "type") == kind), None)
            if reference is not None:
                related = related if related is not None else _relationships(package, main)
                parts.append(etree.fromstring(package.read(related[reference.get(_R_ID)][1].lstrip("/")), _PARSER))
    return "\n".join(docx_xml.element_text(part) for part in parts)


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


def check_content(data: bytes, expected: list[tuple[tuple[str, ...], str, str]], used: set[str], name: str) -> None:
    """TemplateError (exit 3) naming the first text the document lost."""
    try:
        # Only the parts holding text are read back: the others are python-docx's own
        # serialisation of the parts it parsed when the template was loaded.
        raw = document_text(data)
    except Exception as exc:  # the package itself is broken: nothing may be written
        raise TemplateError(f"{name} : le document produit est illisible ({type(exc).__name__}) ; aucun fichier écrit") from None
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
