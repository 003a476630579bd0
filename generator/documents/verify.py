"""The content check: every text of the selected references is in the document produced.

docxtpl repairs XML it cannot parse by dropping what follows the fault, without a
word. Reading the rendered document back is the only way to be sure nothing the
user wrote was lost on the way; a miss stops the build before anything is written.
"""

from __future__ import annotations

import io

from docx import Document

from generator.documents import docx_xml
from generator.errors import TemplateError


def _normal(text: str) -> str:
    # Word's tabs, line breaks and the template's own spacing are not content.
    return " ".join(text.split()).casefold()


def document_text(data: bytes) -> str:
    """All the text of a DOCX: body, tables at any depth, headers and footers."""
    document = Document(io.BytesIO(data))
    parts = [document.element.body]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if not part.is_linked_to_previous:
                parts.append(part._element)
    return "\n".join(line for part in parts for line in docx_xml.element_paragraph_texts(part))


def check_content(data: bytes, expected: list[tuple[tuple[str, ...], str, str]], used: set[str], name: str) -> None:
    """TemplateError (exit 3) naming the first text the document lost."""
    try:
        text = _normal(document_text(data))
    except Exception as exc:  # the package itself is broken: nothing may be written
        raise TemplateError(f"{name} : le document produit est illisible ({type(exc).__name__}) ; aucun fichier écrit") from None
    for names, origin, value in expected:
        if set(names) <= used and _normal(value) not in text:
            shown = value if len(value) <= 60 else value[:59] + "…"
            raise TemplateError(
                f"{name} : contrôle du contenu : « {shown} » ({origin}) manque dans le document produit ; "
                "aucun fichier n'a été écrit. Vérifiez les balises du modèle autour de ce champ"
            )
