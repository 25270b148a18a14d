"""Add the sandbox's own replies to the corpus: every behaviour, in German and in English.

The messages are built by servaudit's sandbox code (servaudit/sandbox/behaviours.py),
including its aiosmtpd-side DSN, so the corpus checks that the classifier keeps
the demo right. Each file's planned delay goes into tests/corpus/sandbox-seconds.toml
as its "seconds after the inquiry". Run from the repository root:

    python tests/corpus/tools/sandbox_messages.py
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from servaudit.sandbox.behaviours import Inbound, plan_replies
from servaudit.sandbox.fleet import DEFAULT_FLEET

CORPUS = Path(__file__).resolve().parents[1]
PERSONAS = {
    "de": ("Anna Schmidt", "anna.schmidt@mailbox.example"),
    "en": ("Oliver Bennett", "oliver.bennett@mailbox.example"),
}
QUESTIONS = {
    "de": (
        "Frage zu meinem Vertrag",
        "Guten Tag,\n\nist ein Tarifwechsel vor Ablauf möglich?\n\nViele Grüße\nAnna Schmidt\n",
    ),
    "en": ("Question about delivery", "Hello,\n\ncan you deliver by Friday?\n\nThank you,\nOliver Bennett\n"),
}


def main() -> None:
    received = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    seconds: dict[str, float] = {}
    for company in DEFAULT_FLEET:
        if company.behaviour in ("silence", "reject"):
            continue
        for language in ("de", "en"):
            variant = dataclasses.replace(company, language=language)
            name, address = PERSONAS[language]
            subject, body = QUESTIONS[language]
            message = EmailMessage()
            message["From"] = f"{name} <{address}>"
            message["To"] = company.address
            message["Subject"] = subject
            message["Date"] = "Wed, 04 Mar 2026 10:29:58 +0000"
            message["Message-ID"] = f"<inquiry.{company.slug}.{language}@mailbox.example>"
            message.set_content(body)
            inquiry = Inbound.parse(bytes(message), address, received)
            for number, planned in enumerate(plan_replies(variant, inquiry, random.Random(7)), start=1):
                raw = planned.build(received + timedelta(seconds=planned.delay_seconds))
                relative = f"{planned.kind}/sandbox-{company.behaviour}-{language}-{number}.eml"
                (CORPUS / relative).write_bytes(raw)
                seconds[relative] = planned.delay_seconds
    lines = [
        "# Written by tools/sandbox_messages.py: seconds between the inquiry and each sandbox reply",
        "# (the planned delay, unscaled), passed to the classifier as timing evidence.",
        "[seconds]",
        *(f'"{path}" = {value}' for path, value in sorted(seconds.items())),
    ]
    (CORPUS / "sandbox-seconds.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(seconds)} sandbox messages")


if __name__ == "__main__":
    main()
