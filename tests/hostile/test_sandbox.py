"""A Word template is an input from outside: it may not run code, change data or exhaust the machine.

Every hostile template is refused with exit 3, a French message, nothing written, and
`templates check` reports the ones it can see before rendering.
"""

from __future__ import annotations

import pytest

from .test_templates import make_template

ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('touch pwned.txt').read() }}",
    "{{ joiner.__init__.__globals__['os'].system('touch pwned.txt') }}",
    "{{ namespace.__init__.__globals__.os.popen('touch pwned.txt') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cabinet|attr('__class__') }}",
    "{{ cabinet['__class__'] }}",
    "{{ self._TemplateReference__context }}",
    "{{ references.append(1) }}",
]

EXHAUSTING = [
    "{{ range(10**8)|list|length }}",
    "{% for i in range(10**12) %}x{% endfor %}",
    "{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}",
    "{{ 'a' * 10**9 }}",
    "{{ 'x'|center(10**9) }}",
    "{{ ('x' * 99999)|replace('', 'y' * 999) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{% macro f(s, n) %}{{ f(s ~ s, n - 1) if n else s|length }}{% endmacro %}{{ f('ab', 60) }}",
    "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
    "{{ ('y' * 9999).join(range(9999)|map('string')) }}",
    "{{ (range(9999)|list) * 100000 }}",
]


@pytest.mark.parametrize("tag", ESCAPES + EXHAUSTING)
def test_build_refuses_a_hostile_template_and_writes_nothing(project, run, tag):
    make_template(project / "templates" / "dossier.docx", [[tag]])
    target = project / "outputs" / "dossier.docx"
    result = run("build", "-o", str(target))
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert result.output.splitlines()[-1].startswith("Erreur : templates/dossier.docx : ")
    assert not target.exists()
    assert not (project / "pwned.txt").exists()


@pytest.mark.parametrize("tag", ESCAPES[:2] + EXHAUSTING[:2])
def test_check_renders_templates_in_the_sandbox(project, run, tag):
    make_template(project / "templates" / "dossier.docx", [[tag]])
    result = run("check")
    assert result.exit_code == 2, result.output  # check's code for any error it lists
    assert "templates/dossier.docx: refusé" in result.output
    assert not (project / "pwned.txt").exists()


@pytest.mark.parametrize("tag, said", [
    (ESCAPES[0], "accès à « __globals__ », interdit dans un modèle"),
    (ESCAPES[4], "accès à « __class__ », interdit dans un modèle"),
    (ESCAPES[5], "accès à « __class__ », interdit dans un modèle"),
    (ESCAPES[7], "« .append() » modifie les données"),
    (EXHAUSTING[0], "boucle sur 100000000 nombres (au plus 10000)"),
    (EXHAUSTING[1], "boucle sur 1000000000000 nombres (au plus 10000)"),
])
def test_templates_check_reports_what_the_sandbox_refuses(project, run, tag, said):
    make_template(project / "t.docx", [[tag]])
    result = run("templates", "check", "t.docx")
    assert result.exit_code == 3, result.output
    assert f"{said} : refusé par le bac à sable des modèles (rien ne serait écrit)" in result.output
    assert "aucun problème" not in result.output


def test_a_normal_template_still_uses_loops_filters_and_namespaces(project, run):
    make_template(project / "normal.docx", [
        ["{% set ns = namespace(n=0) %}{% for r in references %}{% set ns.n = ns.n + 1 %}{% endfor %}"],
        ["{{ ns.n }} références : {{ references|map(attribute='titre')|map('upper')|join(' / ')|truncate(5000) }}"],
        ["{{ '%s' % cabinet.nom }} {{ '{}'.format(cabinet.nom)|center(80) }}"],
    ])
    target = project / "out.docx"
    result = run("build", "--template", "normal.docx", "-o", str(target))
    assert result.exit_code == 0, result.output
    from conftest import docx_text

    text = docx_text(target)
    assert "4 références : " in text
    assert "MISSION D’APPUI" in text
