#!/usr/bin/env bash
# System packages the PDF export (--pdf) and the tests need: LibreOffice (headless), the
# fonts the templates use, French hyphenation patterns (justified paragraphs in the PDF),
# poppler to read PDFs back, and Chromium for the web page's
# browser tests. Debian/Ubuntu only; installs only what is missing.
set -euo pipefail
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui fonts-liberation2 fonts-dejavu-core)
command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
[ -e /usr/share/hyphen/hyph_fr.dic ] || missing+=(hyphen-fr)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "paquets absents et apt-get indisponible : installez ${missing[*]} (LibreOffice pour l'export PDF, Chromium pour les tests de la page web)." >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
