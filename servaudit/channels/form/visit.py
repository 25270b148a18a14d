"""One form inquiry in the browser, from opening the page to the verdict (see probe.py for the words).

The page work: wait for a contact form, fill it in at a person's pace, stop at a CAPTCHA, find the
submit button, click it and watch what the page and the network did; ``outcome.decide`` judges.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from playwright.async_api import BrowserContext, Dialog, ElementHandle, Page
from playwright.async_api import Error as PlaywrightError

from servaudit.channels.accessibility import KeyboardWalk, axe_scan, mark_failing, tab_to
from servaudit.channels.base import Composed, Evidence, Outcome, ProbeContext, SendStatus
from servaudit.channels.form import BLOCKED, NO_FORM, ORDER_FORM, SUBMIT_FAILED
from servaudit.channels.form.captcha import detect_captcha
from servaudit.channels.form.commitment import refusal
from servaudit.channels.form.fields import Assignment, Control, assign, satisfied, scan
from servaudit.channels.form.outcome import NetworkLog, Observation, Verdict, decide, phrases_in
from servaudit.channels.form.page import (
    INVALID_JS,
    BrowserGone,
    Timing,
    button_text,
    find_button,
    form_buttons,
    page_lines,
)
from servaudit.channels.form.settings import FormSettings, form_settings
from servaudit.channels.form.vocabulary import FormVocabulary
from servaudit.channels.spec import READY
from servaudit.plan import Inquiry


@dataclass
class FormProbe:
    """One form inquiry, from opening the page to the verdict."""

    timing: Timing
    composed: Composed
    context: ProbeContext
    browser_context: BrowserContext
    evidence: list[Evidence] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)
    clicked: bool = False
    filled: dict[tuple[str, ...], Assignment] = field(default_factory=dict)
    """What the probe put into the form, by control: a rescan no longer assigns a select already set."""
    accessibility: dict[str, Any] | None = None
    """What the accessibility check found (``[audit] accessibility``), kept as accessibility.json."""
    walk: KeyboardWalk = field(default_factory=KeyboardWalk)
    dry_run: bool = False
    """Stop once the form is found and understood (``servaudit check``): nothing is submitted
    (a form that unfolds may get its topic chosen, as a visitor looking at it would)."""

    @property
    def inquiry(self) -> Inquiry:
        return self.composed.inquiry

    async def run(self) -> Outcome:
        try:
            verdict = await self._probe()
        except BrowserGone as exc:
            if self.clicked:
                verdict = Verdict(
                    "uncertain", SUBMIT_FAILED, f"Chromium failed after the submit click: {exc}"
                )
            else:
                return self._outcome(
                    Verdict("not_sent", SUBMIT_FAILED, f"Chromium failed before anything was sent: {exc}"),
                    True,
                )
        except PlaywrightError as exc:
            if not self.browser_context.browser or not self.browser_context.browser.is_connected():
                return self._outcome(
                    Verdict("not_sent", SUBMIT_FAILED, f"Chromium failed: {reason(exc)}"), True
                )
            if self.clicked:
                verdict = Verdict(
                    "uncertain", SUBMIT_FAILED, f"the page broke after the submit click: {reason(exc)}"
                )
            else:
                verdict = Verdict(
                    "rejected", SUBMIT_FAILED, f"the form could not be filled in: {reason(exc)}"
                )
        return self._outcome(verdict)

    def _outcome(self, verdict: Verdict, infrastructure: bool = False) -> Outcome:
        self.record.update(
            {"status": verdict.status, "outcome": verdict.outcome, "detail": verdict.detail,
             "delivered_at": verdict.delivered_at.isoformat() if verdict.delivered_at else None}
        )  # fmt: skip
        path = self.context.evidence_path(self.inquiry, "form.json")
        path.write_text(json.dumps(self.record, ensure_ascii=False, indent=2), encoding="utf-8")
        files = (
            *self.evidence,
            Evidence("record", path, "what was typed where, the request, what the page said"),
            *self._accessibility_evidence(),
        )
        return Outcome(
            cast(SendStatus, verdict.status),
            verdict.detail,
            delivered_at=verdict.delivered_at,
            outcome=verdict.outcome,
            evidence=files,
            infrastructure_failed=infrastructure,
        )

    async def _probe(self) -> Verdict:
        vocabulary = FormVocabulary.load(audit_folder(self.context))
        settings = self._settings()
        page = await self.browser_context.new_page()
        network = NetworkLog(page)
        script_errors: list[str] = []
        dialogs: list[str] = []
        pending: set[asyncio.Future[None]] = set()
        page.on("pageerror", lambda error: script_errors.append(str(error)))

        def on_dialog(dialog: Dialog) -> None:
            # alert("Danke!") is a confirmation too; a person clicks OK.
            dialogs.append(dialog.message)
            pending.add(asyncio.ensure_future(dialog.accept()))

        page.on("dialog", on_dialog)
        self.record["url"] = self.inquiry.target
        try:
            # Not "load": one slow tracker must not make a working form look unreachable.
            response = await page.goto(
                self.inquiry.target, wait_until="domcontentloaded", timeout=self.timing.page_load * 1000
            )
        except PlaywrightError as exc:
            self._check_browser()
            await self._screenshot(page, "form-page.png", "the page as it loaded")
            return Verdict("rejected", SUBMIT_FAILED, f"the form page could not be loaded: {reason(exc)}")
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("load", timeout=10_000)
        self.record["url_before"] = page.url
        if response is not None and response.status >= 400:
            await self._screenshot(page, "form-page.png", f"the page as it loaded · {page.url}")
            outcome = SUBMIT_FAILED if response.status >= 500 else NO_FORM
            return Verdict("rejected", outcome, f"the form page answered HTTP {response.status}")

        plan = await self._find_form(page, network, vocabulary, settings)
        if self._checks_accessibility() and (isinstance(plan, list) or plan.outcome == BLOCKED):
            await self._scan(page, plan)
        if isinstance(plan, Verdict):
            return plan
        if self.dry_run:
            return await self._preflight_verdict(page, network, vocabulary, settings, plan)
        if self.accessibility is not None:
            plan = await self._keyboard_fill(page, network, plan)
        plan = await self._fill(page, network, vocabulary, settings, plan)
        self.record["fields"] = self._fields_set(plan)
        blocked = await self._captcha(page, network, vocabulary)
        if blocked is not None:
            return blocked
        button = await self._submit_button(page, plan, vocabulary, settings)
        await self._screenshot(page, "form-1-filled.png", f"filled in, before submitting · {page.url}")
        if button is None:
            return Verdict("rejected", SUBMIT_FAILED, "the form has no submit button that could be found")

        before = set(await page_lines(page))
        mark = network.mark()
        errors_before = len(script_errors)
        started = time.monotonic()
        self.clicked = True
        if self.accessibility is not None and self.walk.barrier is None:
            timed_out = await self._keyboard_submit(page, network, plan, button, mark, started)
        else:
            await button.click(timeout=10_000)
            timed_out = await self._await_submission(page, network, mark, started)
        self._check_browser()
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("load", timeout=self.timing.page_load * 1000)
        await network.quiet(self.timing.settle, limit=5.0)
        after = await page_lines(page)
        new = tuple(line for line in after if line not in before) + tuple(dialogs)
        invalid = await self._invalid_fields(plan)
        self.record["url_after"] = page.url
        await self._screenshot(page, "form-2-after.png", f"after submitting · {page.url}")
        request = network.form_request(mark)
        seen = Observation(
            request=request,
            url_before=self.record["url_before"],
            url_after=page.url,
            confirmations=phrases_in(new, vocabulary.confirmation),
            errors=phrases_in(new, vocabulary.errors),
            invalid=tuple(invalid),
            script_errors=tuple(script_errors[errors_before:]),
            timed_out=timed_out,
            new_text=new,
        )
        self.record.update(
            {
                "request": None
                if request is None
                else {"method": request.method, "url": request.url, "status": request.status,
                      "final_status": request.last.status, "final_url": request.last.url,
                      "failure": request.last.failure,
                      "completed_at": request.completed_at.isoformat() if request.completed_at else None},
                "new_text": list(new[:20]),
                "script_errors": list(seen.script_errors),
                "invalid": invalid,
            }
        )  # fmt: skip
        return decide(seen)

    def _checks_accessibility(self) -> bool:
        return self.context.config.audit.accessibility and not self.dry_run

    async def _scan(self, page: Page, plan: list[Assignment] | Verdict) -> None:
        """axe-core on the form's frame before anything is typed, with a screenshot marking what failed;
        a CAPTCHA that stopped the probe is the only way through the form (no alternative it could use)."""
        frame = plan[0].control.frame if isinstance(plan, list) and plan else page.main_frame
        scan = await axe_scan(frame)
        captcha = isinstance(plan, Verdict) and plan.outcome == BLOCKED
        self.accessibility = {"channel": "form", "url": page.url, "scans": [scan], "captcha_only": captcha}
        targets = [node["target"] for v in scan.get("violations", ()) for node in v["nodes"]]
        async with mark_failing(frame, targets):
            caption = f"axe-core's failing elements marked · {page.url}"
            await self._screenshot(page, "form-0-accessibility.png", caption)

    async def _keyboard_fill(
        self, page: Page, network: NetworkLog, plan: list[Assignment]
    ) -> list[Assignment]:
        """Fill the form by keyboard only, in tab order, until a field cannot be reached; the usual way
        (``_fill``) then does the rest and the walk records where the keyboard stopped."""
        frame = plan[0].control.frame
        handles = [a.control.handle for a in plan]
        with contextlib.suppress(PlaywrightError):
            await frame.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
        for index in await _tab_order(frame, handles):
            assignment = plan[index]
            name = assignment.control.caption or assignment.role
            if satisfied(assignment):
                continue
            if not await tab_to(page, frame, handles, index, self.walk):
                self.walk.fail("unreachable", name)
                break
            try:
                await self._type_focused(page, assignment)
            except PlaywrightError:
                self._check_browser()
                self.walk.fail("not_typed", name)
                break
            self.walk.steps.append(f"Tab → {name}, typed")
            self.filled[_identity(assignment.control)] = assignment
            await network.quiet(0.15, limit=2.0)
        return plan

    async def _type_focused(self, page: Page, assignment: Assignment) -> None:
        control = assignment.control
        if control.type == "checkbox":
            if control.value != "on":
                await page.keyboard.press("Space")
            return
        if control.type == "select":
            for _ in range(len(control.options) + 1):
                if await control.handle.evaluate("e => e.value") == assignment.value:
                    return
                await page.keyboard.press("ArrowDown")
            raise PlaywrightError("the option could not be chosen with the arrow keys")
        if control.value:
            await page.keyboard.press("ControlOrMeta+A")
        if control.type == "contenteditable" or len(assignment.value) > 80:
            await page.keyboard.insert_text(assignment.value)  # pasted, as people paste a prepared text
        else:
            settings = self._settings()
            pause = (settings.keystroke_ms if settings else None) or self.timing.keystroke_ms
            await page.keyboard.type(assignment.value, delay=random.uniform(*pause))

    async def _keyboard_submit(
        self,
        page: Page,
        network: NetworkLog,
        plan: list[Assignment],
        button: ElementHandle,
        mark: int,
        started: float,
    ) -> bool:
        """Tab to the submit button and press Enter. Where Tab cannot reach it, or Enter sent nothing at
        all (no request left the browser, the page did not change), the button is clicked instead: still
        one submission."""
        frame = await button.owner_frame() or plan[0].control.frame
        url = page.url
        if await tab_to(page, frame, [button], 0, self.walk):
            self.walk.steps.append("Tab → submit button, Enter")
            await page.keyboard.press("Enter")
            timed_out = await self._await_submission(page, network, mark, started)
            if timed_out or network.form_request(mark) is not None or page.url != url:
                return timed_out
            self.walk.fail("submit_no_enter")
        else:
            self.walk.fail("submit_unreachable")
        await button.click(timeout=10_000)
        return await self._await_submission(page, network, mark, time.monotonic())

    def _accessibility_evidence(self) -> tuple[Evidence, ...]:
        if self.accessibility is None:
            return ()
        self.accessibility["keyboard"] = None if self.accessibility["captcha_only"] else self.walk.as_dict()
        path = self.context.evidence_path(self.inquiry, "accessibility.json")
        path.write_text(json.dumps(self.accessibility, ensure_ascii=False, indent=2), encoding="utf-8")
        return (Evidence("accessibility", path, "axe-core's WCAG violations and the keyboard-only walk"),)

    async def _captcha(self, page: Page, network: NetworkLog, vocabulary: FormVocabulary) -> Verdict | None:
        """A CAPTCHA guarding the form (never solved, never bypassed): the verdict, with a screenshot."""
        captcha = await detect_captcha(page, vocabulary.captchas, network.urls())
        if captcha is None:
            return None
        await self._screenshot(page, "form-page.png", f"CAPTCHA, not submitted · {page.url}")
        return Verdict("rejected", BLOCKED, f"{captcha[1]} guards the form; not submitted")

    async def _preflight_verdict(
        self,
        page: Page,
        network: NetworkLog,
        vocabulary: FormVocabulary,
        settings: FormSettings | None,
        plan: list[Assignment],
    ) -> Verdict:
        blocked = await self._captcha(page, network, vocabulary)
        if blocked is not None:
            return blocked
        await self._screenshot(page, "form-page.png", f"the form as found · {page.url}")
        if await self._submit_button(page, plan, vocabulary, settings) is None:
            return Verdict("rejected", SUBMIT_FAILED, "the form has no submit button that could be found")
        fields = ", ".join(f"{a.control.caption} → {a.role}" for a in plan)
        return Verdict("rejected", READY, f"contact form found: {fields}")

    def _settings(self) -> FormSettings | None:
        return form_settings(self.context.config.companies[self.inquiry.company])

    def _values(self) -> dict[str, str]:
        persona = self.context.config.persona
        return {
            "name": persona.name,
            "first_name": persona.first_name,
            "last_name": persona.last_name,
            "email": self.composed.reply_address or persona.email,
            "phone": persona.phone or "",
            "subject": self.composed.subject,
            "message": self.composed.body,
        }

    async def _find_form(
        self, page: Page, network: NetworkLog, vocabulary: FormVocabulary, settings: FormSettings | None
    ) -> list[Assignment] | Verdict:
        """Wait for a contact form (it may be rendered by a script after load); stop at a CAPTCHA."""
        deadline = time.monotonic() + self.timing.form_appears
        mapping = settings.fields if settings else {}
        primed = 0
        while True:
            blocked = await self._captcha(page, network, vocabulary)
            if blocked is not None:
                return blocked
            controls = await scan(page, mapping)
            plan = assign(controls, self._values(), vocabulary)
            if plan is not None:
                return await self._order_form(page, controls, plan, vocabulary, settings) or plan
            # A form that unfolds: its message field appears once a topic is chosen.
            unfolding = [
                a
                for a in assign(controls, self._values(), vocabulary, partial=True) or []
                if not satisfied(a)
            ]
            refused = await self._order_form(page, controls, unfolding, vocabulary, settings)
            if refused is not None:
                return refused
            if unfolding and primed < 3:
                primed += 1
                for assignment in unfolding:
                    try:
                        await self._fill_one(assignment)
                    except PlaywrightError:
                        self._check_browser()
                        break  # re-rendered while we typed: read the page again
                    await network.quiet(0.2, limit=2.0)
                continue
            if time.monotonic() >= deadline:
                self._check_browser()
                await self._screenshot(page, "form-page.png", f"no contact form · {page.url}")
                frames = len(page.frames)
                return Verdict(
                    "rejected",
                    NO_FORM,
                    f"no contact form on {page.url} (no message field in {frames} frame(s))",
                )
            await asyncio.sleep(0.2)

    async def _order_form(
        self,
        page: Page,
        controls: list[Control],
        plan: list[Assignment],
        vocabulary: FormVocabulary,
        settings: FormSettings | None,
    ) -> Verdict | None:
        """A form that orders, books or takes payment, found before anything is typed into it: the
        verdict (nothing sent, never retried), with a screenshot; None for a contact form.

        Payment fields count anywhere on the page (a card field may sit in its own frame); buttons only
        where they belong to the form the probe would fill, and the one it would click."""
        buttons: list[str] = []
        for frame, form in {(a.control.frame, a.control.form) for a in plan if a.control.form >= 0}:
            buttons.extend(await form_buttons(frame, form))
        button = await self._submit_button(page, plan, vocabulary, settings) if plan else None
        if button is not None:
            buttons.append(await button_text(button))
        reason = refusal(controls, buttons, vocabulary)
        if reason is None:
            return None
        self.record["buttons"] = sorted(set(buttons))
        caption = f"an order, booking or payment form, not submitted · {page.url}"
        await self._screenshot(page, "form-page.png", caption)
        return Verdict("rejected", ORDER_FORM, reason)

    async def _fill(
        self,
        page: Page,
        network: NetworkLog,
        vocabulary: FormVocabulary,
        settings: FormSettings | None,
        plan: list[Assignment],
    ) -> list[Assignment]:
        """Fill every assigned field; read the form again after each pass, because pages re-render."""
        mapping = settings.fields if settings else {}
        for _ in range(5):
            todo = [a for a in plan if not satisfied(a)]
            if not todo:
                break
            for assignment in todo:
                try:
                    await self._fill_one(assignment)
                    self.filled[_identity(assignment.control)] = assignment
                except PlaywrightError:
                    self._check_browser()
                    break  # the field was replaced under our hands: read the form again
                await network.quiet(0.15, limit=2.0)
            await network.quiet(0.3, limit=3.0)
            fresh = assign(await scan(page, mapping), self._values(), vocabulary)
            if fresh is None:
                break
            plan = fresh
        return plan

    def _fields_set(self, plan: list[Assignment]) -> list[dict[str, Any]]:
        """Every field the probe set, for the evidence: the last plan, and what earlier passes set
        that the last scan no longer assigns (a select holding the option the probe chose)."""
        planned = {_identity(a.control) for a in plan}
        earlier = [a for key, a in self.filled.items() if key not in planned]
        return [_field_row(a, satisfied(a)) for a in plan] + [_field_row(a, True) for a in earlier]

    async def _fill_one(self, assignment: Assignment) -> None:
        control = assignment.control
        handle = control.handle
        if control.type == "checkbox":
            try:
                await handle.check(timeout=3_000)
            except PlaywrightError:
                await handle.check(timeout=3_000, force=True)  # a styled box: its label took the click
            return
        if control.type == "select":
            await handle.select_option(value=assignment.value, timeout=5_000)
            return
        await handle.click(timeout=5_000)
        if control.type == "contenteditable" or len(assignment.value) > 80:
            # Long texts are pasted, as people paste a prepared message.
            await handle.fill(assignment.value, timeout=5_000)
            return
        if control.value:
            await handle.fill("", timeout=5_000)
        settings = self._settings()
        pause = (settings.keystroke_ms if settings else None) or self.timing.keystroke_ms
        await handle.type(assignment.value, delay=random.uniform(*pause), timeout=30_000)

    async def _submit_button(
        self, page: Page, plan: list[Assignment], vocabulary: FormVocabulary, settings: FormSettings | None
    ) -> ElementHandle | None:
        if settings and settings.submit:
            for frame in page.frames:
                handle = await frame.query_selector(settings.submit)
                if handle is not None:
                    return handle
            return None
        message = next((a.control for a in plan if a.role == "message"), plan[0].control if plan else None)
        if message is None:
            return None
        return await find_button(message.frame, message.form, vocabulary)

    async def _await_submission(self, page: Page, network: NetworkLog, mark: int, started: float) -> bool:
        """Wait for the form's request to complete; True when it started but never completed."""
        while True:
            elapsed = time.monotonic() - started
            request = network.form_request(mark)
            if request is not None and request.done:
                return False
            if request is None and elapsed >= self.timing.no_request and not network.in_flight():
                return False
            if elapsed >= self.timing.submit_completes:
                return request is not None
            self._check_browser()
            await asyncio.sleep(0.05)

    async def _invalid_fields(self, plan: list[Assignment]) -> list[str]:
        control = next((a.control for a in plan if a.role == "message"), None)
        if control is None or control.form < 0:
            return []
        try:
            found = await control.frame.evaluate(INVALID_JS, control.form)
        except PlaywrightError:
            return []  # the form's page is gone: it navigated away, so the browser let it go
        return [" ".join(str(item).split()) for item in found]

    async def _screenshot(self, page: Page, name: str, caption: str) -> None:
        path = self.context.evidence_path(self.inquiry, name)
        try:
            await page.screenshot(path=str(path), full_page=True, timeout=15_000)
        except PlaywrightError:
            return  # evidence is best effort; the verdict does not depend on it
        self.evidence.append(Evidence("screenshot", path, caption))

    def _check_browser(self) -> None:
        browser = self.browser_context.browser
        if browser is not None and not browser.is_connected():
            raise BrowserGone("the browser is no longer running")


def audit_folder(context: ProbeContext) -> Path:
    # The evidence folder sits in the audit folder, whose own probes/ may override the vocabularies.
    return context.evidence_dir.parent


def reason(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


async def _tab_order(frame: Any, handles: list[ElementHandle]) -> list[int]:
    """The controls' indexes in the order Tab visits them: positive tabindex first, then the document's."""
    order: list[int] = await frame.evaluate(
        """(els) => els.map((e, i) => [e.tabIndex > 0 ? e.tabIndex : 1e9, i]).sort((a, b) => a[0] - b[0]
             || (els[a[1]].compareDocumentPosition(els[b[1]]) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))
             .map((p) => p[1])""",
        handles,
    )
    return order


def _identity(control: Control) -> tuple[str, ...]:
    """The same control across rescans (its handle changes when the page re-renders)."""
    return (
        str(id(control.frame)),
        str(control.form),
        control.type,
        control.name,
        control.id,
        control.caption,
    )


def _field_row(assignment: Assignment, filled: bool) -> dict[str, Any]:
    return {
        "field": assignment.control.caption,
        "role": assignment.role,
        "value": assignment.shown,
        "filled": filled,
    }
