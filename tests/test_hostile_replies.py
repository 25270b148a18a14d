"""No reply stops the pipeline: real replies, mutated (headers, MIME structure, charsets, encodings,
sizes), go through parse, match, classify, score and the report's excerpt without an exception, and
a mailbox full of them is collected and reported end to end."""

from __future__ import annotations

import mailbox
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servaudit import message as mail
from servaudit.audit_store import open_store
from servaudit.config import Audit, AuditConfig
from servaudit.engine import run
from servaudit.replies.classify import Vocabulary, classify
from servaudit.replies.match import InquiryIndex, match
from servaudit.replies.quality import QualityVocabulary, score_reply
from servaudit.replies.signals import Signals
from servaudit.sandbox import Sandbox
from servaudit.store import InquiryRecord
from tests.audit_fixtures import company
from tests.corpus import REAL, samples

# One reply of each real system and of each hand-written class: the seeds that get mutated.
SEEDS = [
    s.path.read_bytes()
    for s in {(s.system, s.label): s for s in samples()}.values()
]
CHARSETS = ["idna", "punycode", "undefined", "utf-7", "x-unknown", "utf-16", "iso-2022-jp", "", "ü", "utf-8'"]
VOCABULARY = Vocabulary.load()
QUALITY = QualityVocabulary.load()
CONFIG = AuditConfig.model_validate(
    {
        "persona": {"name": "Anna Schmidt", "email": "anna.schmidt@mailbox.example"},
        "scenarios": {"x": {"subject": "Rückgabe nach 30 Tagen?", "body": "Kann ich zurückgeben?"}},
        "companies": {"acme": {"name": "Acme", "email": "service@harbourhome.example"}},
    }
)
INQUIRY = InquiryRecord(
    "acme.email.x.w1", "acme", "email", "x", 1, "service@harbourhome.example", "sent",
    "anna.schmidt@mailbox.example", "anna.schmidt+k7m2@mailbox.example", "Rückgabe nach 30 Tagen?",
    "Kann ich die Kaffeemaschine zurückgeben?", "<a1@mailbox.example>",
    datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) - timedelta(hours=1), None,
)
INDEX = InquiryIndex([INQUIRY], CONFIG)


def set_header(raw: bytes, name: bytes, value: bytes) -> bytes:
    head, sep, body = raw.partition(b"\n\n") if b"\r\n\r\n" not in raw else raw.partition(b"\r\n\r\n")
    lines = [line for line in head.splitlines() if not line.lower().startswith(name.lower() + b":")]
    return b"\r\n".join([*lines, name + b": " + value]) + (sep or b"\r\n\r\n") + body


def mutate(raw: bytes, choice: Callable[[list[int]], int], data: Callable[[], bytes]) -> bytes:
    """One mutation of a message; ``choice`` picks among options, ``data`` makes junk bytes."""
    kind = choice(list(range(9)))
    if kind == 0:  # a header's value replaced by junk, or unparseable
        names = [b"From", b"Subject", b"Content-Type", b"Message-ID", b"In-Reply-To", b"Date"]
        values = [b"<", data(), b"=?utf-8?b?!!!?=", b"(((", b"\xff\xfe"]
        return set_header(raw, names[choice(list(range(6)))], values[choice(list(range(5)))])
    if kind == 1:  # an odd charset
        charset = CHARSETS[choice(list(range(len(CHARSETS))))].encode()
        return set_header(raw, b"Content-Type", b"text/plain; charset=" + charset)
    if kind == 2:  # a broken transfer encoding
        encoding = [b"base64", b"quoted-printable", b"x-uuencode", b"8bit"][choice([0, 1, 2, 3])]
        return set_header(raw, b"Content-Transfer-Encoding", encoding) + data()
    if kind == 3:  # deep nesting
        depth = choice([5, 60, 400])
        head = b"".join(
            f"--n{i}\r\nContent-Type: multipart/mixed; boundary=n{i + 1}\r\n\r\n".encode()
            for i in range(depth)
        )
        return set_header(raw, b"Content-Type", b"multipart/mixed; boundary=n0") + b"\r\n" + head
    if kind == 4:  # large
        return raw + (data() or b"x") * choice([10, 1000, 20000])
    if kind == 5:  # cut off anywhere
        return raw[: choice([0, 1, 10, len(raw) // 2, len(raw) - 1])]
    if kind == 6:  # NULs and bidi controls in the text
        return raw + "\u202e\u2066\x00 evil \u202c".encode() + b"\x00" * 3
    if kind == 7:  # no header/body separator, bare CRs
        return raw.replace(b"\r\n\r\n", b"\r\n").replace(b"\n", b"\r")
    return data() + raw  # junk before the headers


@st.composite
def hostile(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        raw = mutate(
            raw, lambda options: draw(st.sampled_from(options)), lambda: draw(st.binary(max_size=60))
        )
    return raw


def pipeline(raw: bytes, index: InquiryIndex) -> None:
    """Everything collect and the report do with one reply's bytes."""
    message = mail.parse(raw)
    for name in ("Message-ID", "Subject", "From"):
        mail.header(message, name)
    found = match(message, datetime.now(UTC), index)
    sent = ("Rückgabe nach 30 Tagen?", "Kann ich die Kaffeemaschine zurückgeben?", "Anna Schmidt")
    result = classify(message, VOCABULARY, 120.0, sent, "de")
    assert result.label and result.reasons
    signals = Signals(message, VOCABULARY, 120.0, sent, "de")
    score_reply(signals, "human", "Anna Schmidt", "de", ("Rückgabe: zurückgeben | rückgabe",), QUALITY)
    excerpt = mail.new_text(mail.body_text(message)) or mail.body_text(message)
    assert isinstance(excerpt, str)
    assert found is None or found.inquiry_id


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(raw=hostile())
def test_no_mutated_reply_breaks_parse_match_classify_score_or_excerpt(raw: bytes) -> None:
    pipeline(raw, INDEX)


def test_seeds_come_from_every_real_system() -> None:
    real = {p.name for p in REAL.iterdir() if p.is_dir()}
    seeded = {s.system for s in samples()}
    assert real <= seeded and len(SEEDS) >= 20


def test_a_mailbox_of_mutated_replies_is_collected_and_reported(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit([company(sandbox, "silence")])
    run(audit)
    rng = random.Random(2026)
    box = mailbox.Maildir(tmp_path / "mail")
    count = 40
    for _ in range(count):
        raw = rng.choice(SEEDS)
        for _ in range(rng.randint(1, 3)):
            raw = mutate(raw, rng.choice, lambda: rng.randbytes(rng.randint(0, 60)))
        box.add(raw)
    for command in (["collect"], ["report", "--out", str(tmp_path / "report")]):
        done = subprocess.run(
            [sys.executable, "-m", "servaudit", *command, "-a", str(audit.folder)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    store = open_store(audit)
    assert len(store.messages()) == count  # every message kept, however broken
    store.close()
