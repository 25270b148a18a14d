"""A template's ``{{ … }}`` shows the same text through the report's environment (page text and
escaping in one call, messages with constant arguments looked up at compile time; templateoutput.py)
as through Jinja's own compilation: values with characters to escape, controls and bidi overrides,
overlong text, Markup, numbers, None, objects, in plain output, macros, blocks, {% set %} blocks,
filters and includes; and a message whose name means something else where it is shown."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from servaudit.errors import ConfigError
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
        "{{ t('plain') }} {{ t('amp') }} {{ t_or('none', 'a <fallback>') }} {{ t_or('plain', 'x') }}"
        "{% macro again(t) %}{{ t('plain') }}{% endmacro %}{{ again(shout) }}"
        "{% include 'shadowed.html' %}{% include 'given.html' %}"
    ),
    "part.html": "[{{ v }} {{ t('plain') }}]",
    "shadowed.html": "{% set t = shout %}{{ t('plain') }}|{% for t in [shout] %}{{ t('amp') }}{% endfor %}",
    "given.html": "{% with t = shout %}{{ t('plain') }}{% endwith %}{{ t('plain') }}",
}
MESSAGES = {"plain": "Antwort nach", "amp": "Fragen & <Antworten>"}


def message(key: str) -> str:
    try:
        return MESSAGES[key]
    except KeyError:
        raise ConfigError(f"message {key!r} is missing") from None


def message_or(key: str, default: str) -> str:
    return MESSAGES.get(key, default)


def shout(key: str) -> str:
    return key.upper() + " & more"


def environment(kind: type[Environment], templates: dict[str, str] = TEMPLATES) -> Environment:
    env = kind(
        loader=DictLoader(templates),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=page_text,
    )
    env.globals.update(t=message, t_or=message_or, shout=shout)
    return env


def rendered(kind: type[Environment], **values: Any) -> str:
    page = environment(kind).get_template("page.html")
    return page.render(values=VALUES, v="outer <v>", **values)


def test_output_is_the_same_as_jinjas_own_escape_of_page_text() -> None:
    assert rendered(ReportEnvironment) == rendered(Environment)
    assert "Antwort nach" in rendered(ReportEnvironment) and "PLAIN &amp; more" in rendered(ReportEnvironment)


def test_a_message_given_under_another_meaning_is_called_not_taken_from_compile_time() -> None:
    # t given to render (it wins over the global), as a template may be given anything.
    assert rendered(ReportEnvironment, t=shout) == rendered(Environment, t=shout)
    assert rendered(ReportEnvironment, t=shout).count("Antwort nach") == 1, "t_or's only"


def test_a_missing_message_fails_where_it_is_shown_not_when_compiled() -> None:
    templates = {"page.html": "{% if show %}{{ t('nowhere') }}{% endif %}{{ t('plain') }}"}
    page = environment(ReportEnvironment, templates).get_template("page.html")
    assert page.render(show=False) == "Antwort nach"
    with pytest.raises(ConfigError, match="nowhere"):
        page.render(show=True)


def test_shown_gives_the_text_of_escape_and_page_text() -> None:
    for value in VALUES:
        assert str(shown(value)) == str(Markup.escape(page_text(value))), value


def test_the_report_environment_compiles_output_to_one_call() -> None:
    env = ReportEnvironment(autoescape=True, finalize=page_text)
    code = env.compile("{{ v }}", raw=True)
    assert "environment.shown(" in code and "escape(" not in code
    env.globals["t"] = message
    folded = env.compile("{{ t('amp') }}", raw=True)
    assert repr("Fragen &amp; &lt;Antworten&gt;") in folded and "environment.folded[0]" in folded
    # Without autoescaping (a text template) it compiles as Jinja compiles it.
    assert "environment.shown(" not in ReportEnvironment(finalize=page_text).compile("{{ v }}", raw=True)
