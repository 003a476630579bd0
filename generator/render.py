"""Rendering a Word template with a context: the only module that knows docxtpl.

Templates render with autoescape (so « <Lieux> & Territoires » reaches Word intact)
and StrictUndefined (a variable the context lacks is an error naming it).
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timezone
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from . import docx_xml
from .errors import TemplateError
from .output import normalize_docx


def jinja_env() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def load_template(source: Path | bytes, name: str) -> DocxTemplate:
    try:
        return DocxTemplate(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Exception as exc:  # python-docx raises several unrelated types for a bad package
        raise TemplateError(f"{name} : modèle Word illisible ({type(exc).__name__}) ; est-ce bien un fichier .docx ?") from None


def render(source: Path | bytes, name: str, context: dict, *, today: date, properties: dict[str, str]) -> bytes:
    """The rendered document as deterministic DOCX bytes."""
    template = load_template(source, name)
    try:
        template.render(context, jinja_env(), autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{name} : balise Jinja invalide ({exc.message}) ; vérifiez les {{{{ }}}} et {{% %}} du modèle"
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{name} : variable inconnue du modèle ({exc.message}) ; voir « dossier templates » pour la liste") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{name} : erreur dans le modèle ({exc})") from None
    document = template.docx
    docx_xml.fill_toc(document)
    props = document.core_properties
    stamp = datetime.combine(today, time(), tzinfo=timezone.utc)
    props.created = props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.last_modified_by = ""
    for key, value in properties.items():
        setattr(props, key, value)
    buffer = io.BytesIO()
    template.save(buffer)
    return normalize_docx(buffer.getvalue())
