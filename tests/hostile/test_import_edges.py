"""Import edges: another mission with the same id, long words, bombs, mixed encodings, macros."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

EST_ENSEMBLE = "references/missions/2018-amo-coordination-montage-operationnel-financier-12.yaml"

FICHE = """{titre}

Type de mission: Stratégie et montage de projets

Maître d'ouvrage: {client}

Année: {annees}

Montant de la mission: 10 000 € HT
"""


def _fiche(project: Path, name: str, **fields) -> Path:
    path = project / name
    path.write_text(FICHE.format(**fields), encoding="utf-8")
    return path


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
@pytest.mark.parametrize("titre, client, annees", [
    ("AMO en vue de la coordination et du montage opérationnel et financier des 12 NPRU de Pantin", "Ville de Pantin",
     "2018 - 2021"),
    ("AMO en vue de la coordination et du montage opérationnel et financier des 12 NPRU d'Est Ensemble",
     "Ville de Pantin", "2018 - 2021"),
    ("AMO en vue de la coordination et du montage opérationnel et financier des 12 NPRU d'Est Ensemble",
     "Est Ensemble", "2018 - 2019"),
])
def test_a_different_mission_with_the_same_id_never_replaces_it(project, run, overwrite, titre, client, annees):
    shipped = (project / EST_ENSEMBLE).read_bytes()
    fiche = _fiche(project, "autre.txt", titre=titre, client=client, annees=annees)
    result = run("import", str(fiche), *overwrite)
    assert result.exit_code == 0, result.output
    assert (project / EST_ENSEMBLE).read_bytes() == shipped
    other = project / EST_ENSEMBLE.replace(".yaml", "-2.yaml")
    assert other.is_file()
    assert client in other.read_text(encoding="utf-8")
    assert "déjà pris par" in result.output


def test_overwrite_replaces_the_same_mission(project, run):
    fiche = _fiche(project, "meme.txt", titre="AMO en vue de la coordination et du montage opérationnel et financier "
                   "des 12 NPRU d'Est Ensemble", client="Est Ensemble", annees="2018 - 2021")
    before = (project / EST_ENSEMBLE).read_bytes()
    assert run("import", str(fiche)).exit_code == 0
    assert (project / EST_ENSEMBLE).read_bytes() == before  # kept without --overwrite
    assert run("import", str(fiche), "--overwrite").exit_code == 0
    assert "10000" in (project / EST_ENSEMBLE).read_text(encoding="utf-8")
    assert not (project / EST_ENSEMBLE.replace(".yaml", "-2.yaml")).exists()


def test_a_300_letter_word_does_not_stop_the_batch(project, run):
    long = _fiche(project, "long.txt", titre="Étude " + "x" * 300 + " urbaine", client="Ville", annees="2020")
    normal = _fiche(project, "normal.txt", titre="Étude sociale de Bondy", client="Ville de Bondy", annees="2021")
    result = run("import", str(long), str(normal))
    assert result.exit_code == 0, result.output
    names = [p.name for p in (project / "references" / "missions").iterdir()]
    assert "2021-etude-sociale-bondy.yaml" in names
    assert all(len(name) <= 90 for name in names)
    assert any(name.startswith("2020-etude-xxx") for name in names)


# --- Word files that explode, or are not what they say --------------------------------------

def _docx(document_xml: bytes, *, extra: dict[str, bytes] | None = None, macro: bool = False) -> bytes:
    """A minimal Word package around `document_xml` (deflated as Word does)."""
    main = ("application/vnd.ms-word.document.macroEnabled.main+xml" if macro else
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" '
             'ContentType="application/vnd.ms-office.vbaProject"/>'
             f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", rels)
        package.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def _body(paragraphs: list[str]) -> bytes:
    runs = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>" for p in paragraphs)
    return ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body>{runs}</w:body></w:document>').encode("utf-8")


FICHE_PARAGRAPHS = ["Étude urbaine de Bondy", "", "Maître d'ouvrage : Ville de Bondy", "Année : 2021",
                    "Montant de la mission : 10 000 € HT"]


@pytest.mark.parametrize("name, package, said", [
    ("ratio.docx", lambda: _docx(_body(FICHE_PARAGRAPHS), extra={"word/media/x.xml": b" " * 3_000_000}),
     "anormalement compressé"),
    ("texte.docx", lambda: _docx(_body(FICHE_PARAGRAPHS[:1] + ["<!-- -->" + " " * 11_000_000])),
     "se décompresse en 11 Mo"),
    ("parties.docx", lambda: _docx(_body(FICHE_PARAGRAPHS), extra={f"word/x{i}.xml": b"<a/>" for i in range(1001)}),
     "1004 parties"),
    ("paragraphes.docx", lambda: _docx(_body(FICHE_PARAGRAPHS + [f"ligne {i} " + "x" * 40 for i in range(60_000)])),
     "Mo de texte"),
])
def test_word_bombs_are_refused_before_reading_and_the_batch_goes_on(project, run, name, package, said):
    bomb = project / name
    bomb.write_bytes(package())
    assert bomb.stat().st_size < 2_000_000
    normal = _fiche(project, "normal.txt", titre="Étude sociale de Bondy", client="Ville de Bondy", annees="2021")
    before = sorted(p.name for p in (project / "references" / "missions").iterdir())
    result = run("import", str(bomb), str(normal))
    assert said in result.output, result.output
    after = sorted(p.name for p in (project / "references" / "missions").iterdir())
    assert sorted(set(after) - set(before)) == ["2021-etude-sociale-bondy.yaml"]
    assert run("check").exit_code in (0, 2) and "Mo" not in run("check").output


def test_a_docm_is_read_without_its_macros(project, run):
    fiche = project / "fiche.docm"
    fiche.write_bytes(_docx(_body(FICHE_PARAGRAPHS), extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}, macro=True))
    result = run("import", str(fiche))
    assert result.exit_code == 0, result.output
    assert "lu sans ses macros" in result.output
    written = (project / "references" / "missions" / "2021-etude-urbaine-bondy.yaml").read_text(encoding="utf-8")
    assert "Ville de Bondy" in written and "macro" not in written


def test_a_utf8_fiche_with_one_windows_line_is_read_line_by_line(project, run):
    fiche = project / "mixte.txt"
    fiche.write_bytes("Étude urbaine à Créteil\n\nMaître d'ouvrage: Ville de Créteil\n\nAnnée: 2021\n\n".encode("utf-8")
                      + "Type de mission: Étude pré-opérationnelle\n".encode("cp1252"))
    result = run("import", str(fiche))
    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.output and "mélangeant deux encodages" in result.output
    written = next((project / "references" / "missions").glob("2021-etude-urbaine-creteil*.yaml")).read_text(encoding="utf-8")
    assert "Étude urbaine à Créteil" in written and "Étude pré-opérationnelle" in written and "Ã" not in written


# --- a template whose table of contents Word updated (one paragraph per entry) --------------

def test_a_toc_saved_by_word_over_several_paragraphs_builds(project, run):
    from copy import deepcopy

    from docx import Document
    from docx.oxml.ns import qn

    from conftest import docx_text

    template = project / "templates" / "dossier-word.docx"
    document = Document(str(project / "templates" / "dossier.docx"))
    instr = next(i for i in document.element.body.iter(qn("w:instrText")) if (i.text or "").strip().startswith("TOC"))
    first = next(instr.iterancestors(qn("w:p")))
    end = next(r for r in first.iter(qn("w:r")) if r.find(qn("w:fldChar")) is not None
               and r.find(qn("w:fldChar")).get(qn("w:fldCharType")) == "end")
    previous = first
    for title in ("Présentation du cabinet\t3", "Références\t5"):
        entry = deepcopy(first)
        for child in list(entry):
            if child.tag != qn("w:pPr"):
                entry.remove(child)
        link = entry.makeelement(qn("w:hyperlink"), {qn("w:anchor"): "_Toc1"})
        for kind in ("begin", None, "separate", "text", "end"):
            r = entry.makeelement(qn("w:r"), {})
            if kind == "text":
                t = r.makeelement(qn("w:t"), {})
                t.text = title
                r.append(t)
            elif kind is None:
                t = r.makeelement(qn("w:instrText"), {})
                t.text = " PAGEREF _Toc1 \\h "
                r.append(t)
            else:
                r.append(r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind}))
            link.append(r)
        entry.append(link)
        previous.addnext(entry)
        previous = entry
    first.remove(end)
    closing = deepcopy(previous)
    for child in list(closing):
        if child.tag != qn("w:pPr"):
            closing.remove(child)
    closing.append(end)
    previous.addnext(closing)
    document.save(str(template))
    assert run("templates", "check", str(template), "--kind", "dossier").exit_code == 0
    result = run("build", "--template", str(template), "-o", "out.docx")
    assert result.exit_code == 0, result.output
    text = docx_text(project / "out.docx")
    assert "Références\t5" not in text  # Word's stale entries are replaced by the document's headings
    assert run("check").exit_code in (0, 2)
