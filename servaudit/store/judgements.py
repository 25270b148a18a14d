"""Named queries on judgements: what a message or a chat was read as, stored once for the report (schema 3+).

A reading carries the version of the code and vocabularies that made it, so a newer servaudit
reads again what it would read differently; the report only ever reads these rows.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from servaudit.store.connection import Connection, upsert
from servaudit.store.records import now, to_text

if TYPE_CHECKING:
    # Imported where a reading is rebuilt: its nine record classes cost every command that opens the
    # store, `servaudit status` too, about 5 % of its start-up (issue 16, goal 6).
    from servaudit.judgement import ChatJudgement, ReplyJudgement

SET_JUDGEMENT = upsert(
    "judgements",
    ("message_id", "version", "excerpt", "stated", "acknowledgement", "created_at", "findings"),
    key=("message_id",),
)


def judgement_values(judgement: ReplyJudgement) -> tuple[str, str, str | None, str, str]:
    """(version, excerpt, stated, acknowledgement, findings) of a reading as its row holds them: what
    a judging process hands back (``Decided.judgement``), encoded there rather than where it is stored."""
    traits = judgement.acknowledgement
    return (
        judgement.version,
        judgement.excerpt,
        None if judgement.stated is None else json.dumps(sorted(judgement.stated)),
        json.dumps([traits.response_time, traits.reference_number, traits.alternatives]),
        judgement.findings.to_json(),
    )


class JudgementQueries(Connection):
    def set_judgement(self, judgement: ReplyJudgement) -> None:
        """Keep what a message was read as (replacing an older reading of it)."""
        version, excerpt, stated, acknowledgement, findings = judgement_values(judgement)
        self.db.execute(
            SET_JUDGEMENT,
            (judgement.message_id, version, excerpt, stated, acknowledgement, to_text(now()), findings),
        )

    def judgements(self) -> dict[int, ReplyJudgement]:
        """Message row id → its stored reading."""
        from servaudit.judgement import AcknowledgementTraits, MailFindings, ReplyJudgement

        rows = self.db.execute(
            "SELECT message_id, version, excerpt, stated, acknowledgement, findings FROM judgements"
        )
        # Most replies store the same few texts here (no findings, the same facts stated, one of
        # eight acknowledgement traits): each text is read once and its (frozen) value shared, not
        # decoded again for each of a study's 10,000 replies.
        stated: dict[str, frozenset[str]] = {}
        traits: dict[str, AcknowledgementTraits] = {}
        findings: dict[str | None, MailFindings] = {}
        judgements: dict[int, ReplyJudgement] = {}
        for row in rows:
            stated_text, traits_text, findings_text = row["stated"], row["acknowledgement"], row["findings"]
            if stated_text is not None and stated_text not in stated:
                stated[stated_text] = frozenset(json.loads(stated_text))
            if traits_text not in traits:
                traits[traits_text] = AcknowledgementTraits(*map(bool, json.loads(traits_text)))
            if findings_text not in findings:
                findings[findings_text] = MailFindings.from_json(findings_text)
            judgements[row["message_id"]] = ReplyJudgement(
                message_id=row["message_id"],
                version=row["version"],
                excerpt=row["excerpt"],
                stated=None if stated_text is None else stated[stated_text],
                acknowledgement=traits[traits_text],
                findings=findings[findings_text],
            )
        return judgements

    def set_chat(self, chat: ChatJudgement) -> None:
        """Keep a chat inquiry's summary and transcript lines (replacing an older reading)."""
        observation = chat.observation
        self.db.execute(
            upsert(
                "chats",
                ("inquiry_id", "version", "observation", "transcript", "created_at"),
                key=("inquiry_id",),
            ),
            (
                chat.inquiry_id,
                chat.version,
                None if observation is None else observation.to_json(),
                chat.transcript_json(),
                to_text(now()),
            ),
        )

    def chats(self) -> dict[str, ChatJudgement]:
        """Inquiry id → its chat's stored reading."""
        from servaudit.judgement import ChatJudgement, ChatObservation

        rows = self.db.execute("SELECT inquiry_id, version, observation, transcript FROM chats")
        return {
            row["inquiry_id"]: ChatJudgement(
                inquiry_id=row["inquiry_id"],
                version=row["version"],
                observation=None
                if row["observation"] is None
                else ChatObservation.from_json(row["observation"]),
                transcript=ChatJudgement.transcript_from_json(row["transcript"]),
            )
            for row in rows
        }
