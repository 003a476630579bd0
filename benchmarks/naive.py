"""The way a user would write it by hand: one docxtpl document per fiche, then merged.

    python benchmarks/naive.py LIBRARY OUTPUT.docx ID [ID …]

Reads only the chosen missions' files (yaml.safe_load with the C loader, one pydantic
validation each), renders templates/fiches.docx once per mission with that mission alone
in the context, and appends the documents one after the other with docxcompose. It
favours the naive way: no library-wide load, no checks. Compared by benchmarks/run.py
with `dossier fiches --single` (the same template rendered once with its loop).
"""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import yaml
from docx import Document
from docxcompose.composer import Composer
from docxtpl import DocxTemplate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.documents.context import BuildOptions, document_context  # noqa: E402
from generator.library.loader import Library  # noqa: E402
from generator.library.models import Cabinet, Mission  # noqa: E402


def load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def main(library_dir: Path, output: Path, ids: list[str]) -> None:
    cabinet = Cabinet.model_validate(load(library_dir / "cabinet.yaml"))
    options = BuildOptions(document_date=date.today())
    documents = []
    for ident in ids:
        mission = Mission.model_validate(load(library_dir / "missions" / f"{ident}.yaml"))
        library = Library(root=library_dir, cabinet=cabinet, missions=[mission])
        template = DocxTemplate(ROOT / "templates" / "fiches.docx")
        template.render(document_context(library, [mission], options, "Fiche référence"))
        buffer = io.BytesIO()
        template.save(buffer)
        buffer.seek(0)
        documents.append(buffer)
    composer = Composer(Document(documents[0]))
    for buffer in documents[1:]:
        composer.append(Document(buffer))
    composer.save(str(output))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
