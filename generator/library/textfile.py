"""Which encoding a text file was saved in: one guess for the YAML reader (which accepts
only UTF-8 and names the other encodings it finds) and for imported fiches (which reads them all)."""

from __future__ import annotations

import codecs
import re


def guess_encoding(raw: bytes) -> str:
    """utf-8-sig, utf-32, utf-16(-le/-be), utf-8, else cp1252 or mac_roman (never raises)."""
    head = raw[:4000]
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head and head[1::2].count(0) > len(head) * 2 // 5:
        return "utf-16-le"  # without its BOM: every other byte of French text is zero
    if b"\x00" in head and head[0::2].count(0) > len(head) * 2 // 5:
        return "utf-16-be"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        # Windows export, or an old Mac one (« é » is byte 0x8E there, « Ž » in cp1252):
        # the reading with more French accented letters is the right one.
        return max(("cp1252", "mac_roman"), key=lambda name: _french_letters(raw, name))


def _french_letters(raw: bytes, encoding: str) -> int:
    try:
        return len(re.findall("[éèêëàâçîïôûùœ€’«»]", raw.decode(encoding)))
    except UnicodeDecodeError:
        return -1
