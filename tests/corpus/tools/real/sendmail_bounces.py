# ruff: noqa: E501
"""Bounces and delay warnings from Sendmail 8.17, run on loopback (as root).

Sendmail (Debian's sendmail-bin, a config built with m4 from sendmail-cf in a
temp dir: own queue, SMART_HOST and mailer port pointing at 127.0.0.1) is
invoked as ``sendmail -C <cf> -odi`` for each inquiry. An aiosmtpd server on
127.0.0.1 plays the companies' MXs: it refuses recipients by domain (550, 552,
554, 451, 450) or the message at DATA, and accepts the bounces Sendmail sends
back to the persona. Deferred messages get a delay warning after
Timeout.queuewarn (5 s) and are returned after Timeout.queuereturn (25 s);
queue runs are forced with ``sendmail -q``. Sendmail runs in its own UTS
namespace (unshare -u) with the host name mx.mailbox.example, because it
refuses to work with an unqualified host name. A second pass sets
ErrorHeader (confERROR_MESSAGE) to a German text, Sendmail's only way to put
a local-language text into its DSNs. Nothing leaves the machine.

    python3 tests/corpus/tools/real/sendmail_bounces.py

Writes tests/corpus/real/sendmail/*.eml and manifest.toml. Installing
sendmail-bin removes other MTAs (OpenSMTPD, Exim); that is expected.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    ANNA,
    OLIVER,
    Capture,
    Entry,
    ensure_packages,
    inquiry,
    package_version,
    start_capture,
    write_system,
)

REFUSALS = {
    "brightline-telecom.example": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
    "larkspur-insurance.example": "552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded",
    "merkur-versand.example": "554 5.7.1 <{rcpt}>: Relay access denied",
    "alpenblick-reisen.example": "451 4.3.0 <{rcpt}>: Temporary lookup failure",
    "stadtwerke-lindenau.example": "550 5.1.1 Die E-Mail-Adresse <{rcpt}> existiert nicht",
    "northgate-motors.example": "450 4.2.1 <{rcpt}>: Mailbox temporarily unavailable",
}
DATA_REFUSED = {"harbour-bank.example": "554 5.7.1 Message rejected as spam by content filter"}

MC = """\
divert(0)dnl
include(`/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`servaudit corpus')dnl
OSTYPE(`debian')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`QUEUE_DIR', `{tmp}/mqueue')dnl
define(`STATUS_FILE', `{tmp}/sendmail.st')dnl
define(`confPID_FILE', `{tmp}/sendmail.pid')dnl
define(`confHOST_STATUS_DIRECTORY', `')dnl
define(`confSERVICE_SWITCH_FILE', `{tmp}/service.switch')dnl
define(`confTO_QUEUEWARN', `5s')dnl
define(`confTO_QUEUERETURN', `25s')dnl
define(`confMIN_QUEUE_AGE', `0')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {port}')dnl
define(`SMTP_MAILER_ARGS', `TCP $h {port}')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {port}')dnl
define(`SMART_HOST', `esmtp:[127.0.0.1]')dnl
define(`confDELIVERY_MODE', `interactive')dnl
define(`ALIAS_FILE', `')dnl
{error_header}dnl
FEATURE(`nocanonify')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""

ERROR_HEADER_DE = """\
Dies ist eine automatisch erstellte Nachricht des Mailservers
mx.mailbox.example. Ihre Nachricht konnte nicht (oder noch nicht) an alle
Empfänger zugestellt werden. Die Einzelheiten folgen auf Englisch.
Bitte antworten Sie nicht auf diese Nachricht.
"""

SENDS = [
    (OLIVER, "support@brightline-telecom.example", "Question about my contract", "Hello,\n\ncan I upgrade my broadband plan before my current contract ends?\n\nThanks,\nOliver Bennett\n"),
    (OLIVER, "claims@larkspur-insurance.example", "Cover for my laptop", "Hello,\n\ndoes my contents cover include accidental damage to a laptop?\n\nThanks,\nOliver Bennett\n"),
    (ANNA, "service@merkur-versand.example", "Lieferung nach Österreich?", "Guten Tag,\n\nliefern Sie auch nach Österreich? Wenn ja, was kostet der Versand?\n\nViele Grüße\nAnna Schmidt\n"),
    (ANNA, "kundenservice@stadtwerke-lindenau.example", "Kündigung meines Vertrags", "Guten Tag,\n\nbis wann muss ich kündigen, wenn mein Vertrag zum 31. März enden soll?\n\nViele Grüße\nAnna Schmidt\n"),
    (OLIVER, "service@harbour-bank.example", "Charged twice for one invoice", "Dear Sir or Madam,\n\nmy invoice from 3 November was charged to my card twice. Could you refund\nthe second payment, please?\n\nBest regards,\nOliver Bennett\n"),
    (ANNA, "info@alpenblick-reisen.example", "Frage zur Stornierung", "Guten Tag,\n\nwelche Kosten fallen bei einer Stornierung zwei Wochen vor Reisebeginn an?\n\nFreundliche Grüße\nAnna Schmidt\n"),
    (OLIVER, "help@northgate-motors.example", "Warranty claim for my kettle", "Hello,\n\nthe kettle I bought in March stopped working. How do I make a warranty claim?\n\nRegards,\nOliver Bennett\n"),
]


class Mx(Capture):
    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        domains = {rcpt.rpartition("@")[2].lower() for rcpt in envelope.rcpt_tos}
        for domain in domains & DATA_REFUSED.keys():
            return DATA_REFUSED[domain]
        return await super().handle_DATA(server, session, envelope)


def sendmail(cf: Path, *args: str, stdin: bytes | None = None) -> None:
    command = f"hostname mx.mailbox.example && exec /usr/sbin/sendmail -C {cf} " + " ".join(args)
    subprocess.run(["unshare", "-u", "sh", "-c", command], input=stdin, capture_output=True, timeout=60)


def run_pass(german: bool) -> list[tuple[float, bytes, str, str, str]]:
    """Send every inquiry once; return (seconds, bounce, subject, body, language of the inquiry)."""
    capture = Mx(refusals=REFUSALS)
    controller, port = start_capture(capture)
    tmp = Path(tempfile.mkdtemp(prefix="sendmail-"))
    (tmp / "mqueue").mkdir(mode=0o700)
    (tmp / "service.switch").write_text("hosts files\naliases files\n", encoding="utf-8")
    error_header = ""
    if german:
        (tmp / "error-header").write_text(ERROR_HEADER_DE, encoding="utf-8")
        # The temp dir sits under the world-writable /tmp, which Sendmail's safe-file check refuses.
        error_header = (f"define(`confERROR_MESSAGE', `{tmp}/error-header')dnl\n"
                        "define(`confDONT_BLAME_SENDMAIL', `ErrorHeaderInUnsafeDirPath')")
    (tmp / "sendmail.mc").write_text(MC.format(tmp=tmp, port=port, error_header=error_header), encoding="utf-8")
    cf = tmp / "sendmail.cf"
    cf.write_bytes(subprocess.run(["m4", str(tmp / "sendmail.mc")], capture_output=True, check=True).stdout)
    sent: list[tuple[float, str, str, str, str]] = []
    try:
        for sender, rcpt, subject, body in SENDS:
            message = inquiry(sender, rcpt, subject, body)
            sent.append((time.time(), message["Message-ID"], subject, body, "de" if sender is ANNA else "en"))
            sendmail(cf, "-odi", "-f", sender[1], rcpt, stdin=bytes(message))
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            sendmail(cf, "-q")
            time.sleep(2)
    finally:
        controller.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    results = []
    for reply in capture.received:
        if reply.mail_from not in ("<>", ""):
            continue
        match = next((s for s in sent if s[1].encode() in reply.raw), None)
        if match is None:
            print(f"unmatched: {reply.subject}", file=sys.stderr)
            continue
        results.append((reply.at - match[0], reply.raw, match[2], match[3], match[4]))
    return results


def main() -> int:
    ensure_packages("sendmail-bin", "sendmail-cf")
    if not shutil.which("unshare"):
        raise SystemExit("needs unshare (util-linux)")
    entries: list[Entry] = []
    for german in (False, True):
        counts: dict[str, int] = {}
        for seconds, raw, subject, body, _ in run_pass(german):
            head = raw.split(b"\n\n", 1)[0].lower()
            kind = "delay" if b"subject: warning" in head else "failure"
            prefix = f"{kind}-{'de' if german else 'en'}"
            counts[prefix] = counts.get(prefix, 0) + 1
            entries.append(Entry(f"{prefix}-{counts[prefix]:02d}.eml", "bounce", "de" if german else "en", seconds, subject, body, raw))
    version = package_version("sendmail-bin")
    write_system(
        "sendmail",
        system=f"Sendmail {version.split('-')[0]}",
        source=f"Debian sendmail-bin {version}",
        generated_by="tests/corpus/tools/real/sendmail_bounces.py",
        notes=(
            "DSN format, subjects and texts are Sendmail's (always English). Ours: the m4 config (own queue, "
            "SMART_HOST/mailer port to the loopback MX, Timeout.queuewarn 5 s and queuereturn 25 s so that "
            "warnings and returns arrive within a minute: 'seconds' is far shorter than in production, "
            "default 4 h / 5 d), the MX refusal texts (550/552/554 at RCPT, 554 at DATA, 451/450 "
            "temporary), host name mx.mailbox.example, and the inquiries. *-de-* files come from a second "
            "pass with ErrorHeader set to our German paragraph, which Sendmail puts at the top of the DSN "
            "text (the rest stays English); they are labelled language de."
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
