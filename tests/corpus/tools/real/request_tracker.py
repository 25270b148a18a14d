"""Generate the Request Tracker part of the real-helpdesk truth corpus.

Run as root from the repository root (network: the Debian mirror only, all mail stays local):

    python3 tests/corpus/tools/real/request_tracker.py [--out tests/corpus/real/request-tracker]

It installs Debian's request-tracker5 with the SQLite backend when missing (plus w3m, which the
package recommends for turning its HTML templates into the text/plain part), initialises a
throw-away RT database in a temp dir (RT_SITE_CONFIG / RT_SITE_CONFIG_DIR point RT there, the
system's RT configuration and database are not touched), starts RT's own web server on a free
loopback port, and lets RT send mail through ``$MailCommand = 'sendmailpipe'`` to a small
sendmail stand-in that stores every message exactly as RT piped it. Customers' inquiries enter
through ``rt-mailgate`` (the real inbound path); agents answer with the ``rt`` command-line client
(``rt correspond``, ``rt edit ... set status=resolved``).

The English queue uses RT's stock templates. The German queue has queue-level "Autoreply in HTML"
and "Resolved in HTML" templates in German, written by us the way a German company would
configure RT (RT ships English templates only); see GERMAN_TEMPLATES below.
"""

# ruff: noqa: E501

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid, parseaddr
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Outbox, free_port, wait_for_agents, write_manifest  # noqa: E402
from scenarios import ALL, Scenario  # noqa: E402

REPO = HERE.parents[3]
DEFAULT_OUT = REPO / "tests" / "corpus" / "real" / "request-tracker"
PACKAGES = ["request-tracker5", "rt5-db-sqlite", "rt5-clients", "rt5-standalone", "w3m"]

QUEUES = {
    "de": {
        "name": "Kundenservice",
        "address": "service@nordwind-energie.example",
        "tag": "Nordwind Service",
        "agent": ("jana.keller", "Jana Keller", "jana.keller@nordwind-energie.example"),
    },
    "en": {
        "name": "Customer Support",
        "address": "support@harbourhome.example",
        "tag": "Harbour Home",
        "agent": ("emily.carter", "Emily Carter", "emily.carter@harbourhome.example"),
    },
}

GERMAN_TEMPLATES = {
    "Autoreply in HTML": """Subject: Eingangsbestätigung: {$Ticket->Subject}
Content-Type: text/html

<p>Guten Tag,</p>

<p>vielen Dank für Ihre Nachricht. Dies ist eine automatisch erzeugte Eingangsbestätigung:
Ihre Anfrage zum Thema <b>{$Ticket->Subject()}</b> ist bei uns eingegangen und wurde unter der
Vorgangsnummer <b>{$Ticket->SubjectTag}</b> erfasst.</p>

<p>Sie müssen jetzt nichts weiter tun. Unser Kundenservice meldet sich in der Regel innerhalb
von zwei Werktagen bei Ihnen. Wenn Sie uns weitere Informationen senden möchten, antworten Sie
einfach auf diese E-Mail und lassen Sie die Vorgangsnummer im Betreff stehen.</p>

<p>Mit freundlichen Grüßen<br/>
Ihr Nordwind Kundenservice<br/>
{$Ticket->QueueObj->CorrespondAddress()}</p>

<hr/>
<p>Ihre Nachricht:</p>
{$Transaction->Content(Type => 'text/html')}
""",
    "Resolved in HTML": """Subject: Erledigt: {$Ticket->Subject}
Content-Type: text/html

<p>Guten Tag,</p>

<p>Ihre Anfrage {$Ticket->SubjectTag} wurde bei uns als erledigt abgeschlossen. Falls Sie noch
Fragen haben, antworten Sie einfach auf diese E-Mail.</p>

<p>Mit freundlichen Grüßen<br/>
Ihr Nordwind Kundenservice</p>
""",
}

SITE_CONFIG = """Set($rtname, 'helpdesk.example');
Set($Organization, 'helpdesk.example');
Set($CorrespondAddress, 'support@helpdesk.example');
Set($CommentAddress, 'support-comment@helpdesk.example');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{tmp}/rtdb');
Set($DatabaseHost, 'localhost');
Set($DatabaseUser, '');
Set($DatabasePassword, '');
Set($MailCommand, 'sendmailpipe');
Set($SendmailPath, '{tmp}/sendmail');
Set($LogToSyslog, undef);
Set($LogToSTDERR, 'warning');
Set($LogToFile, undef);
Set($Timezone, 'Europe/Berlin');
1;
"""

SENDMAIL = """#!{python}
# A sendmail stand-in for RT's sendmailpipe: stores the message exactly as piped.
import json, os, sys, time
from email import message_from_bytes
from email.utils import getaddresses
raw = sys.stdin.buffer.read()
received = time.time()
msg = message_from_bytes(raw)
rcpts = [a for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []) + msg.get_all("Bcc", []))]
name = os.path.join({outbox!r}, "%d-%d" % (time.time_ns(), os.getpid()))
with open(name + ".eml", "wb") as f:
    f.write(raw)
with open(name + ".json", "w") as f:
    json.dump({{"received": received, "rcpt_tos": rcpts, "args": sys.argv[1:]}}, f)
"""

SETUP_PL = r"""
use strict; use warnings; use utf8;
use lib '/usr/share/request-tracker5/lib';
use RT; RT::LoadConfig(); RT::Init();
my ($ok, $msg);
my $root = RT::User->new(RT->SystemUser); $root->Load('root'); $root->SetPassword('servaudit');
my $everyone = RT::Group->new(RT->SystemUser); $everyone->LoadSystemInternalGroup('Everyone');
for my $right (qw(CreateTicket ReplyToTicket SeeQueue)) {
    ($ok, $msg) = $everyone->PrincipalObj->GrantRight(Right => $right, Object => RT->System);
    die $msg unless $ok;
}
my %templates = (%TEMPLATES%);
for my $line (split /\n/, q{%QUEUES%}) {
    my ($lang, $name, $address, $tag, $login, $realname, $email) = split /\t/, $line;
    my $queue = RT::Queue->new(RT->SystemUser);
    ($ok, $msg) = $queue->Create(Name => $name, CorrespondAddress => $address, SubjectTag => $tag);
    die $msg unless $ok;
    my $user = RT::User->new(RT->SystemUser);
    ($ok, $msg) = $user->Create(Name => $login, RealName => $realname, EmailAddress => $email,
                                Privileged => 1, Password => 'servaudit');
    die $msg unless $ok;
    for my $right (qw(SeeQueue ShowTicket ReplyToTicket CommentOnTicket ModifyTicket OwnTicket)) {
        ($ok, $msg) = $user->PrincipalObj->GrantRight(Right => $right, Object => $queue);
        die $msg unless $ok;
    }
    next unless $lang eq 'de';
    for my $tname (sort keys %templates) {
        my $t = RT::Template->new(RT->SystemUser);
        ($ok, $msg) = $t->Create(Queue => $queue->Id, Name => $tname, Type => 'Perl',
                                 Description => "$tname (German, ours)", Content => $templates{$tname});
        die $msg unless $ok;
    }
}
print "setup done\n";
"""


def ensure_installed() -> None:
    if all(shutil.which(tool) for tool in ("rt-mailgate-5", "rt-5", "rt-setup-database-5", "w3m")):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES], check=True, env=env)


def perl_str(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main() -> None:
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else DEFAULT_OUT
    ensure_installed()
    tmp = Path(tempfile.mkdtemp(prefix="rt-corpus-"))
    (tmp / "siteconf.d").mkdir()
    outbox_dir = tmp / "outbox"
    outbox_dir.mkdir()
    port = free_port()
    (tmp / "RT_SiteConfig.pm").write_text(SITE_CONFIG.replace("{port}", str(port)).replace("{tmp}", str(tmp)))
    sendmail = tmp / "sendmail"
    sendmail.write_text(SENDMAIL.format(python=sys.executable, outbox=str(outbox_dir)))
    sendmail.chmod(0o755)
    env = dict(
        os.environ,
        RT_SITE_CONFIG=str(tmp / "RT_SiteConfig.pm"),
        RT_SITE_CONFIG_DIR=str(tmp / "siteconf.d"),
        RTSERVER=f"http://127.0.0.1:{port}",
        RTCONFIG="/dev/null",
    )
    subprocess.run(
        ["rt-setup-database-5", "--action", "init", "--skip-create"], env=env, check=True, capture_output=True
    )
    templates = ", ".join(f"{perl_str(k)} => {perl_str(v)}" for k, v in GERMAN_TEMPLATES.items())
    queues = "\n".join(
        "\t".join([lang, str(q["name"]), str(q["address"]), str(q["tag"]), *map(str, q["agent"])])
        for lang, q in QUEUES.items()
    )
    setup = SETUP_PL.replace("%TEMPLATES%", templates).replace("%QUEUES%", queues)
    (tmp / "setup.pl").write_text(setup, encoding="utf-8")
    subprocess.run(["perl", "-CSDA", str(tmp / "setup.pl")], env=env, check=True)
    server = subprocess.Popen(
        ["/usr/share/request-tracker5/libexec/rt-server", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "server.log", "wb"),  # noqa: SIM115
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        run(env, Outbox(outbox_dir), out)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def wait_http(url: str, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"RT did not answer on {url}")


def rt_cli(env: dict, lang: str, *args: str) -> None:
    login = QUEUES[lang]["agent"][0]
    result = subprocess.run(
        ["rt-5", *args], env=dict(env, RTUSER=login, RTPASSWD="servaudit"), capture_output=True, text=True
    )
    if result.returncode != 0 or "# " not in result.stdout:
        raise RuntimeError(f"rt {' '.join(args[:2])}: {result.stdout} {result.stderr}")


def run(env: dict, outbox: Outbox, out: Path) -> None:
    records: list[dict] = []
    sent_at: dict[str, float] = {}
    tickets: dict[str, str] = {}
    counters: dict[tuple[str, str], int] = {}
    out.mkdir(parents=True, exist_ok=True)

    def record(sc: Scenario, label: str, kind: str) -> bytes:
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
        return path.read_bytes()

    for sc in ALL:
        queue = QUEUES[sc.lang]
        addr = parseaddr(sc.customer)[1]
        msg = EmailMessage()
        msg["From"] = sc.customer
        msg["To"] = queue["address"]
        msg["Subject"] = sc.subject
        msg["Date"] = format_datetime(localtime())
        msg["Message-ID"] = make_msgid(domain=addr.split("@")[1])
        msg.set_content(sc.body)
        sent_at[sc.key] = time.time()
        subprocess.run(
            [
                "rt-mailgate-5",
                "--url",
                env["RTSERVER"] + "/",
                "--queue",
                str(queue["name"]),
                "--action",
                "correspond",
            ],
            input=msg.as_bytes(),
            env=env,
            check=True,
        )
        ack = message_from_bytes(record(sc, "acknowledgement", "autoreply"))
        tickets[sc.key] = ack["X-RT-Ticket"].rsplit("#", 1)[1].strip()

    wait_for_agents(sent_at)
    for sc in ALL:
        if sc.answer is None:
            continue
        rt_cli(env, sc.lang, "correspond", "-m", sc.answer, tickets[sc.key])
        record(sc, sc.answer_label, {"human": "human", "deflection": "deflect"}[sc.answer_label])

    for sc in ALL:
        if sc.after is None:
            continue
        if sc.after == "resolve":
            rt_cli(env, sc.lang, "correspond", "-m", sc.resolution, tickets[sc.key])
            record(sc, "human", "human")
        rt_cli(env, sc.lang, "edit", f"ticket/{tickets[sc.key]}", "set", "status=resolved")
        record(sc, "auto_reply", "resolved")

    stray = outbox.drain()
    if stray:
        print("mails not attributed (not in corpus):", stray)
    version = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "request-tracker5"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    write_manifest(
        out,
        f"Request Tracker {version} (Debian request-tracker5)",
        "Debian bookworm package request-tracker5 with rt5-db-sqlite, rt5-clients, rt5-standalone, w3m",
        "tests/corpus/tools/real/request_tracker.py",
        NOTES,
        records,
    )


NOTES = (
    "Inquiries entered through rt-mailgate (action correspond) into two queues; agents answered with the rt CLI. "
    "English queue 'Customer Support' (support@harbourhome.example, subject tag 'Harbour Home'): RT's stock templates, "
    "unedited ('Autoreply in HTML', 'Correspondence in HTML', 'Resolved in HTML'). "
    "German queue 'Kundenservice' (service@nordwind-energie.example, tag 'Nordwind Service'): the queue-level "
    "'Autoreply in HTML' and 'Resolved in HTML' templates were WRITTEN BY US in German (RT ships only English ones; "
    "subjects 'Eingangsbestätigung: ...' and 'Erledigt: ...'); the correspondence template is RT's stock one. "
    "autoreply-* = AutoReply on ticket creation (echoes the inquiry); human-*/deflect-* = agent correspondence typed by us "
    "(RT adds Precedence: bulk and 'Name via RT' senders even to these); resolved-* = RT's status notice on "
    "status=resolved without agent text (auto_reply). $DefaultMailPrecedence left at its default (bulk). "
    "Mail captured from sendmailpipe by a stand-in sendmail that stores the piped bytes unchanged (no MTA headers). "
    "seconds are measured on this machine; the agents answered (and closed/resolved) 120 s after the last "
    "inquiry was sent, past servaudit's 60 s fast-arrival threshold, so agent-triggered mails show 2-5 minutes, "
    "not the hours real agents take. One agent account per language posted all answers (German: "
    "Jana Keller, English: Emily Carter), so the sender name can differ from the colleague who signs the text "
    "(a shared account)."
)


if __name__ == "__main__":
    main()
