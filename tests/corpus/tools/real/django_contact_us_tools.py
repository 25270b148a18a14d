"""Generate the django-contact-us-tools part of the real-helpdesk truth corpus.

Run from the repository root (network: PyPI only, all mail stays on 127.0.0.1):

    python3 tests/corpus/tools/real/django_contact_us_tools.py [--out tests/corpus/real/django-contact-us-tools]

django-contact-us-tools is a contact-form app for Django that e-mails the sender an automatic
confirmation with a ticket number and a copy of the message. The script creates (or reuses) a
virtualenv in ~/.cache/servaudit-real/contact-us-tools with the package and aiosmtpd, re-runs itself
there, builds a throw-away Django site in a temp dir the way the package's README says (a concrete
message model per site, a ModelForm and a view subclassing the package's base classes, Django's SMTP
backend pointed at a loopback aiosmtpd), posts every inquiry of scenarios.py through the contact
form with Django's test client, and stores the confirmation mails as received over SMTP.

The English site uses the package's own wording (class-attribute defaults). The German site sets the
documented class attributes (SUBJECT, SALUTATION, MAIN_CONTENT, CLOSING, SIGNATURE) to German texts
written by us, as a German company would; the template frame (separator, "E:", copyright line) is
the package's. The package sends only this confirmation, so there are only acknowledgements.
"""

# ruff: noqa: E501

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from email.utils import parseaddr
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Outbox, free_port, wait_port, write_manifest  # noqa: E402
from scenarios import ALL, Scenario  # noqa: E402

VERSION = "0.1.3"
VENV = Path.home() / ".cache" / "servaudit-real" / "contact-us-tools"
REPO = HERE.parents[3]
DEFAULT_OUT = REPO / "tests" / "corpus" / "real" / "django-contact-us-tools"

APP_MODELS = '''
from contact_us_tools.models import AbstractBaseMessage


class NachrichtDE(AbstractBaseMessage):
    """Contact form of Nordwind Energie GmbH (German texts written by us)."""

    BUSINESS_NAME = "Nordwind Energie GmbH"
    COPYRIGHT_YEAR = 2026
    DISP_PRIVACY_POLICY_NOTICE = False
    SUBJECT = "Ihre Nachricht an Nordwind Energie ist eingegangen"
    SALUTATION = "Guten Tag"
    MAIN_CONTENT = (
        "vielen Dank für Ihre Nachricht. Dies ist eine automatische Bestätigung: Ihre Anfrage ist bei uns "
        "eingegangen und wird von unserem Kundenservice so schnell wie möglich bearbeitet. In der Regel "
        "erhalten Sie innerhalb von zwei Werktagen eine Antwort. Bitte antworten Sie nicht auf diese E-Mail."
    )
    CLOSING = "Mit freundlichen Grüßen"
    SIGNATURE = "Ihr Nordwind Kundenservice"


class MessageEN(AbstractBaseMessage):
    """Contact form of Harbour Home Ltd (the package's own wording)."""

    BUSINESS_NAME = "Harbour Home Ltd"
    COPYRIGHT_YEAR = 2026
'''

APP_VIEWS = """
from contact_us_tools.forms import BaseContactUsForm
from contact_us_tools.views import BaseContactUsView

from .models import MessageEN, NachrichtDE


class FormDE(BaseContactUsForm):
    class Meta(BaseContactUsForm.Meta):
        model = NachrichtDE


class FormEN(BaseContactUsForm):
    class Meta(BaseContactUsForm.Meta):
        model = MessageEN


class KontaktView(BaseContactUsView):
    form_class = FormDE
    template_name = "site/form.html"
    success_url = "/kontakt/danke/"
    send_email_kwargs = {"from_email": "Nordwind Kundenservice <service@nordwind-energie.example>"}


class ContactView(BaseContactUsView):
    form_class = FormEN
    template_name = "site/form.html"
    success_url = "/contact/thanks/"
    send_email_kwargs = {"from_email": "Harbour Home <hello@harbourhome.example>"}
"""

APP_URLS = """
from django.urls import path

from site_app.views import ContactView, KontaktView

urlpatterns = [path("kontakt/", KontaktView.as_view()), path("contact/", ContactView.as_view())]
"""


def ensure_env() -> None:
    try:
        import aiosmtpd  # noqa: F401
        import contact_us_tools  # noqa: F401
    except ImportError:
        pass
    else:
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"django-contact-us-tools=={VERSION}", "aiosmtpd"],
        check=True,
    )
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def build_site(tmp: Path, port: int) -> None:
    app = tmp / "site_app"
    (app / "templates" / "site").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(APP_MODELS)
    (app / "views.py").write_text(APP_VIEWS)
    (app / "templates" / "site" / "form.html").write_text("<form method='post'>{{ form }}</form>")
    (tmp / "site_urls.py").write_text(APP_URLS)
    sys.path.insert(0, str(tmp))

    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="servaudit-corpus-only",
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "contact_us_tools",
            "site_app",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        ROOT_URLCONF="site_urls",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp / "db.sqlite3")}},
        USE_TZ=True,
        TIME_ZONE="Europe/Berlin",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_HOST_USER="",
        MIGRATION_MODULES={"site_app": "site_app_migrations"},
    )
    (tmp / "site_app_migrations").mkdir()
    (tmp / "site_app_migrations" / "__init__.py").write_text("")
    django.setup()
    from django.core.management import call_command

    call_command("makemigrations", "site_app", verbosity=0)
    call_command("migrate", verbosity=0)


def main() -> None:
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else DEFAULT_OUT
    ensure_env()
    tmp = Path(tempfile.mkdtemp(prefix="cut-corpus-"))
    port = free_port()
    sinkdir = tmp / "outbox"
    env = dict(os.environ, PYTHONPATH=str(HERE), MAILSINK_DIR=str(sinkdir))
    smtpd = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "mailsink.Sink"], env=env
    )
    try:
        wait_port(port)
        build_site(tmp, port)
        run(Outbox(sinkdir), out)
    finally:
        smtpd.terminate()
        smtpd.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def run(outbox: Outbox, out: Path) -> None:
    from django.test import Client
    from django.utils import translation

    client = Client()
    records: list[dict] = []
    counters: dict[str, int] = {}
    out.mkdir(parents=True, exist_ok=True)
    for sc in ALL:
        name, addr = parseaddr(sc.customer)
        url = "/kontakt/" if sc.lang == "de" else "/contact/"
        sent = time.time()
        with translation.override(sc.lang):  # each site runs with its own LANGUAGE_CODE
            response = client.post(url, {"type": "ENQUIRY", "name": name, "email": addr, "message": sc.body})
        if response.status_code != 302:
            raise RuntimeError(f"{sc.key}: contact form answered {response.status_code}")
        record(sc, outbox, out, records, counters, sent)
    stray = outbox.drain()
    if stray:
        print("mails not attributed (not in corpus):", stray)
    write_manifest(
        out,
        f"django-contact-us-tools {VERSION}",
        "PyPI django-contact-us-tools (with Django 5.2, sqlite)",
        "tests/corpus/tools/real/django_contact_us_tools.py",
        NOTES,
        records,
    )


def record(
    sc: Scenario, outbox: Outbox, out: Path, records: list[dict], counters: dict[str, int], sent: float
) -> None:
    (path, meta), *rest = outbox.wait_new(parseaddr(sc.customer)[1])
    if rest:
        raise RuntimeError(f"{sc.key}: more than one mail")
    n = counters[sc.lang] = counters.get(sc.lang, 0) + 1
    name = f"ack-{sc.lang}-{n:02d}.eml"
    shutil.copyfile(path, out / name)
    records.append(
        {
            "file": name,
            "label": "acknowledgement",
            "language": sc.lang,
            "seconds": round(meta["received"] - sent, 1),
            "inquiry_subject": sc.subject,
            "inquiry_text": sc.body,
        }
    )
    print(f"{name}: acknowledgement ({sc.key})")


NOTES = (
    "Contact-form confirmations only (the package sends nothing else). Inquiries posted through the form "
    "(fields type=ENQUIRY, name, email, message) with Django's test client; the form has no subject field, so "
    "inquiry_subject is the scenario's subject and was NOT transmitted. English site 'Harbour Home Ltd': the "
    "package's default texts ('Message Received', 'Thank you for contacting us. This is an automated response "
    "...', ticket number, copy of the message, privacy and copyright lines). German site 'Nordwind Energie GmbH': "
    "SUBJECT, SALUTATION, MAIN_CONTENT, CLOSING, SIGNATURE set BY US to German texts (documented class "
    "attributes), privacy line switched off, Django language de (date format); the template frame is the package's. No Auto-Submitted or "
    "Precedence headers; Django SMTP backend to a loopback aiosmtpd."
)


if __name__ == "__main__":
    main()
