"""One chat, driven in Chromium: find and open the widget, pass a pre-chat form, send, wait, record.

Finding things on the page (launcher, input, pre-chat form) is done by
looking again every quarter second, which is fine: nothing is timed there.
Messages are timed by the in-page observer (observer.js), which stamps each
one with the page's clock when it appears, and hands it over through an
exposed binding; Python only wakes up on those events.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Frame, Locator, Page
from playwright.async_api import Error as PlaywrightError

from servaudit.channels.base import READY
from servaudit.channels.browser import visitor_user_agent
from servaudit.channels.chat.attribution import ECHO_EARLY_MS, Block, attribute, block_from_event
from servaudit.channels.chat.judge import ChatVocabulary, after_bot, asks_for_human, chat_vocabulary, judge
from servaudit.channels.chat.recipe import GENERIC, Recipe
from servaudit.channels.chat.transcript import (
    TranscriptMessage,
    from_ms,
    save_transcript,
    summarise,
)
from servaudit.channels.chat.verdict import Observation, Verdict, decide

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
OPEN_SECONDS = 10.0
"""How long a clicked launcher (or a submitted pre-chat form) may take to show the chat."""
ECHO_SECONDS = 5.0
"""How long our own message may take to show in the widget after pressing send."""
BOT_QUIET_SECONDS = 3.0
"""A bot silent this long after its message has finished its turn: the visitor may ask for a person."""
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


@dataclass
class ChatResult:
    status: str
    outcome: str
    detail: str
    delivered_at: datetime | None = None
    transcript: tuple[TranscriptMessage, ...] = ()
    evidence: list[tuple[str, Path, str]] = field(default_factory=list)
    """(kind, path, caption)"""
    infrastructure_failed: bool = False
    verdict: Verdict | None = None


def _hits(text: str, phrases: Sequence[str]) -> list[str]:
    lowered = text.lower()
    return [p for p in phrases if p.lower() in lowered]


def side_of(side: str, recipe: Recipe) -> tuple[str, tuple[str, ...]]:
    """The author side a vendor recipe's markup gives an item, and why."""
    marked = f"marked as {side} by the {recipe.name} recipe"
    if side in ("visitor", "bot", "system"):
        return side, (marked,)
    if side == "agent":
        return "company", (marked,)
    if recipe.messages.agent:
        return "unattributed", (f"matches none of the {recipe.name} recipe's author markups",)
    return "company", (f"not marked as the visitor's by the {recipe.name} recipe",)


class ChatSession:
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

    # -- the chat ------------------------------------------------------------------------

    async def run(self) -> ChatResult:
        try:
            context = await self.browser.new_context(
                user_agent=visitor_user_agent(self.browser), viewport={"width": 1280, "height": 900}
            )
        except PlaywrightError as exc:
            return ChatResult(
                "not_sent", "", f"the browser failed: {_first_line(exc)}", infrastructure_failed=True
            )
        try:
            return await self._run(context)
        finally:
            with contextlib.suppress(PlaywrightError):
                await context.close()

    async def _run(self, context: BrowserContext) -> ChatResult:
        # A random binding name: nothing fixed for a page to recognise us by.
        binding = "_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
        self.binding = binding
        await context.expose_binding(binding, self._on_event)
        watched = [self.recipe] if self.plan.recipe else list(self.recipes.values())
        config = {"binding": binding, "recipes": [_observer_config(r) for r in watched]}
        await context.add_init_script(script=f"({OBSERVER})({json.dumps(config)});")
        self.page = await context.new_page()
        try:
            response = await self.page.goto(self.plan.url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        except PlaywrightError as exc:
            if not self.browser.is_connected():
                return self._fail("not_sent", "", f"the browser failed: {_first_line(exc)}", infra=True)
            return self._fail(
                "not_sent", "page_unreachable", f"cannot load {self.plan.url}: {_first_line(exc)}"
            )
        if response is not None and response.status >= 400:
            return self._fail(
                "not_sent", "page_unreachable", f"{self.plan.url} answered HTTP {response.status}"
            )
        try:
            before = await self._open_widget()
            if before is not None:
                return before
            if self.plan.dry_run:
                return self._fail("rejected", READY, f"chat widget open and ready ({self.recipe.vendor})")
            return await self._chat()
        except PlaywrightError as exc:
            if self.result.delivered_at is None:
                infra = not self.browser.is_connected()
                return self._fail(
                    "not_sent", "", f"the browser failed before sending: {_first_line(exc)}", infra
                )
            self.notes.append(f"the chat page failed after the message was sent: {_first_line(exc)}")
            return await self._finish()

    def _fail(self, status: str, outcome: str, detail: str, infra: bool = False) -> ChatResult:
        self.result.status, self.result.outcome, self.result.detail = status, outcome, detail
        self.result.infrastructure_failed = infra
        return self.result

    async def _open_widget(self) -> ChatResult | None:
        """Find, open and pass the widget's door; a ChatResult when the chat cannot start."""
        plan = self.plan

        async def look() -> Any:
            if not plan.recipe:
                await self.detect_vendor()
            state = await self.widget_state()
            if state is not None:
                return state
            launcher = await self.visible(self.recipe.launcher.selectors)
            return None if launcher is None else ("launcher", launcher)

        found = await self.poll(look, plan.widget_seconds)
        if found is None:
            await self.screenshot("chat-1-page.png", "the page: no chat widget found")
            return self._fail(
                "rejected",
                "no_widget",
                f"no chat widget found on {plan.url} within {plan.widget_seconds:.0f} s",
            )
        if found[0] == "launcher":
            await found[1].click()
            found = await self.poll(self.widget_state, OPEN_SECONDS)
            if found is None:
                offline = await self._offline_by_phrase()
                if offline is None:
                    await self.screenshot("chat-1-open.png", "the widget after clicking its launcher")
                    return self._fail(
                        "rejected",
                        "no_widget",
                        f"the chat launcher ({self.recipe.name} recipe) opened no chat",
                    )
                found = offline
        await self.screenshot("chat-1-open.png", f"widget open ({self.recipe.vendor})")
        state, element = found
        if state == "offline":
            return await self._offline(element)
        if state == "prechat":
            if self.plan.dry_run:  # filling it would announce a visitor to the agents
                return self._fail("rejected", "prechat_required", "the widget asks for details before a chat")
            return await self._prechat()
        return None

    async def _offline_by_phrase(self) -> tuple[str, Locator] | None:
        for frame in self.frames():
            try:
                body = frame.locator("body")
                text = await body.inner_text(timeout=2_000)
            except PlaywrightError:
                continue
            if _hits(text, self.recipe.phrases.offline):
                return "offline", body
        return None

    async def _offline(self, element: Locator) -> ChatResult:
        # The notice's words, not the labels and buttons of a message form inside it.
        raw = await element.evaluate(
            "e => { const c = e.cloneNode(true);"
            " c.querySelectorAll('form,button,input,select,textarea,script,style').forEach(x => x.remove());"
            " return c.textContent; }"
        )
        text = " ".join(str(raw).split())[:OFFLINE_TEXT_CHARS]
        form = (
            bool(self.recipe.offline.email_form)
            and await self.visible(self.recipe.offline.email_form) is not None
        )
        offer = "offers an e-mail form instead" if form else "offers no e-mail form"
        return self._fail("rejected", "offline", f"chat offline: “{text}”; {offer}")

    async def _prechat(self) -> ChatResult | None:
        plan, prechat = self.plan, self.recipe.prechat
        form = await self.visible(prechat.form)
        assert form is not None
        if not plan.fill_prechat:
            return self._fail(
                "rejected",
                "prechat_required",
                "the widget asks for details before the chat (fill_prechat = false)",
            )
        filled = []
        for role, selectors in (("name", prechat.name), ("email", prechat.email), ("topic", prechat.topic)):
            for frame in self.frames():
                for selector in selectors:
                    try:
                        fields = frame.locator(selector)
                        for index in range(await fields.count()):
                            field_ = fields.nth(index)
                            if await field_.is_visible() and await _fill(field_, role, plan):
                                filled.append(role)
                    except PlaywrightError:
                        continue
        missing = await form.evaluate(
            "f => Array.from(f.querySelectorAll('input,select,textarea'))"
            ".filter(e => e.required && !e.value && e.type !== 'hidden')"
            ".map(e => e.name || e.id || e.type)"
        )
        if missing:
            return self._fail(
                "rejected",
                "prechat_required",
                f"the pre-chat form requires {', '.join(map(str, missing))}, which the persona cannot give",
            )
        submit = await self.visible(prechat.submit)
        if submit is not None:
            await submit.click()
        else:
            await form.press("Enter")
        started = await self.poll(lambda: self.visible(self.recipe.composer.input), OPEN_SECONDS)
        if started is None:
            await self.screenshot("chat-1-prechat.png", "after the pre-chat form")
            return self._fail(
                "rejected", "prechat_required", "the pre-chat form was submitted but no chat started"
            )
        self.notes.append(f"pre-chat form filled ({', '.join(sorted(set(filled)))})")
        return None

    async def _send(self, text: str) -> int | None:
        """Type and send one visitor message; the page time it appeared (or was sent), None if unsure."""
        composer = await self.poll(lambda: self.visible(self.recipe.composer.input), OPEN_SECONDS)
        if composer is None:
            return None
        single_line = await composer.evaluate("e => e.tagName === 'INPUT'")
        typed = " ".join(text.split()) if single_line else text
        await composer.fill(typed)
        pressed: int = await composer.evaluate("() => Date.now()")
        self.sent.append((typed, pressed))
        button = await self.visible(self.recipe.composer.send) if self.recipe.composer.send else None
        if button is not None:
            await button.click()
        else:
            await composer.press("Enter")

        early = ECHO_EARLY_MS if self.learning else 50

        def echoed() -> bool:
            return any(m.author == "visitor" and m.at_ms >= pressed - early for m in self.messages)

        if await self.wait_until(echoed, ECHO_SECONDS):
            return next(
                m.at_ms for m in self.messages if m.author == "visitor" and m.at_ms >= pressed - early
            )
        value = await composer.evaluate("e => e.value !== undefined ? e.value : e.innerText")
        return pressed if not str(value).strip() else None

    async def _arm(self) -> None:
        """Start learning mode in every frame: what is on the page from now on is furniture."""
        self.learning = True
        self.notes.append("no vendor recipe: the widget's sides were learned from the probe's own message")
        for frame in self.frames():
            with contextlib.suppress(PlaywrightError):
                await frame.evaluate(
                    "n => { const f = window[n]; if (typeof f === 'function') f(); }", f"{self.binding}_arm"
                )

    async def _chat(self) -> ChatResult:
        plan = self.plan
        if self.recipe.name == GENERIC:
            await self._arm()
        first = await self._send(plan.messages[0])
        if first is None:
            await self.screenshot("chat-2-unsure.png", "after pressing send")
            return self._fail(
                "uncertain", "", "pressed send, but the message neither showed in the chat nor left the input"
            )
        self.result.status = "sent"
        self.result.delivered_at = from_ms(first)
        last_sent = first
        for position, followup in enumerate((*plan.messages[1:], None)):
            # A follow-up that asks for a person is the visitor's answer to a bot: it goes out
            # once the bot has had its say, not only after a person answered.
            to_bot = followup is not None and bool(asks_for_human(followup, self.vocabulary))
            if not await self._await_answer(first, last_sent, to_bot) or followup is None:
                break
            await self.wait_until(lambda: False, plan.settle_seconds)
            sent = await self._send(followup)
            if sent is None:
                self.notes.append(f"follow-up {position + 1} could not be sent")
                break
            last_sent = sent
        await self.wait_until(lambda: False, plan.settle_seconds)
        return await self._finish()

    async def _await_answer(self, first: int, since: int, to_bot: bool = False) -> bool:
        """Wait up to the limit for a human answer to the message sent at ``since``.

        ``to_bot``: a bot's finished turn (no new message for BOT_QUIET_SECONDS) is enough.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.plan.wait_seconds

        def answered() -> bool:
            return any(m.at_ms >= since and m.label in ("human", "deflection") for m in self.messages)

        def company_count() -> int:
            return sum(1 for m in self.messages if m.at_ms >= since and m.author in ("bot", "human"))

        def grew(seen: int) -> bool:
            return answered() or company_count() > seen

        def bot_replied() -> bool:
            return to_bot and any(m.at_ms >= since and m.author == "bot" for m in self.messages)

        def first_reply() -> bool:
            return not self._shot_reply and any(
                m.at_ms >= first and m.author in ("bot", "human") for m in self.messages
            )

        while True:
            done = await self.wait_until(
                lambda: answered() or first_reply() or bot_replied(), deadline - loop.time()
            )
            if first_reply():
                self._shot_reply = True
                await self.screenshot("chat-2-first-reply.png", "first reply")
            if answered():
                return True
            if done and bot_replied():
                more = await self.wait_until(
                    functools.partial(grew, company_count()),
                    min(BOT_QUIET_SECONDS, max(deadline - loop.time(), 0)),
                )
                if not more or answered():
                    return True
                continue
            if not done:
                return False

    _shot_reply = False

    async def _finish(self) -> ChatResult:
        self.drain()
        await self.screenshot("chat-3-end.png", "end of the chat")
        messages = tuple(self.messages)
        verdict = decide(Observation(messages, self.plan.wait_seconds, tuple(self.notes)), self.vocabulary)
        self.save(verdict)
        self.result.outcome = verdict.outcome
        self.result.detail = verdict.detail
        self.result.transcript = messages
        self.result.verdict = verdict
        return self.result


async def _fill(field_: Locator, role: str, plan: ChatPlan) -> bool:
    tag = await field_.evaluate("e => e.tagName")
    if tag == "SELECT":
        options: list[list[str]] = await field_.evaluate(
            "e => Array.from(e.options).map(o => [o.value, o.text])"
        )
        words = {w for w in re.findall(r"\w+", plan.topic.lower()) if len(w) > 3}
        usable = [o for o in options if o[0]]
        if not usable:
            return False
        best = max(usable, key=lambda o: len(words & set(re.findall(r"\w+", o[1].lower()))))
        await field_.select_option(value=best[0])
        return True
    if await field_.input_value():
        return False  # already filled (e.g. by an earlier, broader selector)
    value = plan.topic if role == "topic" else plan.email if role == "email" else plan.name
    if role == "name":
        hint = (await field_.evaluate("e => [e.name, e.id, e.placeholder].join(' ')")).lower()
        parts = plan.name.split()
        if re.search(r"first|vorname|given", hint):
            value = parts[0]
        elif re.search(r"last|nachname|surname|family", hint):
            value = parts[-1]
    await field_.fill(value)
    return True


def _observer_config(recipe: Recipe) -> dict[str, str]:
    m = recipe.messages
    return {
        "name": recipe.name,
        "item": m.item,
        "visitor": m.visitor,
        "agent": m.agent,
        "bot": m.bot,
        "system": m.system,
        "text": m.text,
        "author_name": m.author_name,
        "ignore": m.ignore,
    }


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
