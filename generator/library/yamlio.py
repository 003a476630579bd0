"""Strict YAML reading: text in, plain Python data and the line of every key out.

PyYAML's own constructor is never used. We compose the node tree with the safe C
parser and build the data ourselves, so that:

- every scalar stays the text the user typed (no `no` → False, no `2018-2021` →
  date, no octal or sexagesimal numbers); pydantic converts it where the schema
  wants a number, a date or a yes/no;
- duplicate keys, explicit tags (`!!python/object`) and runaway aliases are refused;
- every key and list item keeps the line it was written on, for error messages.

The characters, the encoding and the size are checked here; the composing itself is in
yamlparse, the only module that imports PyYAML (loaded on the first text to parse).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import WARNING, Problem, os_reason
from generator.library.textfile import guess_encoding

Loc = tuple  # a path into the data: keys (str) and list indexes (int, from 0)

# A reference is a few kilobytes; beyond this the file is not one (and Word's XML parser would
# silently drop a text node over 10 MB).
MAX_BYTES = 2_000_000

# A duplicate key is skipped (the first value kept), so the rest of the file can still be checked.
DUPLICATE_KEY = "clé en double"

# The start of the warning for a value cut by « # »: text lost, so a build shows it even unasked.
COMMENT_CUT = "le texte après « # » est ignoré"

# Invisible characters pasted with text: legal, but « Étude\u200burbaine » no longer matches a search.
# (The joiners U+200C/U+200D are left alone: emoji and some scripts need them.)
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_INVISIBLE_NAMES = {"\u00ad": "trait d'union conditionnel", "\u200b": "espace de largeur nulle",
                    "\u2060": "gluon de mots", "\ufeff": "BOM au milieu du texte"}

# Characters Word cannot hold in a document (XML 1.0), and other invisible troublemakers.
# The line separators NEL, U+2028 and U+2029 end a line for the YAML parser (so its line numbers
# drift from the editor's) and show as nothing or a box in Word.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x85\u2028\u2029\ufffe\uffff\ud800-\udfff]")

# The Word template engine (docxtpl) rewrites these into « {{ », « %} »… in any text it prints.
_RESERVED = ("{_{", "}_}", "{_%", "%_}")

# C1 controls (but NEL) that YAML refuses in a file although XML would take them.
_UNPRINTABLE = re.compile("[\x7f-\x84\x86-\x9f]")
# Any of the three above: one search of a whole file, the others only where it finds one.
_SUSPECT = re.compile("[" + "".join(p.pattern[1:-1] for p in (_INVALID_XML, _UNPRINTABLE, _INVISIBLE)) + "]")

_CHAR_NAMES = {
    "\x00": "caractère nul",
    "\x0b": "tabulation verticale (saut de ligne manuel copié depuis Word)",
    "\x0c": "saut de page",
    "\x85": "saut de ligne invisible (NEL, copié depuis un PDF ou une page web)",
    "\u2028": "séparateur de ligne invisible (copié depuis un PDF ou une page web)",
    "\u2029": "séparateur de paragraphe invisible (copié depuis un PDF ou une page web)",
}


def _char_label(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "demi-caractère Unicode isolé (surrogate)"
    return _CHAR_NAMES.get(char, "caractère de contrôle")


def option_text_problem(value: str) -> str | None:
    """Why a text given on the command line cannot be used, as the YAML would say; None if it can.

    Invalid UTF-8 in an argument reaches Python as lone surrogates (surrogateescape)."""
    found = _INVALID_XML.search(value) or _UNPRINTABLE.search(value)
    if found:
        char = found.group(0)
        if "\udc80" <= char <= "\udcff":
            return "octets qui ne sont pas du texte UTF-8 (nom ou texte copié d'un autre encodage)"
        return f"{_char_label(char)} (U+{ord(char):04X}) interdit dans un texte"
    for reserved in _RESERVED:
        if reserved in value:
            return f"« {reserved} » est réservé au moteur des modèles Word ; retirez le « _ »"
    return None


@dataclass
class YamlDocument:
    data: object
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest enclosing key when it is absent."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            # A single value where a list is allowed is validated as item 0 of a list.
            single = tuple(part for part in loc if part != 0)
            if single != loc and single in self.lines:
                return self.lines[single]
            loc = loc[:-1]
        return self.lines.get((), None)


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text (BOM accepted), NFC-normalised with LF line ends; or a problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        guess = ""
        head = raw[:4000]
        encoding = guess_encoding(raw)
        if encoding == "utf-32":
            guess = " ; il est enregistré en UTF-32"
        elif encoding.startswith("utf-16"):
            guess = " ; il est enregistré en UTF-16 (« Unicode » dans le Bloc-notes)"
        elif b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xd0\xcf\x11\xe0", b"\xff\xd8")):
            return None, [Problem(path, None, None, "fichier binaire (document Word, PDF, image…) et non un texte "
                                  "YAML : ce n'est pas une fiche de la bibliothèque")]
        elif encoding == "cp1252":
            guess = " ; il semble enregistré en Windows-1252 (ANSI)"
        return None, [
            Problem(
                path,
                line,
                None,
                f"le fichier n'est pas en UTF-8 (octet 0x{byte:02X}){guess} : "
                "réenregistrez-le en UTF-8",
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), []


def read_yaml(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse one YAML file; problems are returned, never raised."""
    name = display or str(path)
    try:
        mode = os.stat(path).st_mode  # one call: a large library is ten thousand files
    except OSError as exc:
        if path.is_symlink():
            reason = "lien symbolique vers un fichier absent" if exc.errno == errno.ENOENT else os_reason(exc)
            return YamlDocument(None, problems=[Problem(name, None, None, f"lecture impossible : {reason}")])
        mode = None  # reading says why
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        # Reading a named pipe would wait forever.
        return YamlDocument(None, problems=[Problem(name, None, None, "lecture impossible : fichier spécial (tube, "
                                                    "périphérique), pas un fichier ordinaire")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return YamlDocument(None, problems=[Problem(name, None, None, f"lecture impossible : {os_reason(exc)}")])
    if len(raw) > MAX_BYTES:
        size = f"{len(raw) / 1e6:.1f}".replace(".", ",")
        return YamlDocument(None, problems=[Problem(
            name, None, None, f"fichier trop volumineux ({size} Mo ; au plus {MAX_BYTES // 1_000_000} Mo) : "
            "une référence tient en quelques Ko, est-ce le bon fichier ?")])
    text, problems = decode(raw, name)
    if text is None:
        return YamlDocument(None, problems=problems)
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> YamlDocument:
    doc = YamlDocument(None)
    source_lines = text.split("\n")
    suspect = _SUSPECT.search(text) is not None
    if suspect and (_INVALID_XML.search(text) or _UNPRINTABLE.search(text)):
        for lineno, line in enumerate(source_lines, 1):
            for char in _INVALID_XML.findall(line):
                doc.problems.append(
                    Problem(name, lineno, None, f"{_char_label(char)} U+{ord(char):04X} interdit dans un document Word : supprimez-le")
                )
            for char in _UNPRINTABLE.findall(line):
                doc.problems.append(
                    Problem(name, lineno, None, f"caractère de contrôle U+{ord(char):04X} refusé en YAML "
                            "(souvent un texte mal converti depuis Windows-1252) : supprimez-le ou retapez le caractère")
                )
        return doc
    if not text.strip():
        doc.problems.append(Problem(name, 1, None, "le fichier est vide"))
        return doc
    if suspect and _INVISIBLE.search(text):
        for lineno, line in enumerate(source_lines, 1):
            for char in sorted(set(_INVISIBLE.findall(line))):
                what = _INVISIBLE_NAMES.get(char, "marque de direction du texte")
                doc.problems.append(Problem(
                    name, lineno, None, f"caractère invisible U+{ord(char):04X} ({what}) : il empêche de retrouver "
                    "le texte tapé normalement ; supprimez-le s'il n'est pas voulu", WARNING))
    # PyYAML is loaded here, on first use: a command that finds the whole library in the cache
    # parses no YAML, and importing it is a tenth of its start-up.
    from generator.library import yamlparse

    yamlparse.compose_into(doc, text, name, source_lines)
    return doc


def loc_text(loc: Loc) -> str | None:
    """`('montant', 0, 'valeur')` → "montant[1].valeur" (list items counted from 1)."""
    text = ""
    for part in loc:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def dump_yaml(data: dict) -> str:
    """Human-friendly YAML: keys in the given order, unicode kept, long text as blocks."""
    from generator.library import yamlparse

    return yamlparse.dump_yaml(data)
