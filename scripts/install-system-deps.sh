#!/usr/bin/env bash
# System packages the PDF export (--pdf) and its tests need: LibreOffice (headless), the
# fonts the templates use, French hyphenation patterns (justified paragraphs), and poppler
# to read PDFs back. Debian/Ubuntu only; does
# nothing when LibreOffice is already there.
set -euo pipefail
if command -v soffice >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 && [ -e /usr/share/hyphen/hyph_fr.dic ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "LibreOffice absent et apt-get indisponible : installez LibreOffice pour l'export PDF." >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-writer-nogui poppler-utils fonts-liberation2 fonts-dejavu-core hyphen-fr >/dev/null
