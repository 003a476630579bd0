"""An interrupted command says exactly what it wrote; SIGTERM is handled as Ctrl-C."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from generator import output


def _term_after(count: int):
    """A write_atomic that lets `count` files through, then receives SIGTERM before the next one."""
    real = output.write_atomic
    calls = {"n": 0}

    def write(path, data, **kw):
        calls["n"] += 1
        if calls["n"] > count:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(path, data, **kw)

    return write


@pytest.mark.parametrize("signal_number, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_pdf_interrupted_after_the_docx_says_the_docx_was_written(project, run, monkeypatch, signal_number, code):
    from generator.documents import pdf

    def stopped(documents, progress=lambda: None):
        os.kill(os.getpid(), signal_number)
        raise AssertionError("not reached")

    monkeypatch.setattr(pdf, "to_pdf", stopped)
    previous = signal.getsignal(signal.SIGTERM)
    result = run("build", "--pdf", "-o", "outputs/d.docx")
    assert result.exit_code == code, result.output
    assert "aucun fichier n'a été modifié" not in result.output
    assert "Interrompu : 1 fichier écrit avant l'interruption" in result.output
    assert "  outputs/d.docx" in result.output
    assert signal.getsignal(signal.SIGTERM) == previous  # the handler is the command's only


def test_an_interrupted_import_lists_the_files_written(project, run, monkeypatch):
    fiches = []
    for n in range(5):
        path = project / f"f{n}.txt"
        path.write_text(f"Étude numéro {n} de Bondy\n\nMaître d'ouvrage: Ville de Bondy\n\nAnnée: 2021\n", encoding="utf-8")
        fiches.append(str(path))
    monkeypatch.setattr(output, "write_atomic", _term_after(3))
    import generator.frontends.cli  # noqa: F401 - the command imports write_atomic from output at call time

    result = run("import", *fiches)
    assert result.exit_code == 143, result.output
    written = sorted((project / "references" / "missions").glob("2021-etude-numero-*.yaml"))
    assert len(written) == 3
    assert "Interrompu : 3 fichiers écrits avant l'interruption" in result.output
    for path in written:
        assert str(path.relative_to(project)) in result.output
    assert not [p for p in (project / "references" / "missions").iterdir() if p.name.endswith(".tmp")]


def test_nothing_written_says_so(project, run, monkeypatch):
    from generator.documents import build

    def stopped(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(build, "dossier", stopped)
    result = run("build")
    assert result.exit_code == 143
    assert "Interrompu : aucun fichier n'a été modifié." in result.output


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "d.docx"
    target.write_bytes(b"previous")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    output.forget_written()
    with pytest.raises(KeyboardInterrupt):
        output.write_atomic(target, b"new")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["d.docx"]
    assert output.written_files() == []


def test_libreoffice_never_sees_the_user_s_file_name(project, monkeypatch, tmp_path):
    from generator.documents import pdf

    seen = []
    monkeypatch.setattr(pdf, "soffice", lambda: "soffice")
    monkeypatch.setattr(pdf, "_prepare_profile", lambda executable, profile: None)

    def fake_run(command, name):
        seen.append(command[-1])
        source = Path(command[-1].split('("')[1].split('"')[0])
        source.with_suffix(".pdf").write_bytes(b"%PDF /Type /Pages /Count 1")

    monkeypatch.setattr(pdf, "_run", fake_run)
    docx = tmp_path / 'a%41 "b" ; rm.docx'
    docx.write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    written = pdf.to_pdf([docx])
    assert written == [docx.with_suffix(".pdf")]
    assert "%41" not in seen[0] and "rm" not in seen[0]
    assert not [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("dossier-pdf-*") if p.stat().st_uid == os.getuid()
                and str(p) in seen[0]]
