"""How a mission or a production file is named: the shipped library's id rule, used by
`dossier new`, the import of existing fiches and the web page's new records alike."""

from __future__ import annotations

from generator.library.vocabulary import GRAMMAR_WORDS, fold

ID_WORDS = 6
# The bounds of a generated id: a 300-letter « word » in a title must not stop an import
# (« nom de fichier trop long »).
MAX_WORD = 30
MAX_ID = 80


def slug_words(text: str, limit: int = ID_WORDS) -> list[str]:
    return [w for w in fold(text).split() if w not in GRAMMAR_WORDS][:limit]


def id_for(titre: str, debut: int | None) -> str:
    """`{start year}-{first 6 significant words of the title}`, the shipped files' rule."""
    words = [word[:MAX_WORD] for word in slug_words(titre)]
    ident = "-".join([str(debut), *words] if debut is not None else words)
    while len(ident) > MAX_ID and "-" in ident:  # a file name has a bounded length: drop whole words
        ident = ident.rsplit("-", 1)[0]
    return ident[:MAX_ID] or "mission"


def mission_id(record: dict) -> str:
    """The id of a mission record (see `id_for`)."""
    return id_for(record["titre"], (record.get("annees") or {}).get("debut"))


def production_id(record: dict) -> str:
    """`fiche-{number}-{first 6 significant words of the title}`."""
    words = slug_words(record["titre"])
    if record.get("numero"):
        words = ["fiche", *fold(record["numero"]).split(), *words]
    return "-".join(words) or "production"
