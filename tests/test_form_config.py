"""Form settings in the audit file, and the verdict rules of the form probe (pure, no browser)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from servaudit.channels.form.outcome import Exchange, Observation, decide
from servaudit.config import load_config
from servaudit.errors import ConfigError

HEAD = """[persona]
name = "Anna Schmidt"
email = "anna@mailbox.example"

[scenarios.q]
subject = "Frage"
body = "Hallo"

"""


def write(tmp_path: Path, company: str) -> Path:
    path = tmp_path / "audit.toml"
    path.write_text(HEAD + company, encoding="utf-8")
    return path


def test_form_as_url_or_table_with_mapping(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[companies.acme]\nname = "Acme"\n[companies.acme.form]\nurl = "https://acme.example/kontakt"\n'
            'fields = { "#f_8a7b" = "email", "label:Ihre Frage" = "message", "select" = "text:Rechnung" }\n'
            'submit = "button.send"\n',
        )
    )
    company = config.companies["acme"]
    assert company.channels == {"form": "https://acme.example/kontakt"}
    assert company.form is not None
    assert company.form.fields["label:Ihre Frage"] == "message"
    assert load_config(
        write(tmp_path, '[companies.b]\nname = "B"\nform = "http://b.example/contact"\n')
    ).companies["b"].channels == {"form": "http://b.example/contact"}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'fields = { "#x" = "telephone" }',
            "companies.acme.form.fields: field '#x': 'telephone' is not one of",
        ),
        ('url = "kontakt.html"', "companies.acme.form.url: 'kontakt.html' is not a web address"),
        (
            "colour = 1",
            "companies.acme.form.colour: unknown key; allowed here: url, fields, submit, keystroke_ms",
        ),
    ],
)
def test_bad_form_settings_name_file_line_and_key(tmp_path: Path, table: str, expected: str) -> None:
    url = "" if table.startswith("url") else 'url = "https://acme.example/"\n'
    path = write(tmp_path, f'[companies.acme]\nname = "Acme"\n[companies.acme.form]\n{url}{table}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"{path}:1") and ":1" in str(caught.value)


def exchange(status: int | None = 200, failure: str | None = None) -> Exchange:
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    done = moment if failure is None else None
    return Exchange(
        cast(Any, None), "POST", "https://acme.example/send", "document", moment, status, done, failure
    )


BEFORE = "https://acme.example/kontakt"


def test_verdicts_name_the_evidence() -> None:
    thanks = decide(
        Observation(exchange(), BEFORE, BEFORE, confirmations=("Vielen Dank für Ihre Nachricht",))
    )
    assert (thanks.status, thanks.outcome) == ("sent", "submitted") and "Vielen Dank" in thanks.detail
    assert thanks.delivered_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    moved = decide(Observation(exchange(), BEFORE, "https://acme.example/danke"))
    assert moved.outcome == "submitted" and "redirected to https://acme.example/danke" in moved.detail
    bare = decide(Observation(exchange(), BEFORE, BEFORE))
    assert bare.outcome == "submitted" and "success status only" in bare.detail


def test_failures_tell_whether_anything_may_have_arrived() -> None:
    refused = decide(
        Observation(exchange(200), BEFORE, BEFORE, errors=("Bitte füllen Sie alle Pflichtfelder aus",))
    )
    assert (refused.status, refused.outcome) == ("rejected", "failed")
    assert decide(Observation(exchange(502), BEFORE, BEFORE)).detail.endswith("answered HTTP 502")
    never = decide(Observation(exchange(None, "net::ERR_CONNECTION_REFUSED"), BEFORE, BEFORE))
    assert never.status == "rejected"
    midway = decide(Observation(exchange(None, "net::ERR_CONNECTION_RESET"), BEFORE, BEFORE))
    assert (midway.status, midway.outcome) == ("uncertain", "failed")
    slow = decide(Observation(exchange(None), BEFORE, BEFORE, timed_out=True))
    assert slow.status == "uncertain"
    script = decide(Observation(None, BEFORE, BEFORE, script_errors=("TypeError: x is undefined",)))
    assert (script.status, script.outcome) == ("rejected", "failed") and "script error" in script.detail
    assert decide(Observation(None, BEFORE, BEFORE)).detail.startswith("nothing happened on submit")
