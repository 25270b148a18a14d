"""What a reply is: bounce, auto-reply, acknowledgement, deflection, marketing, human or unknown.

The classifier weighs the evidence of probes/vocabulary/evidence.toml (headers
of RFC 3834, 3464, 5965, the arrival delay, the author's own words once the
echoed inquiry is removed) and the phrases of probes/vocabulary/replies.toml.
Strong machine evidence is never outweighed by word count. Nothing falls
through to ``human``: a message that is neither clearly a machine's nor
clearly a person's is ``unknown``, counts as no answer and waits for a
consultant's grade. Every decision lists the evidence it rests on, the
deciding line first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message

from servaudit import message as mail
from servaudit.labels import (
    ACKNOWLEDGEMENT,
    AUTO_REPLY,
    BOT,
    BOUNCE,
    DEFLECTION,
    EMAIL_LABELS,
    HUMAN,
    HUMAN_WRITTEN,
    LABELS,
    MARKETING,
    OUT_OF_OFFICE,
    SYSTEM,
    UNKNOWN,
)
from servaudit.replies.bounce import BounceInfo, bounce_evidence
from servaudit.replies.evidence import Evidence, found, header_evidence
from servaudit.replies.signals import (
    FAST_SECONDS,
    PHONE,
    ReplyParts,
    Signals,
    sentences,
    split_reply,
)
from servaudit.replies.versions import CLASSIFIER_VERSION
from servaudit.replies.vocabulary import Phrases, Vocabulary, fold, is_noreply

__all__ = [
    "ACKNOWLEDGEMENT",
    "AUTO_REPLY",
    "BOT",
    "BOUNCE",
    "CLASSIFIER_VERSION",
    "DEFLECTION",
    "EMAIL_LABELS",
    "FAST_SECONDS",
    "HUMAN",
    "HUMAN_WRITTEN",
    "LABELS",
    "MARKETING",
    "OUT_OF_OFFICE",
    "PHONE",
    "SYSTEM",
    "UNKNOWN",
    "BounceInfo",
    "Classification",
    "Phrases",
    "ReplyParts",
    "Signals",
    "Vocabulary",
    "classify",
    "classify_signals",
    "fold",
    "is_noreply",
    "judge_version",
    "sentences",
    "split_reply",
    "written_text",
]

SUBSTANCE_WORDS = 20
"""Words of substance (not courtesy, echo or a recognised formula) above which a text answers something."""


def judge_version(vocabulary: Vocabulary, machine_seconds: float = FAST_SECONDS, reading: str = "") -> str:
    """What a stored judgement was made with (rules, vocabulary, the audit's machine_seconds, and
    the fingerprint of what the reading for the report uses): when any of them changes, collect
    judges stored messages again."""
    return f"{CLASSIFIER_VERSION}+{vocabulary.fingerprint}+{machine_seconds:g}s" + (
        f"+{reading}" if reading else ""
    )


@dataclass(frozen=True)
class Classification:
    label: str
    reasons: tuple[str, ...]
    """The deciding line first, then every piece of evidence seen."""
    bounce: BounceInfo | None = None


def _quoted(kind: str, hits: list[str]) -> list[str]:
    return [f"{kind}: {hit!r}" for hit in hits]


def classify(
    message: Message,
    vocabulary: Vocabulary,
    seconds_after_inquiry: float | None = None,
    sent: Sequence[str] = (),
    language: str = "de",
    fast_seconds: float = FAST_SECONDS,
) -> Classification:
    """Classify one message; ``sent`` is what the inquiry said (so an echo of it is not an answer)."""
    return classify_signals(
        Signals(message, vocabulary, seconds_after_inquiry, tuple(sent), language, fast_seconds)
    )


def _report(s: Signals) -> Classification | None:
    """A machine's report that is not a delivery failure: a feedback report, a read receipt, a rejection."""
    if s.message.get_content_type() != "multipart/report":
        return None
    report_type = str(s.message.get_param("report-type", header="content-type") or "").lower()
    if report_type == "feedback-report":
        evidence = found("feedback-report", "multipart/report; report-type=feedback-report")
        return Classification(AUTO_REPLY, ("a feedback report", evidence.reason()))
    evidence = found("disposition-notification", f"multipart/report; report-type={report_type or '?'}")
    disposition = fold(" ".join(_disposition_fields(s.message)))
    if "deleted" in disposition or "denied" in disposition:
        return Classification(
            BOUNCE,
            ("the receiving system refused the message", evidence.reason(), f"Disposition: {disposition}"),
            BounceInfo((), True, None),
        )
    return Classification(AUTO_REPLY, ("a machine's report, no answer", evidence.reason()))


def _disposition_fields(message: Message) -> list[str]:
    fields: list[str] = []
    for part in message.walk():
        if part.get_content_type() == "message/disposition-notification":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            for block in blocks:
                if isinstance(block, Message):
                    fields.extend(str(v) for k, v in block.items() if k.lower() == "disposition")
            if isinstance(payload, str):
                fields.extend(
                    line.partition(":")[2]
                    for line in payload.splitlines()
                    if line.lower().startswith("disposition:")
                )
    return fields


def classify_signals(s: Signals) -> Classification:
    bounce = bounce_evidence(s)
    if bounce is not None:
        standard = (
            [found("delivery-status", "multipart/report; report-type=delivery-status").reason()]
            if bounce.dsn
            else []
        )
        return Classification(BOUNCE, ("a delivery failure notice", *standard, *bounce.reasons), bounce.info)
    report = _report(s)
    if report is not None:
        return report
    v = s.vocabulary
    evidence: list[Evidence] = header_evidence(s.message, v, s.sender, s.mail_system)
    if s.fast and s.seconds_after_inquiry is not None:
        evidence.append(
            found(
                "fast-arrival",
                f"arrived {s.seconds_after_inquiry:.0f} s after the inquiry (under {s.fast_seconds:.0f} s)",
            )
        )
    automatic_subject = v.automatic_subjects.hits(s.own_subject)
    if automatic_subject:
        evidence.append(found("automatic-subject", f"subject says {automatic_subject[0]!r}"))
    strong_machine = [e for e in evidence if e.machine and e.strong]
    decisive = [e for e in strong_machine if e.decisive]
    any_machine = [e for e in evidence if e.machine]

    ooo_subject = v.auto_subjects.hits(s.own_subject)
    ooo_body = v.auto_body.hits(s.text)
    ack_subject = v.ack_subjects.hits(s.own_subject)
    ack_receipt = v.ack_receipt.hits(s.text)
    ack_support = v.ack_body.hits(s.text)
    relayed = v.relayed_answer.hits(s.written_folded)
    # Words of the new text that no formula explains: the substance of an answer.
    formulas = (v.auto_body, v.ack_receipt, v.ack_body, v.deflection_body, v.refusal_body, v.channel_info)
    substance_sentences, substance_words = s.substance(*formulas)
    answers = substance_words >= SUBSTANCE_WORDS and substance_sentences >= 2
    substance = f"{substance_words} words of its own in {substance_sentences} sentences"
    if s.echoed:
        substance += f" ({s.echoed} lines or sentences that repeat the inquiry or a template left out)"

    human: list[Evidence] = []
    if answers:
        human.append(found("own-text", substance))
    elif s.own_words:
        human.append(found("short-text", f"{s.own_words} words"))
    if relayed:
        human.append(found("relayed-answer", repr(relayed[0])))
    if s.threaded:
        human.append(found("threaded-reply", "a reply in the inquiry's thread"))
    if s.parts.quoted:
        human.append(found("quotes-inquiry", "quotes an earlier message"))
    seen = tuple(e.reason() for e in (*evidence, *human))

    def decide(label: str, why: str, *phrases: str) -> Classification:
        return Classification(label, (why, *seen, *phrases, substance))

    # A promotion is sent to a list, not in answer to the inquiry: an automatic response to it
    # (RFC 3834, or within seconds) or a helpdesk's mail about it is none, list headers or not.
    marketing = None if relayed or s.ticket_tag or strong_machine else _marketing(s)
    if marketing is not None:
        return decide(MARKETING, "a promotion: bulk-mail markers and advertising wording", *marketing)

    candidates: list[tuple[float, str, list[str]]] = []
    ooo_score = 2.0 * bool(ooo_subject) + min(len(ooo_body), 2)
    if ooo_score >= 2 or (ooo_score >= 1 and any_machine):
        phrases = [*_quoted("subject", ooo_subject), *_quoted("text", ooo_body)]
        candidates.append((ooo_score, AUTO_REPLY, phrases))
    ack_score = 2.0 * bool(ack_subject) + min(len(ack_receipt), 2) + 0.5 * min(len(ack_support), 2)
    if (ack_subject or ack_receipt) and (ack_score >= 2 or any_machine or not answers):
        phrases = [
            *_quoted("subject", ack_subject),
            *_quoted("text", ack_receipt),
            *_quoted("text", ack_support),
        ]
        candidates.append((ack_score, ACKNOWLEDGEMENT, phrases))
    if candidates:
        _, label, phrases = max(candidates, key=lambda c: c[0])
        kind = "absence" if label == AUTO_REPLY else "receipt"
        wording = found("absence-phrase" if label == AUTO_REPLY else "receipt-phrase", phrases[0])
        seen = (*seen, wording.reason())
        if strong_machine:
            first = (decisive or strong_machine)[0]
            return decide(label, f"{kind} wording and {first.signal.id} ({first.seen})", *phrases)
        if not answers:
            return decide(label, f"{kind} wording and nothing else of substance", *phrases)
        if relayed or (s.threaded and s.parts.quoted):
            why = f"{kind} wording, but a written answer in the thread ({substance})"
            return decide(HUMAN, why, *phrases)
        if s.threaded:
            why = f"{kind} wording beside {substance_words} words of its own: a consultant decides"
            return decide(UNKNOWN, why, *phrases)
        return decide(label, f"{kind} wording; its other text is no reply to the inquiry", *phrases)

    deflection = [*v.deflection_body.hits(s.text), *v.refusal_body.hits(s.text)]
    deflection += [
        f"redirect: {sentence[:80]!r}"
        for sentence in s.redirects
        if not v.deflection_body.hits(fold(sentence))
    ]
    sends = [f"sends elsewhere: {p!r}" for p in deflection]
    # A machine that repeats the inquiry or numbers it confirms receipt; any other says something else.
    receipt = bool(s.echoed or s.ticket_tag)
    machine_label = ACKNOWLEDGEMENT if receipt and not deflection else AUTO_REPLY
    what = "repeats the inquiry or numbers it" if machine_label == ACKNOWLEDGEMENT else "no answer"
    if decisive:
        first = decisive[0]
        why = f"declares itself automatic ({first.signal.id}: {first.seen}); {what}"
        return decide(machine_label, why, *sends)
    if strong_machine:
        first = strong_machine[0]
        # Only a reply that answers in the thread and quotes the inquiry is clearly a person's.
        if deflection or not answers or not (s.threaded and s.parts.quoted):
            return decide(machine_label, f"automated ({first.signal.id}: {first.seen}); {what}", *sends)
        return decide(
            UNKNOWN,
            f"automated by {first.signal.id} ({first.seen}), yet {substance_words} words of its own: "
            "a consultant decides",
            *sends,
        )
    if deflection and not answers:
        return decide(DEFLECTION, "sends the customer to another channel instead of answering", *sends)
    if answers:
        extra = ["mentions another channel, but answers too"] if deflection else []
        return decide(HUMAN, f"a written answer: {substance}", *extra)
    if relayed and s.own_words >= 3:
        return decide(HUMAN, f"a helpdesk relays an agent's answer ({s.own_words} words)")
    if s.own_words and (s.threaded or s.parts.quoted) and not s.noreply:
        return decide(HUMAN, f"a short answer in the inquiry's thread ({s.own_words} words)")
    return decide(UNKNOWN, "neither clearly a machine's nor clearly a person's: a consultant decides")


def _marketing(s: Signals) -> list[str] | None:
    if s.threaded:  # a reply is no promotion, whatever it says: its whole text is not read
        return None
    v = s.vocabulary
    marketing_headers = [h for h in v.marketing_headers if h in s.message]
    marketing_body = v.marketing_body.hits(fold(s.unechoed_body))
    marketing_subject = v.marketing_subjects.hits(s.own_subject)
    bulk = fold(mail.header(s.message, "Precedence")) in ("bulk", "list")
    score = (
        1.5 * bool(marketing_headers)
        + min(len(marketing_body), 3)
        + 0.5 * bool(marketing_subject)
        + 0.5 * bulk
        + 0.5
    )
    if score < 3 or not (marketing_headers or len(marketing_body) >= 2):
        return None
    return [
        *(f"header {h}" for h in marketing_headers),
        *_quoted("subject", marketing_subject),
        *_quoted("text", marketing_body),
        "not a reply to anything",
    ]


def written_text(body: str, vocabulary: Vocabulary) -> str:
    """What the author wrote for this reply: no quote, nothing from the closing formula on."""
    return split_reply(body, vocabulary).new_text
