"""The sandbox's web contact forms: one page per simulated company, each failing (or not) its own way.

A submitted form becomes an inquiry for the company's scripted e-mail
behaviour (see behaviours.py), so acknowledgements and answers arrive in the
persona's mailbox like a real helpdesk's. Every submission is also kept in
memory (``FormsSite.submissions``) so tests can see exactly what reached the
server: which fields, the browser's user agent, whether a honeypot was filled.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from importlib import resources
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from servaudit import timing
from servaudit.sandbox.behaviours import Inbound
from servaudit.sandbox.fleet import SandboxCompany
from servaudit.sandbox.forms_fleet import DEMO_FORMS, FORM_FLEET, PAGES, FormCompany
from servaudit.sandbox.web import LocalSite

# The form companies themselves live in forms_fleet.py; their names stay importable from here.
__all__ = [
    "DEMO_FORMS",
    "FORM_FLEET",
    "HONEYPOTS",
    "PAGES",
    "Answer",
    "FormCompany",
    "FormsSite",
    "Submission",
]

log = logging.getLogger(__name__)

HONEYPOTS = ("website", "email_confirm", "contact_me_by_fax", "phone_hp")
"""Field names people never see: a submission filling one is treated as spam and dropped."""

Accept = Callable[[SandboxCompany, Inbound], None]
_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8ffff3f"
    "030008fc02fea79aa0a00000000049454e44ae426082"
)
"""A 1×1 transparent PNG (the "remembers" page's cacheable logo)."""


class Answer(NamedTuple):
    status: int
    body: str
    content_type: str = "text/html"
    location: str | None = None


@dataclass
class Submission:
    company: str
    page: str
    fields: dict[str, str]
    """The posted fields, by the name the page gave them (hashed names already translated)."""
    user_agent: str
    received_at: datetime
    outcome: str
    """What the site did with it: accepted, dropped, spam, invalid, captcha, server_error; ordered or
    booked (an order or booking form: servaudit must never cause these)."""
    extra: dict[str, Any] = field(default_factory=dict)


_WORDS = {
    "de": {"contact": "Kontakt", "search": "Suchen …", "subscribe": "Abonnieren"},
    "en": {"contact": "Contact", "search": "Search …", "subscribe": "Subscribe"},
}
_THANKS = {
    "de": "Vielen Dank für Ihre Nachricht! Wir melden uns schnellstmöglich bei Ihnen.",
    "en": "Thank you for your message. We have received it and will get back to you shortly.",
}
_MISSING = {
    "de": "Bitte füllen Sie alle Pflichtfelder aus und bestätigen Sie die Datenschutzerklärung.",
    "en": "Please fill in all required fields.",
}
# What each hashed field of the JavaScript form is, and how it asks for it (placeholders only).
_JS_FIELDS = (
    ("name", "input", "Vor- und Nachname", True),
    ("email", "input", "Ihre E-Mail-Adresse", True),
    ("subject", "input", "Betreff", False),
    ("message", "textarea", "Wie können wir Ihnen helfen?", True),
)


def _template(name: str) -> str:
    return resources.files("servaudit.sandbox").joinpath("forms_pages", name).read_text(encoding="utf-8")


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class FormsSite(LocalSite):
    """An HTTP server on localhost serving every form company's contact page under /<slug>/."""

    label = "sandbox forms site"

    def __init__(self, forms: Sequence[FormCompany], accept: Accept, host: str = "127.0.0.1", port: int = 0):
        slugs = [form.slug for form in forms]
        if len(set(slugs)) != len(slugs):
            raise ValueError("sandbox forms: company slugs must be unique")
        super().__init__(host, port)
        self.forms = {form.slug: form for form in forms}
        self._accept = accept
        self._lock = threading.Lock()
        self._submissions: list[Submission] = []
        self._tokens: dict[str, dict[str, str]] = {}
        self.fragments_served = 0
        """How often the "ajax" page re-rendered its fields (each time wiping what was typed there)."""
        self._returning: list[tuple[str, str]] = []

    @property
    def returning(self) -> list[tuple[str, str]]:
        """(slug, what it recognised) each time the "remembers" page saw a visitor come back."""
        with self._lock:
            return list(self._returning)

    def recognised(self, form: FormCompany, what: str) -> None:
        with self._lock:
            self._returning.append((form.slug, what))

    @property
    def submissions(self) -> list[Submission]:
        with self._lock:
            return list(self._submissions)

    def start(self) -> None:
        site = self

        class Handler(_Handler):
            pass

        Handler.site = site
        self.serve(Handler)
        log.info("sandbox forms on %s", self.base_url)

    def stop(self) -> None:
        self.shutdown()

    # -- pages -------------------------------------------------------------------------------

    def page(self, form: FormCompany, errors: str = "") -> str:
        company = form.company
        words = _WORDS[company.language]
        values = {
            "slug": company.slug,
            "company": _escape(company.name),
            "lang": company.language,
            "errors": errors,
        }
        if form.page == "jsrender":
            token = secrets.token_hex(8)
            names = {f"f{secrets.token_hex(6)}": role for role, *_ in _JS_FIELDS}
            with self._lock:
                self._tokens[token] = names
            by_role = {role: name for name, role in names.items()}
            fields = [
                {"name": by_role[role], "tag": tag, "placeholder": placeholder, "required": required}
                for role, tag, placeholder, required in _JS_FIELDS
            ]
            values["fields_json"] = json.dumps(fields, ensure_ascii=False).replace("</", "<\\/")
            values["token_json"] = json.dumps(token)
        content = _fill(_template(f"{form.page}.html"), values)
        return _fill(
            _template("_layout.html"),
            {
                **values,
                "title": words["contact"],
                "contact_word": words["contact"],
                "search_word": words["search"],
                "subscribe_word": words["subscribe"],
                "content": content,
            },
        )

    def fragment(self, form: FormCompany, topic: str, email: str) -> str:
        """The AJAX part of the "ajax" page: fresh (empty) fields each time it is asked for."""
        with self._lock:
            self.fragments_served += 1
        if not topic:
            return "<p>Bitte wählen Sie zuerst Ihr Anliegen.</p>"
        parts = [
            '<label for="name">Name</label><input type="text" id="name" name="name" required>',
            '<label for="betreff">Betreff</label><input type="text" id="betreff" name="subject">',
        ]
        if topic == "lieferung":
            parts.append(
                '<label for="bestellnr">Bestellnummer (falls zur Hand)</label>'
                '<input type="text" id="bestellnr" name="order">'
            )
        parts.append(
            '<label for="nachricht">Nachricht</label>'
            '<textarea id="nachricht" name="message" required></textarea>'
        )
        if email:
            parts.append(f'<p class="hint">Wir antworten an {_escape(email)}.</p>')
        return "\n".join(parts)

    # -- submissions -------------------------------------------------------------------------

    def submit(self, form: FormCompany, posted: dict[str, str], user_agent: str) -> Answer:
        """Handle a posted form the way this company's site does."""
        company = form.company
        lang = company.language
        fields = self._translate(posted)
        now = timing.now()  # servaudit's clock: a simulated study's forms arrive on it

        def record(outcome: str) -> None:
            with self._lock:
                self._submissions.append(
                    Submission(company.slug, form.page, fields, user_agent, now, outcome)
                )

        wants_json = form.page == "jsrender"
        if form.page == "captcha" and not fields.get("g-recaptcha-response"):
            record("captcha")
            return Answer(400, self._answer(form, "Please confirm that you are not a robot.", ok=False))
        if form.page in ("checkout", "booking"):
            record("ordered" if form.page == "checkout" else "booked")  # what servaudit must never cause
            return Answer(200, self._answer(form, "Vielen Dank für Ihre Bestellung.", ok=True))
        if form.page == "servererror":
            record("server_error")
            return Answer(500, "<h1>500 Internal Server Error</h1><p>nginx</p>")
        if any(fields.get(name) for name in HONEYPOTS):
            record("spam")  # bots get a thank-you and nothing happens
            return Answer(200, self._answer(form, _THANKS[lang], ok=True))
        required = ["email", "message"] + (["consent", "topic"] if form.page == "consent" else [])
        if any(not fields.get(name, "").strip() for name in required) or "@" not in fields.get("email", ""):
            record("invalid")
            if wants_json:
                return Answer(200, json.dumps({"ok": False, "text": _MISSING[lang]}), "application/json")
            if form.page == "consent":
                return Answer(200, self.page(form, f'<p class="error">{_MISSING[lang]}</p>'))
            return Answer(200, self._answer(form, _MISSING[lang], ok=False))
        if form.page == "fakethanks":
            record("dropped")  # the page thanks the customer; the inquiry goes nowhere
        else:
            record("accepted")
            self._accept(company, self._inquiry(company, fields, now))
        if wants_json:
            return Answer(200, json.dumps({"ok": True, "text": _THANKS[lang]}), "application/json")
        if form.page == "plain":
            return Answer(303, "", location=f"/{company.slug}/thanks")
        return Answer(200, self._answer(form, _THANKS[lang], ok=True))

    def _translate(self, posted: dict[str, str]) -> dict[str, str]:
        token = posted.pop("_token", "")
        with self._lock:
            names = self._tokens.get(token, {})
        return {names.get(name, name): value for name, value in posted.items()}

    def _answer(self, form: FormCompany, text: str, ok: bool) -> str:
        css = "ok" if ok else "error"
        inner = f'<p class="{css}">{_escape(text)}</p>'
        if form.page == "iframe":
            return f'<!doctype html><html><head><meta charset="utf-8"></head><body>{inner}</body></html>'
        return _fill(
            _template("_layout.html"),
            {
                "slug": form.slug,
                "company": _escape(form.company.name),
                "lang": form.company.language,
                "title": _WORDS[form.company.language]["contact"],
                "contact_word": _WORDS[form.company.language]["contact"],
                "search_word": _WORDS[form.company.language]["search"],
                "subscribe_word": _WORDS[form.company.language]["subscribe"],
                "content": inner,
            },
        )

    @staticmethod
    def _inquiry(company: SandboxCompany, fields: dict[str, str], now: datetime) -> Inbound:
        """What the helpdesk receives from its form: a mail from the customer, without a Message-ID."""
        name = fields.get("name") or " ".join(
            part for part in (fields.get("first_name", ""), fields.get("last_name", "")) if part
        )
        subject = fields.get("subject") or (
            "Kontaktformular" if company.language == "de" else "Contact form"
        ) + (f": {fields['topic']}" if fields.get("topic") else "")
        message = EmailMessage()
        message["From"] = formataddr((name, fields["email"]))
        message["To"] = company.address
        message["Subject"] = subject
        message["Date"] = format_datetime(now.astimezone())
        message.set_content(fields.get("message", ""))
        return Inbound.parse(bytes(message), fields["email"], now)


class _Handler(BaseHTTPRequestHandler):
    site: FormsSite
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("forms site: " + format, *args)

    def _send(
        self,
        status: int,
        content_type: str,
        body: str | bytes,
        location: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> tuple[FormCompany | None, str]:
        parts = urlsplit(self.path).path.strip("/").split("/")
        form = self.site.forms.get(parts[0]) if parts else None
        return form, "/".join(parts[1:])

    def do_GET(self) -> None:
        path = urlsplit(self.path)
        if path.path.startswith("/static/recaptcha/"):
            self._send(200, "text/html", _template("captcha_widget.html"))
            return
        if path.path in ("", "/"):
            links = "".join(
                f'<li><a href="/{slug}/">{_escape(f.company.name)}</a> ({f.page})</li>'
                for slug, f in self.site.forms.items()
            )
            self._send(200, "text/html", f"<!doctype html><meta charset=utf-8><ul>{links}</ul>")
            return
        form, rest = self._route()
        if form is None:
            self._send(404, "text/html", "<h1>404 Not Found</h1>")
        elif form.page == "remembers" and rest in ("", "sw.js", "logo.png"):
            self._remembering(form, rest)
        elif rest == "":
            self._send(200, "text/html", self.site.page(form))
        elif rest == "frame" and form.page == "iframe":
            self._send(200, "text/html", _fill(_template("iframe_inner.html"), {"slug": form.slug}))
        elif rest == "thanks":
            self._send(200, "text/html", self.site._answer(form, _THANKS[form.company.language], ok=True))
        elif rest == "fragment" and form.page == "ajax":
            query = parse_qs(path.query)
            topic = query.get("topic", [""])[0]
            email = query.get("email", [""])[0]
            self._send(200, "text/html", self.site.fragment(form, topic, email))
        else:
            self._send(404, "text/html", "<h1>404 Not Found</h1>")

    def _remembering(self, form: FormCompany, rest: str) -> None:
        """The "remembers" page, its service worker and its cacheable logo: a site that keeps every
        trace of a visit a browser allows (see remembers.html)."""
        if rest == "sw.js":
            self._send(200, "text/javascript", "self.addEventListener('fetch', () => {});")
        elif rest == "logo.png":
            self._send(200, "image/png", _PIXEL, headers=(("Cache-Control", "max-age=86400"),))
        elif self.headers.get("Cookie"):
            self.site.recognised(form, "cookie sent to the server")
            welcome = self.site._answer(form, "Willkommen zurück! Schön, Sie wiederzusehen.", ok=True)
            self._send(200, "text/html", welcome)
        else:
            cookie = f"visitor={secrets.token_hex(8)}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
            self._send(200, "text/html", self.site.page(form), headers=(("Set-Cookie", cookie),))

    def do_POST(self) -> None:
        form, rest = self._route()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1_000_000)).decode("utf-8", "replace")
        if form is not None and form.page == "remembers" and rest == "seen":
            self.site.recognised(form, body)
            self._send(204, "text/plain", "")
            return
        if form is None or rest not in ("send", "newsletter"):
            self._send(404, "text/html", "<h1>404 Not Found</h1>")
            return
        if rest == "newsletter":
            self._send(200, "text/html", "<p>Subscribed.</p>")
            return
        posted = {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}
        try:
            answer = self.site.submit(form, posted, self.headers.get("User-Agent", ""))
        except Exception:
            log.exception("sandbox form submission failed")
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/html", "<h1>500</h1>")
            return
        self._send(answer.status, answer.content_type, answer.body, answer.location)
