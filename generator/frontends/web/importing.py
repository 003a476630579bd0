"""Import by upload: the fiches are read and shown first; written only when confirmed.

Uploaded files are kept under a random batch name in a private temporary folder, under
names of our own making: nothing the browser sends names a path.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError
from generator.importing.importer import Imported, import_files
from generator.output import write_atomic

_BATCH = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class Staging:
    folder: Path

    def batch(self, lot: str) -> Path:
        if not _BATCH.match(lot):
            raise UsageError("import introuvable : recommencez l'envoi des fichiers")
        path = self.folder / lot
        if not path.is_dir():
            raise UsageError("import introuvable ou déjà enregistré : recommencez l'envoi des fichiers")
        return path


def _safe_name(filename: str, index: int, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(filename.replace("\\", "/")).stem)[:60].strip("-") or "fiche"
    return f"{index:02d}-{stem}{suffix}"


async def preview(staging: Staging, uploads, references: Path, max_size: int, types: tuple[str, ...]):
    """(batch id, import results) for the uploaded files, nothing written to the library."""
    if not uploads:
        raise UsageError("aucun fichier choisi : choisissez des fiches .txt ou .docx")
    lot = secrets.token_urlsafe(18)
    folder = staging.folder / lot
    folder.mkdir(parents=True)
    paths = []
    for index, upload in enumerate(uploads, 1):
        suffix = Path(upload.filename or "").suffix.lower()
        if suffix not in types:
            raise UsageError(f"« {upload.filename} » refusé : seuls les fichiers {', '.join(types)} sont importés")
        data = await upload.read(max_size + 1)
        if len(data) > max_size:
            raise UsageError(f"« {upload.filename} » refusé : plus de {max_size // 1_000_000} Mo")
        path = folder / _safe_name(upload.filename or "", index, suffix)
        path.write_bytes(data)
        paths.append(path)
    (folder / "noms.txt").write_text("\n".join(f"{p.name}\t{u.filename}" for p, u in zip(paths, uploads)),
                                     encoding="utf-8")
    return lot, _shown(import_files(paths, references), folder)


def _shown(results: list[Imported], folder: Path) -> list[dict]:
    names = dict(line.split("\t", 1) for line in (folder / "noms.txt").read_text(encoding="utf-8").splitlines()
                 if "\t" in line)
    return [{"source": names.get(r.source.name, r.source.name), "result": r,
             "yaml": r.yaml_text() if r.record is not None else "",
             "target": f"{r.target.parent.name}/{r.target.name}" if r.target else ""} for r in results]


def write(staging: Staging, lot: str, references: Path) -> list[dict]:
    """Write the batch's new fiches (the plan decided again on the library as it is now)."""
    folder = staging.batch(lot)
    paths = sorted(p for p in folder.iterdir() if p.name != "noms.txt")
    results = import_files(paths, references)
    for result in results:
        if result.write and result.target is not None:
            write_atomic(result.target, result.yaml_text().encode("utf-8"))
    shown = _shown(results, folder)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return shown
