"""What the form's page shows (its visible text, the fields the browser finds invalid, its submit button)
and how long the probe waits for it."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import ElementHandle, Frame, Page
from playwright.async_api import Error as PlaywrightError

from servaudit.channels.form.vocabulary import FormVocabulary, contains, words_of

TEXT_JS = "() => document.body ? document.body.innerText : ''"
INVALID_JS = """(index) => {
  const form = document.forms[index];
  if (!form) return [];
  return [...form.elements].filter((el) => el.willValidate && !el.checkValidity()).map((el) => {
    const label = el.labels && el.labels.length ? el.labels[0].innerText : (el.name || el.id);
    return (label || '').trim() + ': ' + el.validationMessage;
  });
}"""
_TEXT = "(el.innerText || el.value || el.getAttribute('aria-label') || '').trim()"
_BUTTONS = "button, input[type=submit], input[type=image], [role=button]"
_BUTTONS_JS = """(elements) => elements.map((el) => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const form = el.form || el.closest('form');
  return {
    text: __TEXT__,
    submit: (el.tagName === 'BUTTON' && (el.getAttribute('type') || 'submit') === 'submit')
      || (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'image')),
    visible: r.width > 2 && r.height > 2 && style.visibility !== 'hidden' && style.display !== 'none',
    form: form ? [...document.forms].indexOf(form) : -1,
  };
})""".replace("__TEXT__", _TEXT)


class BrowserGone(Exception):
    """Our own Chromium died: nothing about the company can be concluded."""


@dataclass
class Timing:
    """How long the probe waits for things; tests shorten them, typing stays human."""

    form_appears: float = 10.0
    """Seconds to wait for a form rendered by JavaScript."""
    submit_completes: float = 30.0
    no_request: float = 2.5
    """Seconds after the click with no request at all before concluding nothing will be sent."""
    settle: float = 0.5
    """Seconds without network activity that count as "the page is done"."""
    keystroke_ms: tuple[float, float] = (25.0, 70.0)
    """Pause between keystrokes, drawn once per field, unless the audit's form settings say otherwise."""
    page_load: float = 30.0


async def find_button(frame: Frame, form: int, vocabulary: FormVocabulary) -> ElementHandle | None:
    handles = await frame.query_selector_all(_BUTTONS)
    if not handles:
        return None
    infos = await frame.evaluate(_BUTTONS_JS, handles)
    best: tuple[int, ElementHandle] | None = None
    for handle, info in zip(handles, infos, strict=True):
        if not info["visible"] or (form >= 0 and info["form"] != form):
            continue
        text = words_of(str(info["text"]))
        points = (2 if info["submit"] and form >= 0 else 0) + (
            1 if any(contains(text, word) for word in vocabulary.submit) else 0
        )
        if points and (best is None or points > best[0]):
            best = (points, handle)
    return best[1] if best else None


async def form_buttons(frame: Frame, form: int) -> list[str]:
    """The texts of the visible buttons of form number ``form`` in ``frame``."""
    handles = await frame.query_selector_all(_BUTTONS)
    if not handles:
        return []
    infos = await frame.evaluate(_BUTTONS_JS, handles)
    return [str(info["text"]) for info in infos if info["visible"] and info["form"] == form and info["text"]]


async def button_text(button: ElementHandle) -> str:
    return str(await button.evaluate(f"(el) => {_TEXT}"))


async def page_lines(page: Page) -> tuple[str, ...]:
    """The visible text of every frame, line by line."""
    lines: list[str] = []
    for frame in page.frames:
        try:
            text = await frame.evaluate(TEXT_JS)
        except PlaywrightError:
            continue
        lines.extend(" ".join(line.split()) for line in str(text).splitlines() if line.strip())
    return tuple(lines)
