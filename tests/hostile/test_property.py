"""Any Unicode text in any text field: a sound DOCX that contains it, or a clear error (exit 2).

Never a traceback, never a document python-docx cannot open, never a silent loss.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from generator.frontends.cli import cli
from generator.documents.verify import document_text
from generator.library.yamlio import dump_yaml

# Every free-text field of a mission, with how the YAML holds it.
FIELDS = ("titre", "maitre_ouvrage", "type", "directeur", "referent", "programme", "source", "enjeux",
          "contenu", "acteurs", "sites", "consultants", "equipe")
LISTS = {"contenu", "acteurs", "sites", "consultants"}


def _mission(field: str, text: str) -> dict:
    data = {"titre": "Mission témoin", "maitre_ouvrage": "Ville témoin", "annees": "2024", "montant": "1000"}
    if field in LISTS:
        data[field] = [text]
    elif field == "equipe":
        data[field] = [{"nom": text}]
    else:
        data[field] = text
    return data


def _printed(text: str) -> str:
    """What the document shows of a text: NFC, French typography (’, no-break spaces, periods
    that never break), line ends and runs of spaces as one space."""
    from generator.library.formatting import typeset

    return " ".join(typeset(" ".join(unicodedata.normalize("NFC", text).split())).split())


@settings(max_examples=int(os.environ.get("DOSSIER_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), text=st.text())
def test_any_text_in_any_field(tmp_path_factory, field, text):
    root = tmp_path_factory.mktemp("p")
    (root / "references" / "missions").mkdir(parents=True)
    shutil.copy(ROOT / "references" / "cabinet.yaml", root / "references")
    # A text editor may write any code point; lone surrogates become bytes that are not UTF-8.
    (root / "references" / "missions" / "zz-temoin.yaml").write_bytes(
        dump_yaml(_mission(field, text)).encode("utf-8", "surrogatepass")
    )
    target = root / "out.docx"
    result = CliRunner().invoke(cli, ["build", "-r", str(root / "references"), "--templates", str(root / "none"),
                                      "--id", "zz-temoin", "-o", str(target)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        Document(str(target))
        shown = _printed(text)
        if shown:
            assert shown in " ".join(document_text(target.read_bytes()).split())
    else:
        assert result.exit_code == 2, result.output
        assert "zz-temoin.yaml:" in result.output
        assert not target.exists()


def test_a_text_full_of_xml_and_jinja_survives(project, run):
    text = "<Lieux> & « Territoires » {{ cabinet.nom }} {% if x %} ]]> \u00a0\u202f😀 e\u0301té"
    path = Path("references/missions/zz-temoin.yaml")
    path.write_text(dump_yaml(_mission("contenu", text)), encoding="utf-8")
    result = run("build", "--id", "zz-temoin", "-o", "outputs/t.docx")
    assert result.exit_code == 0, result.output
    assert _printed(text) in " ".join(document_text(Path("outputs/t.docx").read_bytes()).split())
