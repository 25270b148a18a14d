"""The audit file: good files load, bad files give one exact, located message and exit code 2."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from servaudit.config import Audit, load_config
from servaudit.errors import ConfigError
from servaudit.scaffold import init
from servaudit.secrets import resolve_secret

DATA = Path(__file__).parent / "data" / "config"
BAD = sorted(DATA.glob("bad_*.toml"))


def test_good_file_loads_with_defaults() -> None:
    config = load_config(DATA / "good.toml")
    assert config.audit.language == "de"
    assert config.audit.window_days == 14
    assert config.persona.last_name == "Schmidt"
    assert config.companies["nordwind"].channels == {"email": "service@nordwind.example"}


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_gives_the_expected_message(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    with pytest.raises(ConfigError) as caught:
        load_config(Path(path.name))
    assert str(caught.value) == path.with_suffix(".expected").read_text().strip()


def test_cli_reports_config_error_without_traceback(tmp_path: Path) -> None:
    shutil.copy(DATA / "bad_unknown_key.toml", tmp_path / "audit.toml")
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "status", "-a", str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "companies.nordwind.emial: unknown key" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def _keys(text: str) -> list[str]:
    """Every key a scaffold shows, switched on or commented out, in order (with its table headers)."""
    found = []
    for line in text.splitlines():
        line = line.removeprefix("# ")
        if match := re.match(r"^(\[[a-z_.]+\]|[a-z_]+ = )", line):
            found.append(match.group(1))
    return found


def test_init_speaks_the_chosen_language_and_both_show_every_key(tmp_path: Path) -> None:
    german = init(tmp_path / "de", language="de").read_text(encoding="utf-8")
    english = init(tmp_path / "en", language="en").read_text(encoding="utf-8")
    assert "Wer schreibt" in german and "Who writes" in english
    assert Audit.load(tmp_path / "de").config.audit.language == "de"
    assert Audit.load(tmp_path / "en").config.audit.language == "en"
    assert _keys(german) == _keys(english), "the same keys, in the same order, in both languages"
    shown = set(_keys(english))
    for key in ("form = ", "chat = ", "domains = ", "plus_addressing = ", "reminder = ", "followup = "):
        assert key in shown, key
    for table in ("[audit.business_hours]", "[audit.waves]", "[audit.send_window]", "[audit.limits]"):
        assert table in shown, table
    with pytest.raises(Exception, match="--lang must be de or en"):
        init(tmp_path / "fr", language="fr")


def test_the_scaffolds_commented_channels_and_reminders_load_when_switched_on(tmp_path: Path) -> None:
    path = init(tmp_path / "on", language="en")
    text = path.read_text(encoding="utf-8")
    for key in ("form", "chat", "domains", "reminder", "followup"):
        text = re.sub(rf"(?m)^# ({key} = )", r"\1", text)
    block = re.search(r"(?m)^# \[audit\.business_hours\]\n(# .*\n)+", text)
    assert block is not None
    text = text.replace(block.group(0), re.sub(r"(?m)^# ", "", block.group(0)))
    path.write_text(text, encoding="utf-8")
    config = Audit.load(tmp_path / "on").config
    nordwind = config.companies["nordwind"]
    assert set(nordwind.channels) == {"email", "form", "chat"}
    assert nordwind.domains == ("nordwind.zendesk.example",)
    scenario = config.scenarios["tarifwechsel"]
    assert scenario.reminder is not None and scenario.reminder.after_business_hours == 24
    assert scenario.followup is not None and "{name}" in scenario.followup.body
    assert config.audit.business_hours.holidays == "DE-BE"


def test_init_writes_a_valid_commented_audit_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = init(tmp_path / "new")
    text = path.read_text()
    assert text.count("#") > 20, "the scaffold explains its keys"
    audit = Audit.load(tmp_path / "new")
    assert set(audit.config.companies) == {"nordwind", "acme"}
    assert audit.config.smtp is not None and audit.config.smtp.password == "env:SERVAUDIT_SMTP_PASSWORD"
    with pytest.raises(Exception, match="exists already"):
        init(tmp_path / "new")


def test_secrets_resolve_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SA_TEST_SECRET", "s3cret")
    assert resolve_secret("env:SA_TEST_SECRET", "smtp.password") == "s3cret"
    monkeypatch.delenv("SA_TEST_SECRET")
    with pytest.raises(ConfigError, match="SA_TEST_SECRET is not set"):
        resolve_secret("env:SA_TEST_SECRET", "smtp.password")


def test_an_internationalised_company_domain_loads_as_its_a_label(tmp_path: Path) -> None:
    text = (
        (DATA / "good.toml")
        .read_text()
        .replace("service@nordwind.example", "kundenservice@bäckerei-müller.example")
    )
    (tmp_path / "audit.toml").write_text(text, encoding="utf-8")
    company = load_config(tmp_path / "audit.toml").companies["nordwind"]
    assert company.email == "kundenservice@xn--bckerei-mller-bfb28a.example"
