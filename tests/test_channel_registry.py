"""The channel registry: what a channel is lives in its package; nothing else names a channel.

The fake channel below is what the README's "Add a channel" section describes: one package with
its description, registered by one line. It runs in a fresh interpreter because the audit file's
Company model is built from the channels registered when servaudit.config is first imported.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from servaudit import channels as registry

ROOT = Path(registry.__file__).parent.parent.parent

CALLBACK_PACKAGE = '''
"""A phone-callback form: the company calls the persona back."""
from servaudit.channels.spec import ChannelSpec, OutcomeMeaning
from servaudit.config_types import Model, WebAddress


class CallbackSettings(Model):
    url: WebAddress
    slot_minutes: int = 15

    @property
    def target(self) -> str:
        return self.url


SPEC = ChannelSpec(
    name="callback",
    order=40,
    settings=CallbackSettings,
    probe="callback.probe:CallbackChannel",
    url_shorthand=True,
    needs_browser=True,
    outcomes={
        "booked": OutcomeMeaning("a call-back slot was booked", available=True),
        "no_slot": OutcomeMeaning("no slot was offered", available=False),
    },
    discovered_as="callbacks",
)
'''

AUDIT = """
[persona]
name = "Anna Schmidt"
email = "anna@mailbox.example"

[scenarios.frage]
subject = "Frage"
body = "Guten Tag"

[companies.acme]
name = "Acme"
email = "service@acme.example"
callback = "https://acme.example/rueckruf"

[companies.beta]
name = "Beta"
callback = { url = "https://beta.example/rueckruf", slot_minutes = 30 }
"""

SCRIPT = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path

import callback
import servaudit.channels as registry

registry.register(callback.SPEC)  # the one registration line, here made at run time

from servaudit.config import Audit
from servaudit.measure.chat import chat_online
from servaudit.measure.facts import gather
from servaudit.plan import planned
from servaudit.store import Store

# Describing, configuring, planning and measuring a channel loads no browser (discovery does, below).
browser = any(m.startswith("playwright") for m in sys.modules)
from servaudit.measure.reachability import reachability

folder = Path(sys.argv[1])
audit = Audit.load(folder)
inquiries = planned(audit.config)
store = Store(folder / "store.sqlite")
for inquiry, word in zip([i for i in inquiries if i.channel == "callback"], ["booked", "no_slot"]):
    attempt = store.claim({"id": inquiry.id, "company": inquiry.company, "channel": inquiry.channel,
                           "scenario": inquiry.scenario, "wave": 1, "target": inquiry.target})
    state = "sent" if word == "booked" else "rejected"
    store.finish(inquiry.id, attempt, state, word, datetime.now(UTC) if state == "sent" else None, word)
matrix = {row.slug: {c.channel: c.status for c in row.cells} for row in reachability(audit, store)}
facts = gather(store.inquiries(), store.messages(), __import__("datetime").timedelta(days=14))
print(json.dumps({
    "names": list(registry.names()),
    "planned": sorted(i.id for i in inquiries),
    "slot": audit.config.companies["beta"].settings("callback").slot_minutes,
    "matrix": matrix,
    "available": chat_online(facts)["count"],
    "of": chat_online(facts)["of"],
    "playwright": browser,
}))
"""


def test_a_new_channel_is_a_package_and_one_registration(tmp_path: Path) -> None:
    package = tmp_path / "plugins" / "callback"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(CALLBACK_PACKAGE, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(AUDIT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{tmp_path / 'plugins'}:{ROOT}", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["names"] == ["email", "form", "chat", "callback"]
    assert found["planned"] == [
        "acme.callback.frage.w1",
        "acme.email.frage.w1",
        "beta.callback.frage.w1",
    ], "config accepts the new key (and its url shorthand) and the plan sends over it"
    assert found["slot"] == 30
    assert found["matrix"]["acme"]["callback"] == "working"
    assert found["matrix"]["beta"]["callback"] == "failed"
    assert found["matrix"]["acme"]["email"] == "offered"
    assert (found["available"], found["of"]) == (1, 2), "its outcome words' meaning is measured"
    assert not found["playwright"], "describing a channel loads no browser"


def test_unknown_keys_name_the_registered_channels(tmp_path: Path) -> None:
    from servaudit.config import load_config
    from servaudit.errors import ConfigError

    path = tmp_path / "audit.toml"
    path.write_text(AUDIT.replace('callback = "https://acme.example/rueckruf"', 'fax = "123"'), "utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        message = str(exc)
    else:
        raise AssertionError("an unknown channel key must be refused")
    allowed = "name, website, domains, scenarios, email, form, chat"
    assert f"companies.acme.fax: unknown key; allowed here: {allowed}" in message


def test_the_registry_lists_every_channel_package_once() -> None:
    packages = sorted(p.parent.name for p in Path(registry.__file__).parent.glob("*/__init__.py"))
    assert sorted(registry.names()) == packages
    orders = [spec.order for spec in registry.SPECS]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for spec in registry.SPECS:
        module, _, attribute = spec.probe.partition(":")
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), spec.probe
        assert attribute


def test_no_module_outside_a_channel_package_names_a_channel() -> None:
    # sandbox/ plays the companies'
    # side (its own form fields are called "email"); discover/'s page readers compare HTML words
    # (<form>, type="email"), and discover/audit.py and the CLI lay out what discovery found.
    allowed = ("channels/", "sandbox/", "discover/audit.py", "discover/extract.py",
               "discover/page.py", "cli.py")  # fmt: skip
    offenders = []
    checked = 0
    for path in sorted((ROOT / "servaudit").rglob("*.py")):
        relative = str(path.relative_to(ROOT / "servaudit"))
        if relative.startswith(allowed):
            continue
        checked += 1
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                names = [n for n in ast.walk(node) if isinstance(n, ast.Constant)]
                if any(n.value in registry.names() for n in names):
                    offenders.append(f"{relative}:{node.lineno}")
    assert checked > 50 and offenders == []
    # The report's templates too: a channel's tables are chosen by what its spec says, not by its name.
    templates = ROOT / "report_templates"
    named = [
        f"{path.name}: {word!r}"
        for path in sorted(templates.rglob("*.html"))
        for word in registry.names()
        if re.search(r"==\s*['\"]" + word + r"['\"]", path.read_text(encoding="utf-8"))
    ]
    assert named == []
