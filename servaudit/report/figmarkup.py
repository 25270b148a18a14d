"""The figure markup every page repeats thousands of times, written in Python instead of Jinja macros.

``fig``, ``rate``, ``time`` and ``part`` give the very markup the macros of macros.html gave (each
value through page_text, then escaped, as a template expression would be); Jinja's macro calls
were most of a company page's rendering time at study size. Templates get them as globals.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from servaudit.report.pagetext import shown
from servaudit.report.viewmodels import KINDS, Fig, FigureView

_text = shown
"""``value`` as a template expression shows it (each value of the markup below)."""


def _markup(html: str) -> Markup:
    """``Markup(html)`` for a plain string, without Markup's check for an ``__html__`` method (a
    study's pages make some 360,000 of these)."""
    return str.__new__(Markup, html)


def fig(f: Fig) -> Markup:
    """One figure, with the data-key of its place in report.json."""
    kind = f.kind
    if kind not in KINDS:  # the kinds views give hold nothing to escape: shown as they are
        kind = _text(kind)
    return _markup(f'<span class="fig" data-key="{_text(f.key)}" data-format="{kind}">{_text(f.text)}</span>')


def figure_markup(t: Callable[..., str]) -> dict[str, Callable[..., Markup]]:
    """The template globals, in the language of ``t``."""

    def interval(v: FigureView, shown: str, low: str, high: str) -> str:
        if v.raw(shown) is None:
            return ""
        return f" · {_text(t('figure.ci'))} {fig(v[low])}–{fig(v[high])}"

    def rate(v: FigureView, name: str, count: str) -> Markup:
        """A rate with its numerator/denominator and 95% Wilson interval."""
        ci = interval(v, name + "_rate", name + "_rate_low", name + "_rate_high")
        return _markup(
            f'{fig(v[name + "_rate"])} <span class="n">{fig(v[count])}/{fig(v["delivered"])}{ci}</span>'
        )

    def time(v: FigureView, name: str, count: str) -> Markup:
        """A time figure with its n."""
        return _markup(f'{fig(v[name])} <span class="n">n={fig(v[count])}</span>')

    def part(v: FigureView, name: str) -> Markup:
        """A share with its count/denominator and 95% Wilson interval ({count, of, share, low, high})."""
        p = name + "." if name else ""
        ci = interval(v, p + "share", p + "low", p + "high")
        return _markup(
            f'{fig(v[p + "share"])} <span class="n">{fig(v[p + "count"])}/{fig(v[p + "of"])}{ci}</span>'
        )

    return {"fig": fig, "rate": rate, "time": time, "part": part}
