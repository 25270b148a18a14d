"""Accessibility of a contact channel, checked on the page the probe is on (``[audit] accessibility``).

Two checks, both without a second send:

- axe-core (the copy bundled by axe-playwright-python) scans the page before the probe types anything
  (the form's frame; the chat's frames once the widget is open), limited to the WCAG 2.x A/AA rules. Each
  violation keeps its rule, the WCAG success criteria its tags name (``wcag131`` → 1.3.1) and the
  failing elements' selectors and markup, cut short.
- A keyboard-only walk: the probe moves with Tab and types, presses Space or Enter, never clicks.
  ``KeyboardWalk`` records each step it could take and the first place the keyboard could not get
  through (a control Tab never reaches, a focus that stays put or circles: a keyboard trap); the probe
  then falls back to its usual way for the rest, so there is still exactly one submission.

Automated checks find only part of what WCAG asks; the report says so.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import ElementHandle, Frame, Page
from playwright.async_api import Error as PlaywrightError

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
"""The rule sets scanned: WCAG 2.0, 2.1 and 2.2, levels A and AA (what EN 301 549 and so BFSG refer to)."""
SNIPPET_CHARS = 200
NODES_KEPT = 5
TAB_LIMIT = 80
"""Tab presses the walk allows itself to reach one control: more than any contact page needs."""

_CRITERION = re.compile(r"^wcag(\d)(\d)(\d{1,2})$")

_FOCUS_JS = """(targets) => {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  const page = document.body, root = document.documentElement;
  const focused = document.hasFocus() && active && active !== page && active !== root;
  if (!focused) return {index: -1, at: ''};
  const index = targets.findIndex((t) => t === active || (t && t.contains && t.contains(active)));
  const id = active.id ? '#' + active.id : '';
  const named = active.getAttribute('name');
  const name = !active.id && named ? '[name="' + named + '"]' : '';
  const place = [...document.querySelectorAll('*')].indexOf(active);
  return {index, at: active.tagName.toLowerCase() + id + name + '@' + place};
}"""
"""Which of ``targets`` holds the keyboard focus (-1: none of them) and where the focus is; '' when it
is on no element of this frame's document (the body, or another frame)."""


def criteria(tags: list[str]) -> list[str]:
    """The WCAG success criteria named by axe's tags: wcag111 → 1.1.1, wcag1410 → 1.4.10."""
    found = []
    for tag in tags:
        match = _CRITERION.match(tag)
        if match:
            found.append(".".join(match.groups()))
    return found


async def axe_scan(frame: Page | Frame) -> dict[str, Any]:
    """axe-core's WCAG A/AA violations in ``frame``: {"url", "violations": [...]}, or {"error"}."""
    from axe_playwright_python.async_playwright import Axe

    url = frame.url
    try:
        await frame.evaluate(Axe().axe_script)
        raw = await frame.evaluate(
            "(tags) => axe.run(document,"
            " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            list(AXE_TAGS),
        )
    except PlaywrightError as exc:
        return {"url": url, "error": (str(exc).strip().splitlines() or ["axe failed"])[0]}
    finally:
        # The page's own scripts share its window: leave no global behind that names a checking tool.
        with contextlib.suppress(PlaywrightError):
            await frame.evaluate("() => { delete window.axe; }")
    violations = []
    for item in raw.get("violations", ()):
        nodes = item.get("nodes", ())
        violations.append(
            {
                "rule": item.get("id", ""),
                "impact": item.get("impact") or "",
                "help": item.get("help", ""),
                "criteria": criteria(list(item.get("tags", ()))),
                "nodes": [
                    {
                        "target": _selector(node.get("target", ())),
                        "html": str(node.get("html", ""))[:SNIPPET_CHARS],
                    }
                    for node in nodes[:NODES_KEPT]
                ],
                "count": len(nodes),
            }
        )
    return {"url": url, "engine": f"axe-core {raw.get('testEngine', {}).get('version', '')}".strip(),
            "violations": violations}  # fmt: skip


_MARK_JS = """([targets, before]) => targets.map((target, i) => {
  let el = null;
  try { el = document.querySelector(target); } catch (e) { return ''; }
  if (!el) return '';
  const was = el.style.outline;
  el.style.outline = before ? before[i] : '3px solid #d00000';
  return was;
})"""
"""Outlines the elements (``before`` None) and returns their own outlines; given those, puts them back.
Nothing of ours stays in the page for its scripts to see."""


@contextlib.asynccontextmanager
async def mark_failing(frame: Page | Frame, targets: list[str]) -> AsyncIterator[None]:
    """Outline the failing elements for the screenshot taken inside, and take the outline off again."""
    before = None
    with contextlib.suppress(PlaywrightError):
        before = await frame.evaluate(_MARK_JS, [targets, None])
    try:
        yield
    finally:
        if before is not None:
            with contextlib.suppress(PlaywrightError):
                await frame.evaluate(_MARK_JS, [targets, before])


def _selector(target: list[Any]) -> str:
    """axe's target as one selector: frames and shadow roots on its path joined by " >>> "."""
    parts = [" >>> ".join(str(p) for p in part) if isinstance(part, list) else str(part) for part in target]
    return " >>> ".join(parts)


BARRIERS = {
    "trap": "keyboard trap at {element}",
    "no_focus": "the focus never arrived",
    "unreachable": "{element}: not reachable with Tab",
    "not_typed": "{element}: could not be filled by keyboard",
    "submit_unreachable": "submit button: not reachable with Tab",
    "submit_no_enter": "the submit button does not respond to Enter",
    "launcher_unreachable": "chat launcher: not reachable with Tab",
    "launcher_no_enter": "chat launcher: Enter does not open the chat",
    "composer_unreachable": "chat message field: not reachable with Tab",
    "send_no_enter": "chat: Enter does not send the message",
}
"""What can stop the keyboard, by code (the report words each from its catalogue: accessibility.barrier_*)."""


@dataclass
class KeyboardWalk:
    """What the keyboard alone could do on one channel; ``barrier`` is where it could not go on."""

    steps: list[str] = field(default_factory=list)
    code: str | None = None
    """None while the keyboard gets through; else a key of BARRIERS."""
    element: str = ""
    """The element or field it concerns (its caption or selector), where the code names one."""
    tabs: int = 0

    @property
    def barrier(self) -> str | None:
        return None if self.code is None else BARRIERS[self.code].format(element=self.element)

    def fail(self, code: str, element: str = "") -> None:
        if self.code is None:
            self.code, self.element = code, element

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.code is None, "barrier": self.barrier, "code": self.code,
                "element": self.element, "trap": self.code == "trap", "tabs": self.tabs,
                "steps": self.steps}  # fmt: skip


async def tab_to(
    page: Page, frame: Frame, targets: list[ElementHandle], want: int, walk: KeyboardWalk
) -> bool:
    """Press Tab until ``targets[want]`` (in ``frame``) holds the focus; False when it never does.

    Where the focus is, is read from the top page down into the frame: the focus leaving the page
    (to the body or the browser) ends a lap; a second lap, or a page where Tab finds nothing at all,
    means Tab cannot reach the target; the same element twice within one lap means the focus is
    caught (a keyboard trap)."""
    seen: set[str] = set()
    laps = empties = 0
    for _ in range(TAB_LIMIT):
        if (await _focus(page, frame, targets))[0] == want:
            return True
        await page.keyboard.press("Tab")
        walk.tabs += 1
        index, at = await _focus(page, frame, targets)
        if index == want:
            return True
        if not at:
            empties += 1
            if empties == 1:
                laps += 1
                seen.clear()
            if laps >= 2 or empties >= 3:
                return False
            continue
        empties = 0
        if at in seen:
            walk.fail("trap", at.split("@")[0])
            return False
        seen.add(at)
    walk.fail("no_focus")
    return False


async def _focus(page: Page, frame: Frame, targets: list[ElementHandle]) -> tuple[int, str]:
    """Which target holds the focus (-1: none) and where the focus is: the top page's focused element,
    then the frame's when the target sits in a frame ('' when the focus is on no element)."""
    try:
        inner: dict[str, Any] = await frame.evaluate(_FOCUS_JS, targets)
        if frame == page.main_frame:
            return int(inner["index"]), str(inner["at"])
        top: dict[str, Any] = await page.main_frame.evaluate(_FOCUS_JS, [])
    except PlaywrightError:
        return -1, ""
    at = str(top["at"])
    return int(inner["index"]), f"{at}>{inner['at']}" if at else ""
