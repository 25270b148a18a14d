"""A template's ``{{ … }}`` shows the same text through the report's environment (page text and
escaping in one call, templateoutput.py) as through Jinja's own compilation: values with characters
to escape, controls and bidi overrides, overlong text, Markup, numbers, None, objects, in plain
output, macros, blocks, {% set %} blocks, filters and includes."""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from servaudit.report.pagetext import MAX_CHARS, page_text, shown
from servaudit.report.templateoutput import ReportEnvironment


class Shown:
    def __str__(self) -> str:
        return "<object & 'more'>"


VALUES: list[Any] = [
    "Company 12",
    "Müller & Söhne <GmbH>",
    'say "hi"',
    "it's",
    "tab\tand\nnewline",
    "bell\x07 and NUL\x00",
    "right\u202eto left",
    "x" * (MAX_CHARS + 5),
    "<" * (MAX_CHARS + 5),
    "",
    Markup("<b>already markup</b>"),
    12,
    3.25,
    None,
    True,
    Shown(),
]

TEMPLATES = {
    "page.html": (
        "{% macro m(x) %}<{{ x }}>{% endmacro %}"
        "{% set caught %}{{ v }}|{{ v }}{% endset %}"
        "{% for v in values %}{{ v }} {{ m(v) }} {{ [v, v] | join('; ') }} {{ v ~ '&' }}"
        "{% filter upper %}{{ v }}{% endfilter %} {% include 'part.html' %}|{% endfor %}"
        "{{ caught }}{% block b %}{{ values[1] }}{% endblock %}"
    ),
    "part.html": "[{{ v }}]",
}


def rendered(kind: type[Environment]) -> str:
    env = kind(
        loader=DictLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=page_text,
    )
    return env.get_template("page.html").render(values=VALUES, v="outer <v>")


def test_output_is_the_same_as_jinjas_own_escape_of_page_text() -> None:
    assert rendered(ReportEnvironment) == rendered(Environment)


def test_shown_gives_the_text_of_escape_and_page_text() -> None:
    for value in VALUES:
        assert str(shown(value)) == str(Markup.escape(page_text(value))), value


def test_the_report_environment_compiles_output_to_one_call() -> None:
    env = ReportEnvironment(autoescape=True, finalize=page_text)
    code = env.compile("{{ v }}", raw=True)
    assert "environment.shown(" in code and "escape(" not in code
    # Without autoescaping (a text template) it compiles as Jinja compiles it.
    assert "environment.shown(" not in ReportEnvironment(finalize=page_text).compile("{{ v }}", raw=True)
