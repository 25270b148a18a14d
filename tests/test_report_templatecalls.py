"""Templates call functions through the report's own context exactly as through Jinja's: a plain
function or bound method gets the template's arguments only, one marked @pass_context (or
@pass_environment, @pass_eval_context) still gets what it asks for, a callable object and a macro
take Jinja's path, and a StopIteration still turns into an undefined value, not an ended loop."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import Environment, StrictUndefined, UndefinedError, pass_context, pass_environment
from jinja2.runtime import Context

from servaudit.report import templatecalls
from servaudit.report.render import environment


def plain_env() -> Environment:
    env = Environment(autoescape=True, undefined=StrictUndefined)
    env.context_class = templatecalls.context_class()
    return env


class Greeter:
    def __init__(self, word: str) -> None:
        self.word = word

    def greet(self, name: str, **extra: Any) -> str:
        assert not extra, extra  # Jinja's _loop_vars / _block_vars never reach a plain method
        return f"{self.word} {name}"

    def __call__(self, name: str) -> str:
        return f"{self.word}, {name}!"


@pass_context
def from_context(context: Context, key: str) -> str:
    return str(context[key])


@pass_environment
def from_environment(env: Environment, text: str) -> str:
    return f"{type(env).__name__}:{text}"


def stops() -> str:
    raise StopIteration


TEMPLATE = (
    "{% macro m(x) %}<{{ x }}>{% endmacro %}"
    "{% for n in names %}{{ g.greet(n) }} {{ g(n) }} {{ ctx('who') }} {{ env_of(n) }} {{ m(n) }}"
    " {{ '-'.join([n, n]) }} {{ up(n) }}|{% endfor %}"
    "{% block b %}{{ g.greet('in a block') }} {{ ctx('who') }}{% endblock %}"
)


def test_every_kind_of_callable_renders_as_with_jinjas_own_context() -> None:
    values = {
        "names": ["Ada", "Bo"],
        "g": Greeter("Hi"),
        "ctx": from_context,
        "env_of": from_environment,
        "up": str.upper,
        "who": "me",
    }
    ours = plain_env().from_string(TEMPLATE).render(**values)
    jinjas = Environment(autoescape=True, undefined=StrictUndefined).from_string(TEMPLATE).render(**values)
    assert ours == jinjas
    assert ours.startswith("Hi Ada Hi, Ada! me Environment:Ada <Ada> Ada-Ada ADA|Hi Bo")


def test_a_function_marked_later_is_asked_again_in_a_new_environment() -> None:
    def shout(text: str) -> str:
        return text.upper()

    assert plain_env().from_string("{{ f('a') }}").render(f=shout) == "A"
    marked = pass_context(lambda context, text: f"{context['x']}{text}")
    assert plain_env().from_string("{{ f('a') }}").render(f=marked, x="x") == "xa"


def test_a_stop_iteration_is_an_undefined_value_as_in_jinja() -> None:
    with pytest.raises(UndefinedError, match="StopIteration"):
        plain_env().from_string("{% for i in [1] %}{{ f() }}{% endfor %}").render(f=stops)


def test_the_report_environment_uses_it(tmp_path: Any) -> None:
    env = environment(tmp_path)
    assert issubclass(env.context_class, templatecalls.PlainCallContext)
    assert env.context_class is not environment(tmp_path).context_class  # its memory is its own
