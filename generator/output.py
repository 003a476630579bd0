"""Writing generated files: deterministic bytes, atomic replacement, clear failures.

A failed or interrupted run leaves the previous output untouched: the new file is
written beside the target under a temporary name, then renamed over it.

What the user keeps is never replaced by a generated document (`write_document`): a
file of the library, a Word template (a .docx whose text still holds « {{ » or « {% »),
a file of another kind than the one produced, an existing file outside the project
that dossier did not produce, a device or any other special file. A symbolic link is
followed: the file it points to is replaced, the link stays.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from generator.errors import OutputError, UsageError, os_reason

_EPOCH = (1980, 1, 1, 0, 0, 0)

# Every file this run wrote, in order: an interrupted command says exactly which.
_written: list[Path] = []


def written_files() -> list[Path]:
    return list(_written)


def forget_written() -> None:
    _written.clear()


# The core properties are written here, with the namespaces of the OPC standard spelled out,
# rather than through python-docx: its element names follow a global prefix table that any
# plug-in may change (docxcompose, which docxtpl imports when installed, maps « cp » to
# another namespace), and Word then asks to repair the file.
_CORE_NAMESPACES = (
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)
_CORE_ORDER = (("title", "dc:title"), ("subject", "dc:subject"), ("author", "dc:creator"),
               ("keywords", "cp:keywords"), ("comments", "dc:description"), ("last_modified_by", "cp:lastModifiedBy"),
               ("revision", "cp:revision"), ("category", "cp:category"), ("language", "dc:language"))


def _escape(text: str) -> str:
    # What xml.sax.saxutils.escape does, without its import: it loads urllib.request, http.client
    # and ssl, a third of `dossier --help`'s start-up, and every command imports this module.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def core_xml(properties: dict[str, str], stamp: datetime) -> bytes:
    """docProps/core.xml: each property once, only the OPC namespaces."""
    parts = [f"<{tag}>{_escape(str(properties[key]))}</{tag}>" for key, tag in _CORE_ORDER
             if properties.get(key) not in (None, "")]
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag in ("dcterms:created", "dcterms:modified"):
        parts.append(f'<{tag} xsi:type="dcterms:W3CDTF">{when}</{tag}>')
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f"<cp:coreProperties {_CORE_NAMESPACES}>{''.join(parts)}</cp:coreProperties>").encode()


def normalize_docx(data: bytes, core: bytes | None = None) -> bytes:
    """The same package with fixed timestamps and order, so equal inputs give equal bytes;
    `core` replaces docProps/core.xml (see core_xml)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return package_bytes({name: source.read(name) for name in source.namelist()}, core)


def package_bytes(members: dict[str, bytes], core: bytes | None = None) -> bytes:
    """A zip package of `members` (name: content) as normalize_docx writes it: fixed timestamps
    and order; `core` replaces docProps/core.xml."""
    names = list(members)
    # [Content_Types].xml first, as Word writes it; the rest in a stable order.
    names.sort(key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            content = core if core is not None and name == "docProps/core.xml" else members[name]
            target.writestr(info, content)
    return out.getvalue()


def lock_file(path: Path) -> Path:
    """The owner file Word keeps beside a document it has open.

    Word prefixes « ~$ » and, to keep the name short, drops the first two characters
    of a name of 8 characters or more (before the extension), the first one of a
    name of 7: OfficeReport.docx → ~$ficeReport.docx, rapport.docx → ~$apport.docx,
    cv.docx → ~$cv.docx.
    """
    drop = min(max(len(path.stem) - 6, 0), 2)
    return path.with_name("~$" + path.name[drop:])


def _check_target(path: Path, shown: str) -> None:
    """OutputError when the target must not be replaced: open in Word, a folder, read-only."""
    for owner in (path.with_name("~$" + path.name), lock_file(path)):
        if owner.exists():
            raise OutputError(
                f"{shown} : le fichier est ouvert dans Word (verrou {owner.name}) ; fermez-le puis relancez"
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path.parent} : impossible de créer le dossier de sortie ({os_reason(exc)})") from None
    if path.is_dir():
        raise OutputError(f"{shown} : c'est un dossier, pas un fichier")
    if path.exists() and not path.is_file():
        raise OutputError(f"{shown} : fichier spécial (périphérique, tube…) ; il n'est jamais remplacé")
    # Renaming over a read-only file works on Linux and macOS (and for root everywhere), so the
    # protection a user set on the last good version is honoured here, as Windows would.
    if path.exists() and not path.stat().st_mode & stat.S_IWUSR:
        raise OutputError(f"{shown} : fichier en lecture seule ; retirez la protection ou choisissez un autre nom "
                          "(-o) ; le fichier précédent est conservé")


def write_atomic(path: Path, data: bytes, *, record: bool = True) -> Path:
    """Write `data` to `path` whole or not at all; OutputError (exit 4) when impossible.

    A symbolic link is followed: the file it points to is replaced, the link stays."""
    shown = str(path)
    if path.is_symlink():
        path = path.resolve()
    try:
        _check_target(path, shown)
    except OSError as exc:  # a name too long for the system, among others
        raise OutputError(f"{shown} : écriture impossible ({os_reason(exc)})") from None
    temp_name = None
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as tmp:
            temp_name = tmp.name
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except OSError as exc:
        raise OutputError(f"{shown} : écriture impossible ({os_reason(exc)}) ; le fichier précédent est conservé") from None
    finally:
        # Whatever stopped us (an error, Ctrl-C, a SIGTERM made KeyboardInterrupt): the temporary
        # file is gone, and the file counts as written exactly when the rename happened.
        if temp_name and os.path.exists(temp_name):
            os.unlink(temp_name)
        elif temp_name and record:
            _written.append(path)
    return path


# --- generated documents: what they may replace ------------------------------------------

# The category every document dossier produces carries (docProps/core.xml), by which an
# earlier output is recognised wherever it was written.
PRODUCED_MARK = b">Dossier de candidature</cp:category>"


class FolderPath(type(Path())):
    """An output given as a folder (« -o outputs/ »): the document keeps its default name there."""


def document_target(given: Path | None, default: Path) -> Path:
    """The file a document is written to: `default`, or what -o says (a file, or a folder)."""
    if given is None:
        return default
    if str(given) in ("", "."):
        given = FolderPath(".")
    if isinstance(given, FolderPath) or given.is_dir():
        return given / default.name
    if given.suffix.lower() != default.suffix:
        raise UsageError(f"-o {given} : ce document est un fichier {default.suffix} ; donnez un nom en "
                         f"{default.suffix} (ex. {given.with_suffix(default.suffix).name}) ou un dossier terminé par /")
    return given


def _is_template(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as package:
            xml = package.read("word/document.xml")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    return b"{{" in xml or b"{%" in xml


def _produced(path: Path) -> bool:
    """A document dossier wrote earlier (its package says so), or a PDF made from one."""
    if path.suffix.lower() == ".pdf":
        return _produced(path.with_suffix(".docx"))
    try:
        with zipfile.ZipFile(path) as package:
            core = package.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    return PRODUCED_MARK in core


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_writable(path: Path, keep: tuple[Path, ...] = ()) -> Path:
    """The real file a file the user asked for (a bid file, an exported template) may be written
    to, even over an existing one (--force); OutputError for a folder, a special file, a broken
    link, or a file of the library or of another folder to keep."""
    shown = str(path)
    if path.is_symlink():
        real = path.resolve()
        if not real.exists():
            raise OutputError(f"{shown} : lien symbolique vers un fichier absent ({real}) ; rien n'a été écrit")
    else:
        real = path.absolute()
    if real.is_dir():
        raise OutputError(f"{shown} : c'est un dossier, pas un fichier")
    if real.exists() and not real.is_file():
        raise OutputError(f"{shown} : fichier spécial (périphérique, tube…) ; il n'est jamais remplacé")
    resolved = real.resolve()
    for kept in keep:
        kept = kept.resolve()
        if resolved == kept or (kept.is_dir() and _inside(resolved, kept)):
            raise OutputError(f"{shown} : ce fichier fait partie de {kept.name}/ (bibliothèque ou modèles) ; un document "
                              "produit ne le remplace jamais : choisissez un autre nom avec -o")
    return real


def write_file(path: Path, data: bytes, keep: tuple[Path, ...] = ()) -> Path:
    """Write a file the user asked for by name, never over a folder, a special file or what is kept."""
    try:
        check_writable(path, keep)
    except OSError as exc:
        raise OutputError(f"{path} : écriture impossible ({os_reason(exc)})") from None
    write_atomic(path, data)
    return path


def check_replaceable(path: Path, keep: tuple[Path, ...] = ()) -> Path:
    """The real file a document may be written to; OutputError when it must not be replaced."""
    shown = str(path)
    real = check_writable(path, keep)
    resolved = real.resolve()
    if not real.exists():
        return real
    if real.suffix.lower() == ".docx" and _is_template(real):
        raise OutputError(f"{shown} : ce fichier est un modèle Word (il contient des balises {{{{ … }}}}) ; un document "
                          "produit ne le remplace jamais : choisissez un autre nom avec -o")
    projects = [Path.cwd().resolve()] + [k.resolve().parent for k in keep]
    if not any(_inside(resolved, project) for project in projects) and not _produced(real):
        raise OutputError(f"{shown} : un fichier de ce nom existe hors du projet et n'a pas été produit par dossier ; "
                          "il est conservé : choisissez un autre nom avec -o")
    return real


def write_document(path: Path, data: bytes, keep: tuple[Path, ...] = ()) -> Path:
    """Write a generated document, never over what the user keeps (see the module's docstring)."""
    try:
        real = check_replaceable(path, keep)
    except OSError as exc:
        raise OutputError(f"{path} : écriture impossible ({os_reason(exc)})") from None
    write_atomic(path, data)
    return path
