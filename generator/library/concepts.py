"""The table of the field's notions (concepts.yaml next to this module), extended by the firm's
own `references/concepts.yaml`: read and validated like any library file, then merged.

Ranking matches the expressions of each notion; `check` reports what is wrong in the firm's
file, and a command that ranks stops on it, both with file:line: field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, RootModel, model_validator

from generator.errors import Problem
from generator.library.loader import display_path
from generator.library.models import Model
from generator.library.validation import validate
from generator.library.yamlio import read_yaml

DEFAULT_CONCEPTS = Path(__file__).resolve().parent / "concepts.yaml"
FIRM_FILE = "concepts.yaml"  # in the library folder (references/)

# notion key → (label, expressions)
Table = dict[str, tuple[str, list[str]]]

_EMPTY = "notion vide : listez ses « expressions » (les façons de l'écrire dans un texte)"


class Notion(Model):
    """One notion and the ways a text writes it."""

    libelle: str | None = Field(None, description="Ce que lit l'utilisateur (ex. GUP (gestion urbaine de proximité))")
    expressions: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="Sigles, expressions et paraphrases qui désignent la notion")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value):
        if value is None:
            raise ValueError(_EMPTY)
        if isinstance(value, str):
            raise ValueError("attendu : « libelle » (texte) et « expressions » (liste)")
        return {"expressions": value} if isinstance(value, list) else value  # key: [expressions]

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.libelle and not self.expressions:
            raise ValueError(_EMPTY)
        return self


class Notions(RootModel[dict[str, Notion]]):
    """A concept table file: one notion per key."""


def read_table(path: Path, base: Table | None = None) -> tuple[Table, list[Problem]]:
    """`base` extended by the notions of the file at `path`, and every problem of that file."""
    name = display_path(path)
    doc = read_yaml(path, name)
    found, errors = validate(doc, Notions, name, "une notion par clé, avec « libelle » et « expressions »")
    problems = [p for p in doc.problems if not p.is_error] + errors
    table = dict(base or {})
    for key, notion in (found.root if found is not None else {}).items():
        if not notion.expressions and key not in table:
            # A label alone renames a notion of the field; a new one needs words to be found by.
            problems.append(Problem(name, doc.line_of((key,)), key, "nouvelle notion sans « expressions » : "
                                    "rien ne la reconnaîtrait dans un texte"))
            continue
        label, known = table.get(key, (None, []))
        table[key] = (notion.libelle or label or key, [*known, *notion.expressions])
    return table, problems


def firm_table(root: Path | None) -> Path | None:
    """The firm's concepts.yaml in the library folder `root`, when there is one."""
    path = root / FIRM_FILE if root is not None else None
    return path if path is not None and path.is_file() else None


def concept_problems(root: Path) -> list[Problem]:
    """What `check` says of the firm's concept table: nothing when it is absent or valid."""
    path = firm_table(root)
    if path is None:
        return []
    base, _ = read_table(DEFAULT_CONCEPTS)
    return read_table(path, base)[1]
