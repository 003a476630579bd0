"""DOCX → PDF through LibreOffice headless, with the table of contents brought up to date.

A plain `soffice --convert-to pdf` prints the TOC as it was saved in the DOCX (our
placeholder text), because LibreOffice does not refresh indexes on load. So each run
gets a private LibreOffice profile holding a small Basic macro that opens the
document, updates every index (TOC) and field, and exports it to PDF. The private
profile also keeps parallel runs from fighting over one user profile.

LibreOffice's exit code is 0 even when it fails, so success is judged on the PDF
itself: it must exist and have at least one page.

LibreOffice never sees the user's file names: each DOCX is copied into the private work
folder as « document-N.docx » (a « %41 » or a quote in a name would be decoded by its URL
handling, and a lock file beside a document shared by parallel runs would stop them).
Every LibreOffice process runs in a process group of its own that is killed and reaped
whatever ends the run (an error, a timeout, Ctrl-C, SIGTERM); the work folder and its
profile go with it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from generator.errors import OutputError
from generator.output import write_document

INSTALL_HINT = (
    "LibreOffice est introuvable (commande soffice) : il faut LibreOffice pour l'export PDF. "
    "Debian/Ubuntu : sudo apt-get install libreoffice-writer-nogui ; "
    "macOS : brew install --cask libreoffice ; Windows : https://fr.libreoffice.org/download/"
)
TIMEOUT_SECONDS = 300

_MACRO = """REM Opens a document hidden, updates its indexes and fields, exports it to PDF.
Sub ExportPdf(source As String, target As String)
    Dim load(0) As New com.sun.star.beans.PropertyValue
    load(0).Name = "Hidden"
    load(0).Value = True
    doc = StarDesktop.loadComponentFromURL(ConvertToURL(source), "_blank", 0, load())
    If IsNull(doc) Then Exit Sub
    If HasUnoInterfaces(doc, "com.sun.star.text.XDocumentIndexesSupplier") Then
        indexes = doc.getDocumentIndexes()
        For i = 0 To indexes.getCount() - 1
            indexes.getByIndex(i).update()
        Next i
        doc.getTextFields().refresh()
        REM Updating the TOC can move headings to other pages: once more for its page numbers.
        For i = 0 To indexes.getCount() - 1
            indexes.getByIndex(i).update()
        Next i
    End If
    Dim export(0) As New com.sun.star.beans.PropertyValue
    export(0).Name = "FilterName"
    export(0).Value = "writer_pdf_Export"
    doc.storeToURL(ConvertToURL(target), export())
    doc.close(True)
End Sub
"""

_LIBRARIES = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/{kind}.xlb/" xlink:type="simple" library:link="false"/>
</library:libraries>
"""

_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">{elements}</library:library>
"""

_MODULE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Dossier" script:language="StarBasic">{code}</script:module>
"""


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
                      r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if os.path.exists(candidate):
            return candidate
    return None


def _prepare_profile(executable: str, profile: Path) -> None:
    """A fresh LibreOffice profile holding our macro.

    LibreOffice fills a new profile with its presets on first start, overwriting any
    Basic library already there: so start it once empty, then add the macro.
    """
    _run([executable, "--headless", "--terminate_after_init", f"-env:UserInstallation={profile.as_uri()}"], "")
    standard = profile / "user" / "basic" / "Standard"
    if not (standard / "script.xlb").is_file():
        raise OutputError("LibreOffice n'a pas pu créer son profil temporaire ; vérifiez l'installation (soffice --version)")
    modules = sorted({p.stem for p in standard.glob("*.xba")} | {"Dossier"})
    elements = "".join(f'\n <library:element library:name="{m}"/>' for m in modules)
    (standard / "script.xlb").write_text(_LIBRARY.format(elements=elements + "\n"), encoding="utf-8")
    (standard / "Dossier.xba").write_text(_MODULE.format(code=escape(_MACRO)), encoding="utf-8")


def _run(command: list[str], name: str) -> None:
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=os.name == "posix")
    except OSError as exc:
        raise OutputError(f"LibreOffice n'a pas pu être lancé ({exc.strerror})") from None
    try:
        process.wait(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise OutputError(f"{name or 'LibreOffice'} : LibreOffice n'a pas répondu en {TIMEOUT_SECONDS} s") from None
    finally:
        _reap(process)


def _reap(process: subprocess.Popen) -> None:
    """Kill LibreOffice and everything it started (soffice.bin outlives its launcher), then wait."""
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    elif process.poll() is None:
        process.kill()
    process.wait()


def _basic_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def page_count(pdf: Path) -> int:
    """Pages of a PDF, read from its page tree (no PDF library needed for this)."""
    data = pdf.read_bytes()
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    return max(counts, default=0)


def to_pdf(documents: list[Path], progress: Callable[[], None] = lambda: None) -> list[Path]:
    """Each DOCX converted to a PDF beside it; OutputError (exit 4) on the first failure."""
    executable = soffice()
    if executable is None:
        raise OutputError(INSTALL_HINT)
    written = []
    with tempfile.TemporaryDirectory(prefix="dossier-pdf-", ignore_cleanup_errors=True) as work:
        work_dir = Path(work)
        profile = work_dir / "profile"
        _prepare_profile(executable, profile)
        for number, docx in enumerate(documents, 1):
            source = work_dir / f"document-{number}.docx"
            shutil.copyfile(docx, source)
            produced = work_dir / f"document-{number}.pdf"
            call = f"macro:///Standard.Dossier.ExportPdf({_basic_string(str(source))}, {_basic_string(str(produced))})"
            _run([executable, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                  f"-env:UserInstallation={profile.as_uri()}", call], docx.name)
            if not produced.is_file() or page_count(produced) == 0:
                raise OutputError(
                    f"{docx} : LibreOffice n'a produit aucun PDF lisible ; ouvrez le fichier dans LibreOffice pour voir ce qui bloque"
                )
            written.append(write_document(docx.with_suffix(".pdf"), produced.read_bytes()))
            produced.unlink()
            source.unlink()
            progress()
    return written
