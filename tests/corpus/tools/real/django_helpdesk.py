"""Generate the django-helpdesk part of the real-helpdesk truth corpus.

Run from the repository root (network: PyPI only, all mail stays on 127.0.0.1):

    python3 tests/corpus/tools/real/django_helpdesk.py [--out tests/corpus/real/django-helpdesk]

It creates (or reuses) a virtualenv in ~/.cache/servaudit-real/django-helpdesk with django-helpdesk
2.6.1 and aiosmtpd, re-runs itself there, configures a throw-away Django project (sqlite in a temp
dir, Django's SMTP e-mail backend pointed at a local aiosmtpd), creates a German and an English
queue with the shipped e-mail templates, submits every inquiry of scenarios.py as a customer (odd
ones by e-mail into the queue's mailbox and the real ``get_email`` import, even ones through the
public web form), lets a staff user answer, resolve or close through the same ``update_ticket``
call the staff view makes, and writes every mail the helpdesk sent to the customer as received over
SMTP, plus manifest.toml. Nothing of the helpdesk software is edited.
"""

# ruff: noqa: E501

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid, parseaddr
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Outbox, free_port, wait_for_agents, wait_port, write_manifest  # noqa: E402
from scenarios import ALL, Scenario  # noqa: E402

VERSION = "2.6.1"
VENV = Path.home() / ".cache" / "servaudit-real" / "django-helpdesk"
REPO = HERE.parents[3]
DEFAULT_OUT = REPO / "tests" / "corpus" / "real" / "django-helpdesk"

QUEUES = {
    "de": {
        "title": "Kundenservice",
        "slug": "service-de",
        "email": "service@nordwind-energie.example",
        "from": "Nordwind Kundenservice <service@nordwind-energie.example>",
        "agent": ("jana.keller", "Jana", "Keller", "jana.keller@nordwind-energie.example"),
    },
    "en": {
        "title": "Customer Support",
        "slug": "support-en",
        "email": "support@harbourhome.example",
        "from": "Harbour Home Support <support@harbourhome.example>",
        "agent": ("emily.carter", "Emily", "Carter", "emily.carter@harbourhome.example"),
    },
}


NOTES = (
    "Unmodified shipped e-mail templates (fixture emailtemplate.json, queue locale de or en). "
    "Configured by us: two queues (German 'Kundenservice' from service@nordwind-energie.example, "
    "English 'Customer Support' from support@harbourhome.example), Django SMTP backend to a loopback aiosmtpd. "
    "Inquiries arrive alternately by e-mail (local mailbox + the get_email import; odd-numbered ack-*.eml, "
    "these acks carry Auto-Submitted/Precedence headers) and through the public web form (even-numbered "
    "ack-*.eml, without those headers). "
    "ack = newticket_submitter; human/deflect = updated_submitter with the agent's public comment typed by us; "
    "resolved = resolved_submitter with the agent's resolution text (human); closed = closed_submitter "
    "after closing without any text (pure status notice, auto_reply). "
    "seconds are measured on this machine; the agents answered (and closed/resolved) 120 s after the last "
    "inquiry was sent, past servaudit's 60 s fast-arrival threshold, so agent-triggered mails show 2-5 minutes, "
    "not the hours real agents take. One agent account per language posted all answers (German: "
    "Jana Keller, English: Emily Carter), so the sender name can differ from the colleague who signs the text "
    "(a shared account)."
)


def ensure_env() -> None:
    try:
        import aiosmtpd  # noqa: F401
        import helpdesk  # noqa: F401
    except ImportError:
        pass
    else:
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"django-helpdesk=={VERSION}", "aiosmtpd"], check=True
    )
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def configure_django(tmp: Path, port: int) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="servaudit-corpus-only",
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "django.contrib.sites",
            "django.contrib.humanize",
            "rest_framework",
            "helpdesk",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.locale.LocaleMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        ROOT_URLCONF="dh_urls",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp / "db.sqlite3")}},
        SITE_ID=1,
        LANGUAGE_CODE="en",
        USE_TZ=True,
        TIME_ZONE="Europe/Berlin",
        STATIC_URL="/static/",
        MEDIA_ROOT=str(tmp / "media"),
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        DEFAULT_FROM_EMAIL="helpdesk@helpdesk.example",
        SERVER_EMAIL="helpdesk@helpdesk.example",
        LOGIN_URL="/login/",
        HELPDESK_EMAIL_FALLBACK_LOCALE="en",
        HELPDESK_TEAMS_MODE_ENABLED=False,
        LOGGING={"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}},
    )
    (tmp / "dh_urls.py").write_text(
        "from django.urls import include, path\n"
        "urlpatterns = [path('', include('helpdesk.urls', namespace='helpdesk'))]\n"
    )
    sys.path.insert(0, str(tmp))
    django.setup()


def main() -> None:
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else DEFAULT_OUT
    ensure_env()
    tmp = Path(tempfile.mkdtemp(prefix="dh-corpus-"))
    port = free_port()
    sinkdir = tmp / "outbox"
    mailboxes = {lang: tmp / f"mailbox-{lang}" for lang in QUEUES}
    for folder in mailboxes.values():
        folder.mkdir()
    env = dict(
        os.environ,
        PYTHONPATH=str(HERE),
        MAILSINK_DIR=str(sinkdir),
        MAILSINK_INBOUND=",".join(f"{QUEUES[lang]['email']}={folder}" for lang, folder in mailboxes.items()),
    )
    smtpd = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "mailsink.Sink"],
        env=env,
    )
    try:
        wait_port(port)
        run(tmp, port, sinkdir, mailboxes, out)
    finally:
        smtpd.terminate()
        smtpd.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, port: int, sinkdir: Path, mailboxes: dict[str, Path], out: Path) -> None:
    configure_django(tmp, port)
    from django.contrib.auth.models import User
    from django.contrib.sites.models import Site
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation
    from helpdesk.email import process_email
    from helpdesk.models import EmailTemplate, Queue, Ticket
    from helpdesk.update_ticket import update_ticket

    call_command("migrate", verbosity=0)
    if not EmailTemplate.objects.exists():
        call_command("loaddata", "emailtemplate", verbosity=0)
    Site.objects.update_or_create(id=1, defaults={"domain": "helpdesk.example", "name": "Helpdesk"})

    queues, agents = {}, {}
    for lang, q in QUEUES.items():
        queues[lang] = Queue.objects.create(
            title=q["title"],
            slug=q["slug"],
            email_address=q["email"],
            locale=lang,
            allow_public_submission=True,
            allow_email_submission=True,
            email_box_type="local",
            email_box_local_dir=str(mailboxes[lang]),
            email_box_interval=0,
        )
        username, first, last, email = q["agent"]
        agents[lang] = User.objects.create_user(
            username, email, "x", first_name=first, last_name=last, is_staff=True
        )

    outbox = Outbox(sinkdir)
    records: list[dict] = []
    sent_at: dict[str, float] = {}
    tickets: dict[str, int] = {}
    counters: dict[tuple[str, str], int] = {}

    def record(sc: Scenario, label: str, kind: str, channel: str) -> None:
        (path, meta), *rest = outbox.wait_new(parseaddr(sc.customer)[1])
        if rest:
            raise RuntimeError(f"{sc.key}: more than one mail after {kind}")
        n = counters[(kind, sc.lang)] = counters.get((kind, sc.lang), 0) + 1
        name = f"{kind}-{sc.lang}-{n:02d}.eml"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / name)
        records.append(
            {
                "file": name,
                "label": label,
                "language": sc.lang,
                "seconds": round(meta["received"] - sent_at[sc.key], 1),
                "inquiry_subject": sc.subject,
                "inquiry_text": sc.body,
                "channel": channel,
                "step": kind,
            }
        )
        print(f"{name}: {label} ({sc.key}, {channel})")

    client = Client()
    for i, sc in enumerate(ALL):
        queue = queues[sc.lang]
        channel = "email" if i % 2 == 0 else "web form"
        _name, addr = parseaddr(sc.customer)
        with translation.override(sc.lang):
            if channel == "email":
                msg = EmailMessage()
                msg["From"] = sc.customer
                msg["To"] = queue.email_address
                msg["Subject"] = sc.subject
                msg["Date"] = format_datetime(localtime())
                msg["Message-ID"] = make_msgid(domain=addr.split("@")[1])
                msg.set_content(sc.body)
                sent_at[sc.key] = time.time()
                with smtplib.SMTP("127.0.0.1", port) as smtp:
                    smtp.send_message(msg)
                while not any(mailboxes[sc.lang].glob("*.eml")):
                    time.sleep(0.05)
                process_email(quiet=True)
            else:
                sent_at[sc.key] = time.time()
                response = client.post(
                    reverse("helpdesk:submit"),
                    {
                        "queue": queue.id,
                        "title": sc.subject,
                        "body": sc.body,
                        "submitter_email": addr,
                        "priority": 3,
                    },
                    HTTP_ACCEPT_LANGUAGE=sc.lang,
                )
                if response.status_code != 302:
                    raise RuntimeError(f"{sc.key}: web form answered {response.status_code}")
            ticket = Ticket.objects.filter(queue=queue, submitter_email=addr).latest("id")
            tickets[sc.key] = ticket.id
            record(sc, "acknowledgement", "ack", channel)

    wait_for_agents(sent_at)
    for sc in ALL:
        if sc.answer is None:
            continue
        ticket = Ticket.objects.get(id=tickets[sc.key])
        with translation.override(sc.lang):
            update_ticket(agents[sc.lang], ticket, comment=sc.answer, public=True)
        kind = {"human": "human", "deflection": "deflect"}[sc.answer_label]
        record(sc, sc.answer_label, kind, "staff reply")

    for sc in ALL:
        if sc.after is None:
            continue
        ticket = Ticket.objects.get(id=tickets[sc.key])
        with translation.override(sc.lang):
            if sc.after == "resolve":
                update_ticket(
                    agents[sc.lang],
                    ticket,
                    comment=sc.resolution,
                    public=True,
                    new_status=Ticket.RESOLVED_STATUS,
                )
                record(sc, "human", "resolved", "staff resolves with text")
            else:
                update_ticket(
                    agents[sc.lang], ticket, comment="", public=True, new_status=Ticket.CLOSED_STATUS
                )
                record(sc, "auto_reply", "closed", "staff closes without text")

    stray = outbox.drain()
    if stray:
        print("mails not attributed (not in corpus):", stray)
    write_manifest(
        out,
        f"django-helpdesk {VERSION}",
        "PyPI django-helpdesk (with Django 5.2, sqlite)",
        "tests/corpus/tools/real/django_helpdesk.py",
        NOTES,
        records,
    )


if __name__ == "__main__":
    main()
