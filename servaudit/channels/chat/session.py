"""One chat, driven in Chromium: find and open the widget, pass a pre-chat form, send, wait, record.

The page work (events, finding the widget's parts, evidence) is ChatPage in widget.py;
this module is the chat's course.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import secrets
import string
from typing import Any

from playwright.async_api import BrowserContext, Locator
from playwright.async_api import Error as PlaywrightError

from servaudit.browser import visitor_user_agent
from servaudit.channels.accessibility import KeyboardWalk, axe_scan, mark_failing, tab_to
from servaudit.channels.chat import NO_WIDGET, OFFLINE, PAGE_UNREACHABLE, PRECHAT_REQUIRED
from servaudit.channels.chat.attribution import ECHO_EARLY_MS
from servaudit.channels.chat.judge import asks_for_human
from servaudit.channels.chat.recipe import GENERIC, Recipe
from servaudit.channels.chat.transcript import from_ms
from servaudit.channels.chat.verdict import Observation, decide
from servaudit.channels.chat.widget import (
    OBSERVER,
    OFFLINE_TEXT_CHARS,
    PAGE_TIMEOUT_MS,
    ChatPage,
    ChatPlan,
    ChatResult,
    hits,
)
from servaudit.channels.spec import READY
from servaudit.labels import COMPANY_WRITERS, HUMAN_WRITTEN, Author

OPEN_SECONDS = 10.0
"""How long a clicked launcher (or a submitted pre-chat form) may take to show the chat."""
ECHO_SECONDS = 5.0
"""How long our own message may take to show in the widget after pressing send."""
BOT_QUIET_SECONDS = 3.0
"""A bot silent this long after its message has finished its turn: the visitor may ask for a person."""


class ChatSession(ChatPage):
    """One chat's course: open the widget, pass a pre-chat form, send, wait for answers, decide."""

    accessibility: dict[str, Any] | None = None
    """What the accessibility check found (``ChatPlan.accessibility``), kept as accessibility.json."""
    walk: KeyboardWalk

    async def run(self) -> ChatResult:
        self.walk = KeyboardWalk()
        try:
            result = await self._in_context()
        finally:
            self._save_accessibility()
        return result

    def _save_accessibility(self) -> None:
        if self.accessibility is None:
            return
        self.accessibility["keyboard"] = self.walk.as_dict()
        path = self.plan.evidence("accessibility.json")
        path.write_text(json.dumps(self.accessibility, ensure_ascii=False, indent=2), encoding="utf-8")
        self.result.evidence.append(
            ("accessibility", path, "axe-core's WCAG violations and the keyboard-only walk")
        )

    async def _in_context(self) -> ChatResult:
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
                "not_sent", PAGE_UNREACHABLE, f"cannot load {self.plan.url}: {_first_line(exc)}"
            )
        if response is not None and response.status >= 400:
            return self._fail(
                "not_sent", PAGE_UNREACHABLE, f"{self.plan.url} answered HTTP {response.status}"
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
        if self.checking:
            assert self.page is not None
            self.accessibility = {"channel": "chat", "url": self.page.url, "scans": [], "captcha_only": False}

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
                NO_WIDGET,
                f"no chat widget found on {plan.url} within {plan.widget_seconds:.0f} s",
            )
        if found[0] == "launcher":
            if not await self._open_by_keyboard(found[1]):
                await found[1].click()
            found = await self.poll(self.widget_state, OPEN_SECONDS)
            if found is None:
                offline = await self._offline_by_phrase()
                if offline is None:
                    await self.screenshot("chat-1-open.png", "the widget after clicking its launcher")
                    return self._fail(
                        "rejected",
                        NO_WIDGET,
                        f"the chat launcher ({self.recipe.name} recipe) opened no chat",
                    )
                found = offline
        await self.screenshot("chat-1-open.png", f"widget open ({self.recipe.vendor})")
        state, element = found
        if self.accessibility is not None:
            await self._scan(element)
        if state == "offline":
            return await self._offline(element)
        if state == "prechat":
            if self.plan.dry_run:  # filling it would announce a visitor to the agents
                return self._fail("rejected", PRECHAT_REQUIRED, "the widget asks for details before a chat")
            return await self._prechat()
        return None

    @property
    def checking(self) -> bool:
        return self.plan.accessibility and not self.plan.dry_run

    async def _open_by_keyboard(self, launcher: Locator) -> bool:
        """Tab to the launcher and press Enter; True when that opened the chat. Where it did not, the
        walk records why and the launcher is clicked as usual (opening a chat twice sends nothing)."""
        if self.accessibility is None:
            return False
        assert self.page is not None
        if not await self._tab_to(launcher):
            self.walk.fail("launcher_unreachable")
            return False
        await self.page.keyboard.press("Enter")
        if await self.poll(self.widget_state, OPEN_SECONDS) is None:
            self.walk.fail("launcher_no_enter")
            return False
        self.walk.steps.append("Tab → chat launcher, Enter")
        return True

    async def _tab_to(self, element: Locator) -> bool:
        """Tab until ``element`` holds the focus (KeyboardWalk records a trap on the way)."""
        assert self.page is not None
        handle = await element.element_handle()
        frame = await handle.owner_frame()
        return frame is not None and await tab_to(self.page, frame, [handle], 0, self.walk)

    async def _scan(self, element: Locator) -> None:
        """axe-core on the frame holding the open widget, with a screenshot marking what failed."""
        assert self.page is not None and self.accessibility is not None
        handle = await element.element_handle()
        frame = await handle.owner_frame() or self.page.main_frame
        scan = await axe_scan(frame)
        self.accessibility["scans"].append(scan)
        targets = [node["target"] for v in scan.get("violations", ()) for node in v["nodes"]]
        async with mark_failing(frame, targets):
            await self.screenshot("chat-0-accessibility.png", "axe-core's failing elements marked")

    async def _type_by_keyboard(self, composer: Locator, text: str) -> bool:
        """Tab to the message field and type the first message; False (the walk says why) where the
        keyboard cannot get there, and the probe fills it as usual."""
        if self.accessibility is None or self.walk.barrier is not None or self.sent:
            return False
        assert self.page is not None
        if not await self._tab_to(composer):
            self.walk.fail("composer_unreachable")
            return False
        await self.page.keyboard.insert_text(text)
        self.walk.steps.append("Tab → message field, typed")
        return True

    async def _offline_by_phrase(self) -> tuple[str, Locator] | None:
        for frame in self.frames():
            try:
                body = frame.locator("body")
                text = await body.inner_text(timeout=2_000)
            except PlaywrightError:
                continue
            if hits(text, self.recipe.phrases.offline):
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
        return self._fail("rejected", OFFLINE, f"chat offline: “{text}”; {offer}")

    async def _prechat(self) -> ChatResult | None:
        plan, prechat = self.plan, self.recipe.prechat
        form = await self.visible(prechat.form)
        assert form is not None
        if not plan.fill_prechat:
            return self._fail(
                "rejected",
                PRECHAT_REQUIRED,
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
                PRECHAT_REQUIRED,
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
                "rejected", PRECHAT_REQUIRED, "the pre-chat form was submitted but no chat started"
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
        by_keyboard = await self._type_by_keyboard(composer, typed)
        if not by_keyboard:
            await composer.fill(typed)
        pressed: int = await composer.evaluate("() => Date.now()")
        self.sent.append((typed, pressed))
        button = await self.visible(self.recipe.composer.send) if self.recipe.composer.send else None
        if button is not None and not by_keyboard:
            await button.click()
        else:
            # Enter in the message field is how a keyboard sends (and what widgets without a button expect).
            await composer.press("Enter")

        early = ECHO_EARLY_MS if self.learning else 50

        def echoed() -> bool:
            return any(m.author == Author.VISITOR and m.at_ms >= pressed - early for m in self.messages)

        if by_keyboard:
            sent = await self.wait_until(echoed, ECHO_SECONDS) or not await _holds_text(composer)
            if not sent and button is not None:
                # The text is still in the field, so nothing went out: the send button, as a mouse would.
                self.walk.fail("send_no_enter")
                await button.click()
            elif sent:
                self.walk.steps.append("Enter sends the message")

        if await self.wait_until(echoed, ECHO_SECONDS):
            return next(
                m.at_ms for m in self.messages if m.author == Author.VISITOR and m.at_ms >= pressed - early
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
            answered = await self._await_answer(first, last_sent, to_bot)
            if not answered and position == 0 and plan.reminder:
                # No person within the wait: one nudge in the open session, then the wait once more.
                nudged = await self._send(plan.reminder)
                if nudged is None:
                    self.notes.append("the reminder could not be sent")
                else:
                    self.result.reminded_at = from_ms(nudged)
                    last_sent = nudged
                    answered = await self._await_answer(first, last_sent, to_bot)
            if not answered or followup is None:
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
            return any(m.at_ms >= since and m.label in HUMAN_WRITTEN for m in self.messages)

        def company_count() -> int:
            return sum(1 for m in self.messages if m.at_ms >= since and m.author in COMPANY_WRITERS)

        def grew(seen: int) -> bool:
            return answered() or company_count() > seen

        def bot_replied() -> bool:
            return to_bot and any(m.at_ms >= since and m.author == Author.BOT for m in self.messages)

        def first_reply() -> bool:
            return not self._shot_reply and any(
                m.at_ms >= first and m.author in COMPANY_WRITERS for m in self.messages
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


async def _holds_text(composer: Locator) -> bool:
    value = await composer.evaluate("e => e.value !== undefined ? e.value : e.innerText")
    return bool(str(value).strip())


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


__all__ = ["ChatPlan", "ChatResult", "ChatSession"]
