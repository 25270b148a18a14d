"""The page side of one chat: the observer's events, finding the widget's parts in every frame, evidence.

Finding things on the page (launcher, input, pre-chat form) is done by
looking again every quarter second, which is fine: nothing is timed there.
Messages are timed by the in-page observer (observer.js), which stamps each
one with the page's clock when it appears, and hands it over through an
exposed binding; Python only wakes up on those events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Frame, Locator, Page
from playwright.async_api import Error as PlaywrightError

from servaudit.channels.chat.attribution import COMPANY_SIDE, Block, attribute, block_from_event
from servaudit.channels.chat.judge import ChatVocabulary, after_bot, chat_vocabulary, judge
from servaudit.channels.chat.recipe import GENERIC, Recipe
from servaudit.channels.chat.transcript import (
    TranscriptMessage,
    save_transcript,
    summarise,
)
from servaudit.channels.chat.verdict import Verdict
from servaudit.labels import Author

OBSERVER = (Path(__file__).parent / "observer.js").read_text(encoding="utf-8")
LOOK_EVERY = 0.25
FIND = """([groups, visible]) => {
  const roots = [document];
  for (let i = 0; i < roots.length; i++) {
    for (const el of roots[i].querySelectorAll("*")) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 &&
      el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  };
  for (const [name, selectors] of groups) {
    for (const selector of selectors) {
      for (const root of roots) {
        let found = [];
        try { found = root.querySelectorAll(selector); } catch (e) { break; }
        for (const el of found) if (!visible || shown(el)) return [name, selector];
      }
    }
  }
  return null;
}"""
"""Finds the first group with a (visible) match, in the document and every open shadow root."""
SETTLE_SECONDS = 1.0
"""Quiet time after an answer before the next follow-up (agents often write in two parts)."""
PAGE_TIMEOUT_MS = 30_000
OFFLINE_TEXT_CHARS = 300


@dataclass(frozen=True)
class ChatPlan:
    url: str
    messages: tuple[str, ...]
    """The first message, then the follow-ups (each sent after the agent's previous answer)."""
    name: str
    email: str
    topic: str
    wait_seconds: float
    widget_seconds: float
    fill_prechat: bool
    evidence: Callable[[str], Path]
    """File name → where to write that evidence file."""
    recipe: str | None = None
    """A recipe name; None: detect a vendor, else generic."""
    settle_seconds: float = SETTLE_SECONDS
    dry_run: bool = False
    """Stop once the widget is open and ready for a message (``servaudit check``): nothing is typed."""
    audit_folder: Path | None = None
    """Where the audit's own vocabularies may override the shipped ones."""
    reminder: str | None = None
    """A nudge sent once in the session when no person answered the first message within the wait."""
    accessibility: bool = False
    """Open the chat and write the first message by keyboard only, and scan the open widget with
    axe-core (``[audit] accessibility``; servaudit/channels/accessibility.py)."""


@dataclass
class ChatResult:
    status: str
    outcome: str
    detail: str
    delivered_at: datetime | None = None
    reminded_at: datetime | None = None
    """When the nudge (``ChatPlan.reminder``) was sent; None: none was needed or sent."""
    transcript: tuple[TranscriptMessage, ...] = ()
    evidence: list[tuple[str, Path, str]] = field(default_factory=list)
    """(kind, path, caption)"""
    infrastructure_failed: bool = False
    verdict: Verdict | None = None


def hits(text: str, phrases: Sequence[str]) -> list[str]:
    lowered = text.lower()
    return [p for p in phrases if p.lower() in lowered]


def side_of(side: str, recipe: Recipe) -> tuple[str, tuple[str, ...]]:
    """The author side a vendor recipe's markup gives an item, and why."""
    marked = f"marked as {side} by the {recipe.name} recipe"
    if side in (Author.VISITOR, Author.BOT, Author.SYSTEM):
        return side, (marked,)
    if side == "agent":
        return COMPANY_SIDE, (marked,)
    if recipe.messages.agent:
        return Author.UNATTRIBUTED, (f"matches none of the {recipe.name} recipe's author markups",)
    return COMPANY_SIDE, (f"not marked as the visitor's by the {recipe.name} recipe",)


class ChatPage:
    """The page side of one chat: the observer's events as transcript messages, finding the widget's
    parts in every frame, and the evidence. ChatSession drives the chat on top of it."""

    def __init__(self, browser: Browser, plan: ChatPlan, recipes: dict[str, Recipe]) -> None:
        self.browser = browser
        self.plan = plan
        self.recipes = recipes
        self.recipe: Recipe = recipes[plan.recipe or GENERIC]
        self.events: list[dict[str, Any]] = []
        self.wake = asyncio.Event()
        self._by_key: dict[str, TranscriptMessage] = {}
        self._seen = 0
        self.result = ChatResult("not_sent", "", "")
        self.page: Page | None = None
        self.notes: list[str] = []
        self.binding = ""
        self.learning = False
        """A widget no vendor recipe describes: sides are learned from what the probe typed."""
        self.blocks: list[Block] = []
        self.sent: list[tuple[str, int]] = []
        """What the probe sent, with the page time it pressed send."""
        self._learned: tuple[tuple[int, int], list[TranscriptMessage]] = ((-1, -1), [])
        self._vocabulary: ChatVocabulary | None = None

    @property
    def vocabulary(self) -> ChatVocabulary:
        if self._vocabulary is None:
            self._vocabulary = chat_vocabulary(self.plan.audit_folder, self.recipe.phrases.automated)
        return self._vocabulary

    # -- the observer's events -----------------------------------------------------------

    def _on_event(self, source: Any, event: Any) -> None:
        if isinstance(event, dict):
            self.events.append(event)
            self.wake.set()

    @property
    def messages(self) -> list[TranscriptMessage]:
        if self.learning:
            return self.learned_messages()
        return sorted(self._by_key.values(), key=lambda m: m.at_ms)

    def learned_messages(self) -> list[TranscriptMessage]:
        state = (len(self.blocks), len(self.sent))
        if self._learned[0] != state:
            found = []
            for item in attribute(self.blocks, self.sent):
                verdict = judge(item.side, item.text, item.reasons, self.vocabulary)
                found.append(
                    TranscriptMessage(
                        verdict.author,  # type: ignore[arg-type]
                        item.text,
                        item.at_ms,
                        item.name,
                        verdict.label,
                        verdict.reasons,
                    )
                )
            self._learned = (state, after_bot(found, self.vocabulary))
        return self._learned[1]

    def drain(self) -> None:
        """Turn the observer's new events (for the chosen recipe) into transcript messages."""
        for event in self.events[self._seen :]:
            if event.get("kind") == "leaf":
                block = block_from_event(event)
                if block is not None:
                    self.blocks.append(block)
                continue
            if event.get("recipe") != self.recipe.name or not isinstance(event.get("at"), (int, float)):
                continue
            text = str(event.get("text") or "")
            side, why = side_of(str(event.get("side")), self.recipe)
            judged = judge(side, text, why, self.vocabulary)
            author, label, reasons = judged.author, judged.label, judged.reasons
            key = f"{event.get('frame')}|{event.get('id')}"
            old = self._by_key.get(key)
            # A bubble whose text changed (streamed, corrected) keeps the time it first appeared.
            self._by_key[key] = TranscriptMessage(
                author,  # type: ignore[arg-type]
                text,
                old.at_ms if old else int(event["at"]),
                event.get("name") or (old.name if old else None),
                label,
                reasons,
            )
        self._seen = len(self.events)

    async def wait_until(self, done: Callable[[], bool], seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            self.wake.clear()
            self.drain()
            if done():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), remaining)

    # -- finding things in every frame ---------------------------------------------------

    def frames(self) -> list[Frame]:
        assert self.page is not None
        return list(self.page.frames)

    async def first_match(self, groups: Sequence[tuple[str, Sequence[str]]], visible: bool = True) -> Any:
        """(group, frame, selector) of the first group with a (visible) match in some frame, or None.

        One round trip per frame: the page's own DOM is searched, open shadow roots included.
        """
        payload = [[name, list(selectors)] for name, selectors in groups if selectors]
        if not payload:
            return None
        for frame in self.frames():
            try:
                hit = await frame.evaluate(FIND, [payload, visible])
            except PlaywrightError:
                continue  # a frame navigated away or detached meanwhile
            if hit:
                return hit[0], frame, hit[1]
        return None

    async def visible(self, selectors: Sequence[str]) -> Locator | None:
        hit = await self.first_match([("", selectors)])
        if hit is None:
            return None
        _, frame, selector = hit
        locator = frame.locator(selector)
        try:
            for index in range(min(await locator.count(), 5)):
                if await locator.nth(index).is_visible():
                    return locator.nth(index)
        except PlaywrightError:
            pass
        return None

    async def detect_vendor(self) -> None:
        groups = [(n, r.detect) for n, r in self.recipes.items() if n != GENERIC and r.detect]
        hit = await self.first_match(groups, visible=False)
        if hit is not None:
            self.recipe = self.recipes[hit[0]]

    async def widget_state(self) -> tuple[str, Locator] | None:
        """The first of offline, composer, pre-chat form that is visible."""
        r = self.recipe
        groups = [
            ("offline", r.offline.selectors),
            ("composer", r.composer.input),
            ("prechat", r.prechat.form),
        ]
        hit = await self.first_match(groups)
        if hit is None:
            return None
        found = await self.visible(dict(groups)[hit[0]])
        return None if found is None else (hit[0], found)

    async def poll(self, look: Callable[[], Any], seconds: float) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            found = await look()
            if found is not None or loop.time() >= deadline:
                return found
            await asyncio.sleep(LOOK_EVERY)

    # -- evidence ------------------------------------------------------------------------

    async def screenshot(self, name: str, caption: str) -> None:
        if self.page is None:
            return
        path = self.plan.evidence(name)
        try:
            await self.page.screenshot(path=str(path), timeout=10_000)
        except PlaywrightError:
            return  # a missing picture must not cost the chat's result
        self.result.evidence.append(("screenshot", path, caption))

    def save(self, verdict: Verdict | None = None) -> None:
        if not self.messages:
            return
        path = self.plan.evidence("chat-transcript.json")
        summary = summarise(self.messages)
        save_transcript(
            path,
            tuple(self.messages),
            {
                "url": self.plan.url,
                "recipe": self.recipe.name,
                "attribution": "learned" if self.learning else "recipe",
                "summary": summary.__dict__,
                "outcome": verdict.outcome if verdict else None,
                "bot_path": verdict.path.as_dict() if verdict else None,
            },
        )
        self.result.evidence.append(("transcript", path, f"chat transcript ({len(self.messages)} messages)"))
