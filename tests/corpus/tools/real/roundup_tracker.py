"""Generate the Roundup part of the real-helpdesk truth corpus.

Run from the repository root (network: PyPI only, all mail stays on 127.0.0.1):

    python3 tests/corpus/tools/real/roundup_tracker.py [--out tests/corpus/real/roundup]

It creates (or reuses) a virtualenv in ~/.cache/servaudit-real/roundup with roundup 2.6.0 and
aiosmtpd, re-runs itself there, installs two trackers from Roundup's "classic" template with the
sqlite backend in a temp dir (a German one, ``language = de`` and run under LANGUAGE=de, and an
English one), points their
mail at a loopback aiosmtpd (mailsink.py), and then: every inquiry of scenarios.py enters through
``roundup-mailgw`` (the real e-mail gateway, message on stdin); an agent answers through the
tracker's Python API the way the web UI's edit action does (a new msg linked to the issue, for
"resolve" together with status=resolved), which makes the nosy reactor mail the customer.

Configured by us (all documented Roundup settings): ``[nosy] messages_to_author = new`` (the
submitter gets the tracker's copy of a new issue, its only acknowledgement), ``add_recipients =
no``, tracker name/e-mail/language, SMTP host/port; in the tracker's schema.py the shipped
commented-out line that grants Anonymous "Email Access" is enabled so customers without an
account can open issues by e-mail. No message text or template of Roundup is edited. Roundup
sends nothing on a status change without a message, so the "close" scenarios yield only an ack.
"""

# ruff: noqa: E501

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid, parseaddr
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Outbox, free_port, wait_for_agents, wait_port, write_manifest  # noqa: E402
from scenarios import ALL, Scenario  # noqa: E402

VERSION = "2.6.0"
VENV = Path.home() / ".cache" / "servaudit-real" / "roundup"
REPO = HERE.parents[3]
DEFAULT_OUT = REPO / "tests" / "corpus" / "real" / "roundup"

TRACKERS = {
    "de": {
        "name": "Nordwind Kundenservice",
        "email": "service",
        "domain": "nordwind-energie.example",
        "web": "https://support.nordwind-energie.example/",
        "agent": ("jana", "Jana Keller", "jana.keller@nordwind-energie.example"),
    },
    "en": {
        "name": "Harbour Home Support",
        "email": "support",
        "domain": "harbourhome.example",
        "web": "https://support.harbourhome.example/",
        "agent": ("emily", "Emily Carter", "emily.carter@harbourhome.example"),
    },
}

NOTES = (
    "Roundup's classic tracker template, unedited message texts; two trackers, German and English. Roundup "
    "translates nosy mails by the process locale, so the German tracker's mail gateway and agent ran with "
    "LANGUAGE=de (Roundup's own German catalogue: 'Neue Nachricht von', 'merkte an'); tracker language = de too. Customers' inquiries enter through roundup-mailgw. "
    "Configured by us: [nosy] messages_to_author = new (the submitter gets the tracker's copy of the new issue, "
    "'New submission from ...' / 'Neue Nachricht von ...', which echoes the inquiry; that is the acknowledgement), "
    "add_recipients = no, tracker name/e-mail/web/language, SMTP to a loopback aiosmtpd; schema.py: the shipped "
    "commented-out grant of 'Email Access' to Anonymous enabled. Agent answers (typed by us) are added through "
    "the tracker API as the web UI's edit action does; the nosy mail to the customer carries the agent's name "
    "in From, 'X-Roundup-*' headers and the issue's change note. Roundup sends no mail on a status change "
    "without a message, so there are no pure status notices. "
    "seconds are measured on this machine; the agents answered (and closed/resolved) 120 s after the last "
    "inquiry was sent, past servaudit's 60 s fast-arrival threshold, so agent-triggered mails show 2-5 minutes, "
    "not the hours real agents take. One agent account per language posted all answers (German: "
    "Jana Keller, English: Emily Carter), so the sender name can differ from the colleague who signs the text "
    "(a shared account)."
)


def ensure_env() -> None:
    try:
        import aiosmtpd  # noqa: F401
        import roundup  # noqa: F401
    except ImportError:
        pass
    else:
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"roundup=={VERSION}", "aiosmtpd"], check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def install_tracker(home: Path, lang: str, port: int) -> None:
    from roundup.configuration import CoreConfig

    t = TRACKERS[lang]
    subprocess.run(
        [bin_path("roundup-admin"), "-i", str(home), "install", "classic", "sqlite"],
        check=True,
        capture_output=True,
    )
    config = CoreConfig(str(home))
    config["TRACKER_NAME"] = t["name"]
    config["TRACKER_WEB"] = t["web"]
    config["TRACKER_EMAIL"] = t["email"]
    config["TRACKER_LANGUAGE"] = lang
    config["ADMIN_EMAIL"] = "roundup-admin"
    config["DISPATCHER_EMAIL"] = "roundup-admin"
    config["MAIL_DOMAIN"] = t["domain"]
    config["MAIL_HOST"] = "127.0.0.1"
    config["MAIL_PORT"] = port
    config["MESSAGES_TO_AUTHOR"] = "new"
    config["ADD_RECIPIENTS_TO_NOSY"] = "no"
    config.save()
    schema = home / "schema.py"
    text = schema.read_text()
    line = "#db.security.addPermissionToRole('Anonymous', 'Email Access')"
    if line not in text:
        raise RuntimeError("classic schema.py changed: Anonymous Email Access line not found")
    schema.write_text(text.replace(line, line[1:]))
    subprocess.run(
        [bin_path("roundup-admin"), "-i", str(home), "initialise", "servaudit"],
        check=True,
        capture_output=True,
    )
    username, realname, address = t["agent"]
    subprocess.run(
        [
            bin_path("roundup-admin"),
            "-i",
            str(home),
            "create",
            "user",
            f"username={username}",
            f"realname={realname}",
            f"address={address}",
            "password=servaudit",
            "roles=User",
        ],
        check=True,
        capture_output=True,
    )


def main() -> None:
    if sys.argv[1:2] == ["--agent-update"]:
        home, lang, issue_id, resolve = sys.argv[2:6]
        agent_update(Path(home), lang, issue_id, sys.stdin.read(), resolve == "resolve")
        return
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else DEFAULT_OUT
    ensure_env()
    tmp = Path(tempfile.mkdtemp(prefix="roundup-corpus-"))
    port = free_port()
    sinkdir = tmp / "outbox"
    env = dict(os.environ, PYTHONPATH=str(HERE), MAILSINK_DIR=str(sinkdir))
    smtpd = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "mailsink.Sink"], env=env
    )
    try:
        wait_port(port)
        homes = {lang: tmp / f"tracker-{lang}" for lang in TRACKERS}
        for lang, tracker_home in homes.items():
            install_tracker(tracker_home, lang, port)
        run(homes, Outbox(sinkdir), out)
    finally:
        smtpd.terminate()
        smtpd.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def agent_update(home: Path, lang: str, issue_id: str, text: str, resolve: bool) -> None:
    from roundup import date, instance

    tracker = instance.open(str(home))
    db = tracker.open(TRACKERS[lang]["agent"][0])
    try:
        msg = db.msg.create(content=text, author=db.getuid(), date=date.Date("."))
        changes = {"messages": [*db.issue.get(issue_id, "messages"), msg]}
        if resolve:
            changes["status"] = db.status.lookup("resolved")
        db.issue.set(issue_id, **changes)
        db.commit()
    finally:
        db.close()


def locale_env(lang: str) -> dict[str, str]:
    """Roundup translates its nosy mails by the process locale (roundup.i18n reads LANGUAGE/LC_ALL/LANG),
    as when the mail gateway and web server run under a German system locale."""
    return dict(os.environ, LANGUAGE=lang, LC_ALL="C.UTF-8", LANG="C.UTF-8")


def agent_update_as_process(home: Path, lang: str, issue_id: str, text: str, resolve: bool) -> None:
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--agent-update",
            str(home),
            lang,
            issue_id,
            "resolve" if resolve else "-",
        ],
        input=text,
        text=True,
        env=locale_env(lang),
        check=True,
    )


def run(homes: dict[str, Path], outbox: Outbox, out: Path) -> None:
    records: list[dict] = []
    sent_at: dict[str, float] = {}
    issues: dict[str, str] = {}
    counters: dict[tuple[str, str], int] = {}
    out.mkdir(parents=True, exist_ok=True)

    def record(sc: Scenario, label: str, kind: str) -> Path:
        (path, meta), *rest = outbox.wait_new(parseaddr(sc.customer)[1])
        if rest:
            raise RuntimeError(f"{sc.key}: more than one mail after {kind}")
        n = counters[(kind, sc.lang)] = counters.get((kind, sc.lang), 0) + 1
        name = f"{kind}-{sc.lang}-{n:02d}.eml"
        shutil.copyfile(path, out / name)
        records.append(
            {
                "file": name,
                "label": label,
                "language": sc.lang,
                "seconds": round(meta["received"] - sent_at[sc.key], 1),
                "inquiry_subject": sc.subject,
                "inquiry_text": sc.body,
            }
        )
        print(f"{name}: {label} ({sc.key})")
        return path

    for sc in ALL:
        t = TRACKERS[sc.lang]
        addr = parseaddr(sc.customer)[1]
        msg = EmailMessage()
        msg["From"] = sc.customer
        msg["To"] = f"{t['email']}@{t['domain']}"
        msg["Subject"] = sc.subject
        msg["Date"] = format_datetime(localtime())
        msg["Message-ID"] = make_msgid(domain=addr.split("@")[1])
        msg.set_content(sc.body)
        sent_at[sc.key] = time.time()
        subprocess.run(
            [bin_path("roundup-mailgw"), str(homes[sc.lang])],
            input=msg.as_bytes(),
            env=locale_env(sc.lang),
            check=True,
        )
        ack = message_from_bytes(record(sc, "acknowledgement", "ack").read_bytes())
        issues[sc.key] = ack["X-Roundup-issue-Id"].strip()

    wait_for_agents(sent_at)
    for sc in ALL:
        if sc.answer is None:
            continue
        agent_update_as_process(homes[sc.lang], sc.lang, issues[sc.key], sc.answer, resolve=False)
        record(sc, sc.answer_label, {"human": "human", "deflection": "deflect"}[sc.answer_label])

    for sc in ALL:
        if sc.after != "resolve":
            continue
        agent_update_as_process(homes[sc.lang], sc.lang, issues[sc.key], sc.resolution, resolve=True)
        record(sc, "human", "resolved")

    stray = outbox.drain()
    if stray:
        print("mails not attributed (not in corpus):", stray)
    write_manifest(
        out,
        f"Roundup {VERSION}",
        "PyPI roundup (classic template, sqlite backend)",
        "tests/corpus/tools/real/roundup_tracker.py",
        NOTES,
        records,
    )


if __name__ == "__main__":
    main()
