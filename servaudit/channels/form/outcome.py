"""What a submit click did: the page's network traffic, what the page says, and the verdict.

The verdict is a pure function of what was observed, so every rule here can
be read (and tested) without a browser. The time the form's request
completed is the moment the response clock starts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime

from playwright.async_api import Page, Request, Response

from servaudit.channels.form import SUBMIT_FAILED, SUBMITTED
from servaudit.timing import now

IGNORED_TYPES = frozenset({"image", "stylesheet", "font", "media", "ping", "manifest", "other"})
"""Requests that are never the form's own (ping: analytics beacons)."""
SENDING_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Refused before anything reached the site: safe to call "nothing was sent".
NEVER_REACHED = ("ERR_CONNECTION_REFUSED", "ERR_NAME_NOT_RESOLVED", "ERR_ADDRESS_UNREACHABLE", "ERR_BLOCKED")


@dataclass
class Exchange:
    """One request of the page and what became of it."""

    request: Request
    method: str
    url: str
    resource_type: str
    started_at: datetime
    status: int | None = None
    completed_at: datetime | None = None
    failure: str | None = None
    redirected_from: Exchange | None = None
    redirected_to: Exchange | None = None

    @property
    def done(self) -> bool:
        last = self.last
        return last.completed_at is not None or last.failure is not None

    @property
    def last(self) -> Exchange:
        """The end of this request's redirect chain (POST → 303 → GET thank-you page)."""
        current = self
        while current.redirected_to is not None:
            current = current.redirected_to
        return current


class NetworkLog:
    """Every request a page makes, recorded from the moment it is attached."""

    def __init__(self, page: Page) -> None:
        self.exchanges: list[Exchange] = []
        self._by_request: dict[int, Exchange] = {}
        self.last_activity = time.monotonic()
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfinished", self._on_finished)
        page.on("requestfailed", self._on_failed)

    def _on_request(self, request: Request) -> None:
        self.last_activity = time.monotonic()
        exchange = Exchange(request, request.method, request.url, request.resource_type, now())
        previous = request.redirected_from
        if previous is not None and id(previous) in self._by_request:
            exchange.redirected_from = self._by_request[id(previous)]
            exchange.redirected_from.redirected_to = exchange
            exchange.redirected_from.completed_at = exchange.redirected_from.completed_at or now()
        self._by_request[id(request)] = exchange
        self.exchanges.append(exchange)

    def _on_response(self, response: Response) -> None:
        self.last_activity = time.monotonic()
        exchange = self._by_request.get(id(response.request))
        if exchange is not None:
            exchange.status = response.status

    def _on_finished(self, request: Request) -> None:
        self.last_activity = time.monotonic()
        exchange = self._by_request.get(id(request))
        if exchange is not None and exchange.completed_at is None:
            exchange.completed_at = now()

    def _on_failed(self, request: Request) -> None:
        self.last_activity = time.monotonic()
        exchange = self._by_request.get(id(request))
        if exchange is not None:
            exchange.failure = request.failure or "failed"

    def mark(self) -> int:
        return len(self.exchanges)

    def urls(self) -> list[str]:
        return [exchange.url for exchange in self.exchanges]

    def in_flight(self) -> int:
        return sum(1 for e in self.exchanges if e.completed_at is None and e.failure is None)

    def form_request(self, mark: int) -> Exchange | None:
        """The request that carried the form: the first sending request since ``mark``, else a page load."""
        since = [e for e in self.exchanges[mark:] if e.redirected_from is None]
        sending = [e for e in since if e.method in SENDING_METHODS and e.resource_type not in IGNORED_TYPES]
        if sending:
            return sending[0]
        loads = [e for e in since if e.resource_type == "document"]
        return loads[0] if loads else None

    async def quiet(self, idle: float = 0.4, limit: float = 3.0) -> None:
        """Wait until no request has been open or started for ``idle`` seconds (at most ``limit``)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.in_flight() and time.monotonic() - self.last_activity >= idle:
                return
            await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Observation:
    """What the probe saw between its submit click and the page settling."""

    request: Exchange | None
    url_before: str
    url_after: str
    confirmations: tuple[str, ...] = ()
    """Confirmation phrases found in text new on the page (or in a dialog) after the click."""
    errors: tuple[str, ...] = ()
    """Error phrases found in new text: validation messages, "something went wrong"."""
    invalid: tuple[str, ...] = ()
    """Fields the browser's own validation refused, with its message."""
    script_errors: tuple[str, ...] = ()
    timed_out: bool = False
    """The form's request started but had not completed when the probe stopped waiting."""
    new_text: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Verdict:
    status: str
    """The engine's send status: sent, rejected or uncertain."""
    outcome: str
    detail: str
    delivered_at: datetime | None = None


def _quote(texts: tuple[str, ...]) -> str:
    return "; ".join(f"“{t[:120]}”" for t in texts[:3])


def decide(seen: Observation) -> Verdict:
    """Submitted, failed (and whether anything may have been sent), from what the probe observed."""
    request = seen.request
    if request is None:
        if seen.invalid:
            return Verdict(
                "rejected", SUBMIT_FAILED, f"the browser refused to submit: {_quote(seen.invalid)}"
            )
        if seen.errors:
            return Verdict(
                "rejected", SUBMIT_FAILED, f"the form showed an error and sent nothing: {_quote(seen.errors)}"
            )
        if seen.confirmations:
            return Verdict(
                "rejected",
                SUBMIT_FAILED,
                f"the page showed {_quote(seen.confirmations)}, but no request left the browser: "
                "nothing was sent",
            )
        if seen.script_errors:
            return Verdict(
                "rejected", SUBMIT_FAILED, f"a script error stopped the form: {_quote(seen.script_errors)}"
            )
        return Verdict("rejected", SUBMIT_FAILED, "nothing happened on submit: no request, no message")
    last = request.last
    where = f"{request.method} {request.url}"
    if seen.timed_out:
        return Verdict(
            "uncertain", SUBMIT_FAILED, f"the form's request {where} did not complete; it may have arrived"
        )
    if last.failure is not None:
        if request.redirected_to is None and any(code in last.failure for code in NEVER_REACHED):
            return Verdict(
                "rejected",
                SUBMIT_FAILED,
                f"the form's request {where} never reached the site: {last.failure}",
            )
        return Verdict(
            "uncertain",
            SUBMIT_FAILED,
            f"the form's request {where} failed midway ({last.failure}); it may have arrived",
        )
    status = last.status or 0
    answered = _answered(request)
    if status >= 400:
        return Verdict("rejected", SUBMIT_FAILED, f"the form's request {where} answered {answered}")
    delivered = request.completed_at
    if seen.errors and not seen.confirmations:
        return Verdict(
            "rejected", SUBMIT_FAILED, f"the site refused the form ({answered}): {_quote(seen.errors)}"
        )
    if seen.confirmations:
        return Verdict(
            "sent",
            SUBMITTED,
            f"{where} → {answered}; confirmation {_quote(seen.confirmations)}",
            delivered,
        )
    if seen.url_after.split("#")[0] != seen.url_before.split("#")[0]:
        return Verdict("sent", SUBMITTED, f"{where} → {answered}; redirected to {seen.url_after}", delivered)
    return Verdict(
        "sent",
        SUBMITTED,
        f"{where} → {answered}; the page showed no confirmation (success status only)",
        delivered,
    )


def _answered(request: Exchange) -> str:
    """The submission's own status, then each redirect's (``HTTP 303 → 200``): the POST's answer is the
    site's verdict on the form, the thank-you page's only how it looked."""
    statuses = []
    current: Exchange | None = request
    while current is not None:
        statuses.append(str(current.status) if current.status is not None else "?")
        current = current.redirected_to
    return "HTTP " + " → ".join(statuses)


def phrases_in(lines: tuple[str, ...], phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The lines containing any of ``phrases`` (case-insensitive)."""
    return tuple(line for line in lines if any(phrase in line.lower() for phrase in phrases))
