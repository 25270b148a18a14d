"""The command line: argument handling only; every command calls a library function.

Exit codes (the same for every command):
  0  ok
  1  a check or gate failed
  2  usage or configuration error
  3  servaudit's own infrastructure unavailable (its mailbox, SMTP relay, browser, a full disk)
  4  an internal error (a bug: please report it with the output of --debug), and only that
130  interrupted (Ctrl-C)
141  the output was closed early (broken pipe)

Every message printed is scrubbed of the secrets this process resolved (servaudit/secrets.py).
"""

# No `from __future__ import annotations` here: typer reads every command's parameters from their
# annotations when the command line is built, and string annotations it must compile and evaluate
# one by one (typing.get_type_hints): ~8 ms of every start-up (issue 16, goal 6).

import functools
import json
import logging
import sys
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from servaudit.cli_values import LightGroup
from servaudit.errors import EXIT_BROKEN_PIPE, UsageError
from servaudit.exits import echo_err, explain, log_to_stderr, silence_stdout
from servaudit.secrets import scrub, scrub_terminal

app = typer.Typer(
    name="servaudit",
    help=(
        "A mystery shopper for customer service: send test inquiries as a persona, "
        "time and classify the replies, report per company.\n\n"
        "Typical audit: servaudit init audit/ → edit audit/audit.toml → servaudit check → "
        "servaudit run → servaudit collect (repeatedly, e.g. hourly from cron) → servaudit report.\n\n"
        "Try it without touching any real company: servaudit demo\n\n"
        "Exit codes: 0 ok, 1 a check failed, 2 usage or configuration error, "
        "3 servaudit's own mailbox/SMTP relay/browser unavailable or the disk full, "
        "4 internal error (a bug), 130 interrupted, 141 broken pipe."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=LightGroup,  # values read without pydantic where plain (cli_values.py): a faster start
)

_debug = False

AuditDir = Annotated[
    Path,
    typer.Option("--audit", "-a", help="The audit folder (holding audit.toml) or the audit file itself."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the result, no progress.")]

F = TypeVar("F", bound=Callable[..., Any])


def tabulate(rows: Any, headers: Any = ()) -> str:
    """tabulate's table. A plain one (short texts, whole numbers) is laid out the same way without
    importing tabulate, a sixth of `status`'s start-up (plain_table.py); any other by tabulate."""
    from servaudit.plain_table import plain_table

    plain = plain_table(rows, headers)
    if plain is not None:
        return plain
    from tabulate import tabulate as table

    return str(table(rows, headers=headers))


def errors_to_exit_codes(command: F) -> F:
    """A user-caused problem becomes one clear sentence and its exit code, never a traceback.

    --debug adds the traceback but never changes the exit code, and every text is scrubbed of
    resolved secrets on its way to the terminal.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = command(*args, **kwargs)
            sys.stdout.flush()  # here, not at exit: a closed pipe or a full disk gets its exit code
            return result
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BaseException as exc:
            code, sentence = explain(exc)
            if code == EXIT_BROKEN_PIPE:
                silence_stdout()
            if _debug:
                echo_err(scrub("".join(traceback.format_exception(exc))))
            echo_err(f"servaudit: {scrub(sentence)}")
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]


def _load(audit_dir: Path) -> Any:
    from servaudit.config import Audit

    return Audit.load(audit_dir)


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        typer.echo(text, err=True)


@app.callback()
def main_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")
    ] = False,
) -> None:
    global _debug
    _debug = debug
    log_to_stderr(logging.DEBUG if debug else logging.WARNING)


@app.command()
@errors_to_exit_codes
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new audit (created if missing).")] = Path(
        "."
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing audit.toml.")] = False,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the file's comments and of the report: de or en.")
    ] = "de",
    as_json: JsonFlag = False,
) -> None:
    """Write a commented audit.toml to start an audit from: every channel (e-mail, form, chat),
    helpdesk domains, plus-addressing, business hours, waves and send window, reminders and limits,
    each explained (commented examples to switch on).

    To fill the companies from their websites instead: servaudit discover URL… --write-audit FOLDER.

    Example: servaudit init acme-audit/ --lang en && $EDITOR acme-audit/audit.toml
    """
    from servaudit.scaffold import init as scaffold

    path = scaffold(folder, force, lang)
    if as_json:
        typer.echo(json.dumps({"audit_file": str(path), "folder": str(folder), "next": "check"}))
        return
    typer.echo(f"wrote {path}; edit it, then run: servaudit check -a {folder}")


@app.command()
@errors_to_exit_codes
def check(audit_dir: AuditDir = Path("."), as_json: JsonFlag = False) -> None:
    """Validate the audit, log in to its SMTP relay and mailbox, and open every form and chat page
    as `run` would, stopping before anything reaches a company.

    Exits 1 when a company's channel is not usable (no form, a CAPTCHA, an offline chat …),
    2 when the audit file is invalid, 3 when the relay, mailbox or browser cannot be used.

    Example: SERVAUDIT_SMTP_PASSWORD=… servaudit check -a acme-audit/
    """
    from servaudit.check import CHECK_OK, CONFIG, INFRASTRUCTURE, run_checks

    results = run_checks(_load(audit_dir))
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in results], indent=2))
    else:
        typer.echo(
            tabulate([(r.name, r.status, r.detail) for r in results], headers=["check", "result", "detail"])
        )
    failed = {r.kind for r in results if r.status != CHECK_OK}
    if INFRASTRUCTURE in failed:
        raise typer.Exit(3)
    if CONFIG in failed:
        raise typer.Exit(2)
    if failed:
        raise typer.Exit(1)


@app.command()
@errors_to_exit_codes
def run(
    audit_dir: AuditDir = Path("."),
    wave: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Wave number: the same inquiries again as a new set (default 1). In a study with "
            "[audit.waves]: only this wave's due inquiries (default: every wave's).",
        ),
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    parallel: Annotated[
        int,
        typer.Option(min=1, help="Inquiries under way at once (a chat holds its page while it waits)."),
    ] = 4,
    ignore_earlier_sends: Annotated[
        bool,
        typer.Option(
            "--ignore-earlier-sends",
            help="Send although the store is new and the folder shows earlier sends (evidence, replies).",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print what would be sent now (recipient, subject, channel, planned time) and what the "
            "limits would refuse; send, claim and record nothing.",
        ),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Send to real companies without asking (cron). Without it, an audit that is not the "
            "sandbox asks on a terminal, and refuses without one.",
        ),
    ] = False,
    distributed: Annotated[
        bool,
        typer.Option(
            "--distributed",
            help="Do not send here: enqueue every due inquiry as a job for `servaudit worker` on any "
            "machine with the store (PostgreSQL only; docs/distributed.md).",
        ),
    ] = False,
    quiet: QuietFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Send every planned inquiry that is due and not sent yet. Safe to repeat: nothing is sent twice.

    Without [audit.waves] everything planned is due at once. In a study with waves and a send window,
    only what the plan (`servaudit plan`) puts at or before now is sent, so one cron line drives the whole
    study: servaudit run --yes && servaudit collect

    Before anything reaches a real company: the do-not-contact list, the cap per company and month and
    the spacing between sends to one domain ([audit.limits]) are checked; what they stop is recorded as
    refused with its reason and checked again at the next run. An audit that is not the sandbox
    (every e-mail target in a reserved domain such as .example, every page on 127.0.0.1) shows what it
    is about to send and asks; --yes sends without asking; a simulated clock (SERVAUDIT_NOW) is refused.

    An inquiry is recorded as "being sent" before it leaves; if servaudit dies mid-send, the
    inquiry is marked uncertain and never re-sent automatically.

    Reminders and follow-ups a scenario declares are sent too, when due as of now: a reminder after
    its business hours without a person's answer, a follow-up once a person answered (each once).

    On several machines (a study's PostgreSQL store): --distributed chooses the same inquiries with the
    same limits, consent and dry run, composes each and enqueues it with its job in one transaction;
    `servaudit worker` on each machine sends them.

    Example: servaudit run -a acme-audit/ --dry-run, then: servaudit run -a acme-audit/
    """
    from servaudit.engine import run as run_audit
    from servaudit.progress import progress

    audit = _load(audit_dir)
    if dry_run:
        _print_dry_run(audit, wave, channel, as_json)
        return
    only = _consent(audit, wave, channel, yes, quiet)
    if distributed:
        _dispatch(audit, wave, channel, only, quiet, as_json)
        return
    with progress("sending", quiet) as tracker:

        def sent_one(inquiry: Any, state: str, detail: str) -> None:
            tracker.log(scrub(f"{inquiry.id}: {state} ({detail})"))
            tracker.advance(f"sending: {inquiry.id}")

        summary = run_audit(audit, wave, channel, sent_one, parallel, ignore_earlier_sends, only)
    for inquiry_id in summary.interrupted:
        _say(quiet, f"{inquiry_id}: an earlier run stopped while sending it; marked uncertain, not re-sent")
    for inquiry_id, reason in summary.refused.items():
        _say(quiet, scrub(f"{inquiry_id}: refused ({reason})"))
    result = {
        "planned": summary.planned,
        "already_done": summary.already_done,
        "not_yet_due": summary.not_yet,
        "outcomes": dict(summary.outcomes),
        "refused": summary.refused,
        "uncertain_from_earlier_runs": summary.interrupted,
        "reminders_and_followups_due": summary.reminders,
    }
    if as_json:
        typer.echo(scrub(json.dumps(result, indent=2)))
    else:
        done = ", ".join(f"{n} {state}" for state, n in sorted(summary.outcomes.items())) or "nothing sent"
        later = f", {summary.not_yet} not yet due" if summary.not_yet else ""
        due = f"; {summary.reminders} reminders/follow-ups were due" if summary.reminders else ""
        refused = f", {len(summary.refused)} refused" if summary.refused else ""  # limits or consent
        typer.echo(
            f"{summary.planned} planned, {summary.already_done} done before{later}{refused}; "
            f"this run: {done}{due}"
        )


def _dispatch(
    audit: Any, wave: int | None, channel: list[str] | None, only: Any, quiet: bool, as_json: bool
) -> None:
    from servaudit.distributed.dispatch import dispatch

    summary = dispatch(audit, wave, channel, only)
    for inquiry_id, reason in summary.refused.items():
        _say(quiet, scrub(f"{inquiry_id}: refused ({reason})"))
    if as_json:
        result = {
            "planned": summary.planned,
            "already_done": summary.already_done,
            "not_yet_due": summary.not_yet,
            "enqueued": summary.enqueued,
            "refused": summary.refused,
            "queued_meanwhile": summary.skipped,
        }
        typer.echo(scrub(json.dumps(result, indent=2)))
        return
    later = f", {summary.not_yet} not yet due" if summary.not_yet else ""
    refused = f", {len(summary.refused)} refused" if summary.refused else ""  # limits or consent
    typer.echo(
        f"{summary.planned} planned, {summary.already_done} done or queued before{later}{refused}; "
        f"enqueued now: {len(summary.enqueued)} (run `servaudit worker` on each machine to send them)"
    )


def _print_dry_run(audit: Any, wave: int | None, channel: list[str] | None, as_json: bool) -> None:
    from servaudit.planning import SEND_COLUMNS, preview, refusals, send_table, sending

    agenda = preview(audit, wave, channel, begin=False)
    rows, refused = sending(audit, agenda), refusals(agenda)
    if as_json:
        payload = {
            "now": agenda.now.isoformat(),
            "sandbox": agenda.sandbox,
            "provisional": agenda.provisional,
        }
        typer.echo(scrub(json.dumps({**payload, "would_send": rows, "would_refuse": refused}, indent=2)))
        return
    typer.echo(
        scrub(tabulate(send_table(rows), headers=list(SEND_COLUMNS))) if rows else "nothing is due now"
    )
    for row in refused:
        typer.echo(scrub(f"would refuse {row['inquiry']}: {row['reason']}"))
    if agenda.sandbox:
        for entry in agenda.beyond_sandbox():
            typer.echo(scrub(f"would ask before sending {entry.inquiry.id}: {entry.detail}"))
    if agenda.provisional:
        typer.echo("the study has not begun: these times are provisional (`servaudit plan` fixes them)")
    typer.echo("dry run: nothing was sent, claimed or recorded")


def _consent(audit: Any, wave: int | None, channel: list[str] | None, yes: bool, quiet: bool) -> Any:
    """None in the sandbox with nothing due beyond it; else the ids a person (or --yes) agreed to send,
    after showing what reaches beyond the sandbox (in a sandbox audit: follow-ups to an address a
    company's answer named)."""
    from servaudit.consent import is_sandbox, refuse_simulated_clock
    from servaudit.planning import SEND_COLUMNS, preview, send_table, sending

    sandbox = is_sandbox(audit.config)
    if not sandbox:
        refuse_simulated_clock(audit.config)
    agenda = preview(audit, wave, channel, begin=True)
    beyond = {entry.inquiry.id for entry in agenda.beyond_sandbox()}
    if sandbox and not beyond:
        return None
    rows = sending(audit, agenda)
    asked = [row for row in rows if row["inquiry"] in beyond]
    what = (
        f"this audit reaches real companies and {len(asked)} inquiries are due"
        if not sandbox
        else f"this sandbox audit has {len(asked)} follow-ups due to addresses outside the sandbox "
        "(a company's answer named them)"
    )
    where = "outside the sandbox" if sandbox else "to real companies"
    if asked and not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"{what}: run it on a terminal to confirm, or pass --yes for unattended use (cron); "
                "see them with --dry-run"
            )
        typer.echo(scrub(tabulate(send_table(asked), headers=list(SEND_COLUMNS))), err=True)
        if not typer.confirm(f"Send these {len(asked)} inquiries {where} now?", err=True):
            typer.echo("nothing sent", err=True)
            raise typer.Exit(1)
    elif asked:
        _say(quiet, f"--yes: sending {len(asked)} inquiries {where}")
    return {row["inquiry"] for row in rows}


@app.command("plan")
@errors_to_exit_codes
def plan_command(
    audit_dir: AuditDir = Path("."),
    wave: Annotated[int | None, typer.Option(min=1, help="Only this wave.")] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show per company what will be sent when: planned time (the send window's local time), stratum
    (weekday_day, weekday_evening, weekend) and state (planned, due, sent, refused with its reason, …).

    The first `plan` or `run` of a study with [audit.waves] draws its seed and keeps it in the store:
    from then on the same audit file plans the same times. Sends nothing.

    Example: servaudit plan -a acme-audit/ --json
    """
    from servaudit.planning import PLAN_COLUMNS, local_time, plan_json, plan_table, preview

    agenda = preview(_load(audit_dir), wave, channel, begin=True)
    if as_json:
        typer.echo(scrub(json.dumps(plan_json(agenda), indent=2, ensure_ascii=False)))
        return
    typer.echo(scrub(tabulate(plan_table(agenda), headers=list(PLAN_COLUMNS))))
    typer.echo(f"times in {agenda.zone}; now: {local_time(agenda.now, agenda.zone)}")
    if agenda.study is None:
        typer.echo("no [audit.waves]: everything planned is due at the next `servaudit run`")


@app.command()
@errors_to_exit_codes
def collect(
    audit_dir: AuditDir = Path("."),
    watch: Annotated[
        float | None, typer.Option(help="Keep collecting every this many seconds until interrupted.")
    ] = None,
    quiet: QuietFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Read new replies from the mailbox, match them to inquiries and classify them.

    Incremental: mail read before is never downloaded again and a message is judged once; the
    mailbox is never changed. After a servaudit upgrade with a new classifier, stored messages
    are judged again (never a consultant's grade) and the output says how many classes changed.
    Replies the classifier cannot place are `unknown`: list them with `servaudit grade --pending`.
    --json separates what this run did ("new") from the store's totals ("totals").

    Example: servaudit collect -a acme-audit/      (from cron: every hour)
    """
    from servaudit.collect import collect as collect_replies
    from servaudit.collect import collect_report
    from servaudit.progress import progress

    audit = _load(audit_dir)
    while True:
        with progress("reading the mailbox", quiet) as tracker:
            summary = collect_replies(audit, lambda n: tracker.update(n, text=f"read {n} new messages"))
        if as_json:
            typer.echo(json.dumps(summary.as_json()))
        else:
            typer.echo(collect_report(summary))
        if watch is None:
            return
        time.sleep(watch)


@app.command()
@errors_to_exit_codes
def worker(
    audit_dir: AuditDir = Path("."),
    name: Annotated[
        str | None, typer.Option(help="How `status --workers` names this worker (default: host:pid).")
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, help="E-mail sends and collects under way at once in this worker.")
    ] = 8,
    browser_contexts: Annotated[
        int,
        typer.Option(
            min=1, help="Form and chat sends at once: browser contexts open in this worker's one Chromium."
        ),
    ] = 2,
    collect_every: Annotated[
        str,
        typer.Option(
            help="When the periodic collect runs, as a cron expression (once per tick on all workers "
            "together, never two at once); 'never' when cron runs `servaudit collect` instead.",
        ),
    ] = "*/15 * * * *",
    stalled_after: Annotated[
        float,
        typer.Option(
            min=5,
            help="Seconds without a heartbeat after which another worker's jobs count as abandoned: "
            "unclaimed ones run again, a send under way becomes uncertain.",
        ),
    ] = 60.0,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop once no job is waiting (a batch, a test).")
    ] = False,
) -> None:
    """Take this audit's jobs from the queue and run them until stopped (Ctrl-C, SIGTERM).

    For a study on several machines: its store is PostgreSQL (audit.store = "postgresql://…"), and
    `servaudit run --distributed` enqueues what is due (e.g. from cron every 15 minutes on one machine).
    Start a worker on every machine that has the audit folder and reaches the database; each sends
    with the same channel code as `servaudit run`. An inquiry is claimed in the store before it is sent;
    a worker that dies mid-send leaves it uncertain (never re-sent; see `servaudit status --uncertain`),
    and a job it had not yet claimed is run again by another worker. The spacing between sends to one
    domain ([audit.limits]) holds across all workers. `servaudit status --workers` shows the jobs.
    SIGTERM (or Ctrl-C) stops taking jobs and lets the sends under way finish; a deployment's stop
    timeout should exceed the longest chat wait. README "One study on several machines" has a systemd
    unit and a container.

    Example: servaudit worker -a /srv/study/ --browser-contexts 3
    """
    from servaudit.distributed.worker import WorkerOptions, work

    options = WorkerOptions(
        name=name,
        concurrency=concurrency,
        browser_contexts=browser_contexts,
        collect_every=None if collect_every == "never" else collect_every,
        stalled_after=stalled_after,
        until_idle=until_idle,
    )
    work(_load(audit_dir), options)


@app.command()
@errors_to_exit_codes
def status(
    audit_dir: AuditDir = Path("."),
    lang: Annotated[
        str | None, typer.Option("--lang", help="de or en (default: audit.language in the audit file).")
    ] = None,
    uncertain: Annotated[
        bool, typer.Option("--uncertain", help="Only uncertain inquiries, with their attempts as evidence.")
    ] = False,
    workers: Annotated[
        bool,
        typer.Option("--workers", help="The distributed jobs per worker: queued, running, done and failed."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show every inquiry: sent or not, replies so far, time to first response and first human answer.

    The table is in the audit's language (--lang overrides); --json keys and values are always English.
    --uncertain lists the inquiries whose send may or may not have happened, with every attempt and the
    replies matched to them; decide each with `servaudit release`. --workers shows a study's distributed
    jobs (`servaudit run --distributed`, `servaudit worker`): waiting in the queue, and per worker the
    ones running, done and failed.

    Example: servaudit status -a acme-audit/
    """
    from servaudit.errors import UsageError
    from servaudit.status import status_rows, status_table

    if lang not in (None, "de", "en"):
        raise UsageError(f"--lang must be de or en, not {lang!r}")
    if uncertain:
        _print_uncertain(_load(audit_dir), as_json)
        return
    if workers:
        _print_workers(_load(audit_dir), lang, as_json)
        return
    from servaudit.config_light import light_audit

    # The table reads little of the audit file: a plain one is read without pydantic, half of
    # status's start-up (config_light.py); any other, and every bad one, through the models.
    plain = light_audit(audit_dir) or _load(audit_dir)
    _print_rows(plain, lang, as_json, status_rows(plain), status_table, "status.none")


def _print_workers(audit: Any, lang: str | None, as_json: bool) -> None:
    from servaudit.status import worker_rows, worker_table

    _print_rows(audit, lang, as_json, worker_rows(audit), worker_table, "status.no_jobs")


def _print_rows(audit: Any, lang: str | None, as_json: bool, rows: Any, table_of: Any, empty: str) -> None:
    """Rows as JSON (English keys), or as a table in the audit's language (``empty``: what to say of none)."""
    from servaudit.i18n import Locale

    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    info = audit.config.audit
    locale = Locale(lang or info.language, info.timezone, audit.folder)
    if rows:
        headers, table = table_of(rows, locale)
        typer.echo(tabulate(table, headers=headers))
    else:
        typer.echo(locale.t(empty))


def _print_uncertain(audit: Any, as_json: bool) -> None:
    from servaudit.release import describe, uncertain

    found = uncertain(audit)
    if as_json:
        typer.echo(json.dumps([u.as_dict() for u in found], indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(describe(found)))


@app.command("release")
@errors_to_exit_codes
def release_command(
    inquiry: Annotated[str, typer.Argument(help="The uncertain inquiry's id (see status --uncertain).")],
    decision: Annotated[
        str, typer.Option("--as", help="not-sent: due again for the next run; sent: count it as sent.")
    ],
    audit_dir: AuditDir = Path("."),
    comment: Annotated[str, typer.Option(help="Why (e.g. what the relay's log showed).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Decide an uncertain inquiry, after checking the evidence: as not sent (the next run sends it)
    or as sent. The decision is kept in the store as an attempt of its own.

    Example: servaudit release nordwind.email.tarifwechsel.w1 --as not-sent --comment "not in relay log"
    """
    from servaudit.release import release

    release(_load(audit_dir), inquiry, decision, comment)
    if as_json:
        typer.echo(json.dumps({"inquiry": inquiry, "released_as": decision}))
    else:
        typer.echo(f"{inquiry}: released as {decision}")


@app.command()
@errors_to_exit_codes
def report(
    audit_dir: AuditDir = Path("."),
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report.")] = Path("report"),
    lang: Annotated[
        str | None, typer.Option("--lang", help="de or en (default: audit.language in the audit file).")
    ] = None,
    clock: Annotated[
        str | None,
        typer.Option(help="calendar or business: what times are measured in (default: audit.clock)."),
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print each page to PDF through Chromium.")] = False,
    quiet: QuietFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Write the HTML report (index.html + one page per company), report.json, CSV tables and the evidence.

    --out must be a new or empty folder, or hold an earlier servaudit report (which is replaced).

    Pages are self-contained (no scripts, no external resources, charts inline): open, mail or print
    them as they are. report.json holds every figure (docs/report-json.md); csv/ the same as tables.

    Example: servaudit report -a acme-audit/ --out acme-report/ --lang de --pdf
    """
    from servaudit.errors import UsageError
    from servaudit.progress import progress
    from servaudit.rejudge import refresh
    from servaudit.report import render_report

    if lang not in (None, "de", "en"):
        raise UsageError(f"--lang must be de or en, not {lang!r}")
    if clock not in (None, "calendar", "business"):
        raise UsageError(f"--clock must be calendar or business, not {clock!r}")
    audit = _load(audit_dir)
    # The report only reads judgements: an older store's are brought up to date first, locally.
    refresh(audit, lambda text: _say(quiet, text))
    with progress("report", quiet) as tracker:
        result = render_report(
            audit,
            out,
            lang,
            clock,
            pdf,
            on_step=lambda text, done, total: tracker.update(done, total, f"report: {text}"),
        )
    for path in result.evidence_withheld:
        _say(quiet, f"warning: {path} not copied into the report: missing, or changed since it was recorded")
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        typer.echo(f"report written: {result.index}")
        if result.pdf:
            typer.echo(f"PDFs: {len(result.pdf)} next to the pages")


@app.command()
@errors_to_exit_codes
def gate(
    audit_dir: AuditDir = Path("."),
    rule: Annotated[
        list[str] | None,
        typer.Option(
            "--rule",
            "-r",
            help="[company:]channel.metric OP value [level=warn|error] [agg=each|median|p90|worst]"
            " (repeatable).",
        ),
    ] = None,
    rules: Annotated[Path | None, typer.Option(help="A file with one rule per line (# comments).")] = None,
    report_json: Annotated[
        Path | None,
        typer.Option("--report", help="Check this report.json instead of computing from the store."),
    ] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here (a test case per check).")] = None,
    summary: Annotated[
        Path | None, typer.Option(help="Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check service levels for CI: exit 1 when an error-level rule fails, 0 otherwise.

    Metrics are report.json's figure keys (the _seconds suffix may be left out); values take units
    (90s, 15min, 24h, 2d, 80%). Channel "all" means all of a company's channels together. Without agg,
    each company is one check; median/p90/worst aggregate all companies pessimistically.

    wave_drop is 1 for a company whose service got significantly worse between two consecutive waves
    (share answered by a person within 24 h, Fisher's exact test, or the time-to-answer curve, log-rank;
    p < 0.05), else 0: --rule 'all.wave_drop == 0' fails the gate on a significant drop.

    Findings are metrics too, under "findings.": findings.promise_broken (promises of a reply time
    that the first human answer missed), findings.acknowledged_never_answered, findings.refuses_channel,
    findings.noreply_sender, findings.reply_to_differs, findings.authentication_failed,
    findings.tracking_pixel, findings.tracked_links, findings.other_language, findings.informal_address
    (counts), and findings.promises.kept_rate.share. What `servaudit discover -a` read on a company's
    site (0 or 1 each, 0 when not discovered): findings.imprint_missing, findings.imprint_without_email,
    findings.costly_hotline, findings.costly_hotline_listed, findings.stale_odr_link,
    findings.cancellation_button_missing; and findings.clicks_to_contact (clicks from the home page to
    the first e-mail address, form, chat or phone; no value when not discovered).
    Example: --rule 'all.findings.promise_broken == 0' --rule 'email.findings.tracking_pixel == 0 level=warn'

    Example: servaudit gate -a acme-audit/ --rule 'email.median_first_human_response < 24h'
    --rule 'chat.human_response_rate >= 0.8 level=warn' --junit gate.xml --summary gate.md
    """
    from servaudit import gate as gates

    texts = list(rule or []) + (gates.read_rules(rules) if rules else [])
    if report_json is not None:
        try:
            data = json.loads(report_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            from servaudit.errors import UsageError

            raise UsageError(f"cannot read {report_json}: {exc}") from None
    else:
        from servaudit.rejudge import refresh
        from servaudit.report import report_data

        audit = _load(audit_dir)
        refresh(audit, lambda text: typer.echo(text, err=True))
        data = report_data(audit)
    results = gates.run_gate(texts, data)
    if junit is not None:
        junit.write_text(gates.junit_xml(results), encoding="utf-8")
    if summary is not None:
        with summary.open("a", encoding="utf-8") as handle:
            handle.write(gates.markdown(results))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        typer.echo(
            tabulate(
                gates.table_rows(results), headers=["result", "rule", "level", "company", "value", "detail"]
            )
        )
    if gates.failed(results):
        raise typer.Exit(1)


@app.command()
@errors_to_exit_codes
def sandbox(
    mailbox: Annotated[
        Path, typer.Option(help="Maildir the simulated companies deliver their replies into.")
    ] = Path("sandbox/mail"),
    port: Annotated[int, typer.Option(help="SMTP port on 127.0.0.1 (0: any free port).")] = 2525,
    ground_truth: Annotated[
        Path, typer.Option(help="JSON-lines file recording every reply the sandbox sent, and when.")
    ] = Path("sandbox/ground-truth.jsonl"),
    write_audit: Annotated[
        Path | None,
        typer.Option(help="Also write an audit.toml for the sandbox's companies into this folder."),
    ] = None,
    delay_scale: Annotated[float, typer.Option(help="Multiply every scripted reply delay.")] = 1.0,
    imap: Annotated[
        bool,
        typer.Option(
            "--imap",
            help="Also serve the Maildir over IMAP from a private Dovecot on 127.0.0.1, as a real mailbox "
            "(password: $SERVAUDIT_SANDBOX_IMAP_PASSWORD, made up and shown when unset).",
        ),
    ] = False,
    imap_port: Annotated[
        int, typer.Option(help="IMAP port on 127.0.0.1 with --imap (0: any free port).")
    ] = 1143,
) -> None:
    """Run simulated companies on 127.0.0.1 until Ctrl-C: an SMTP server and scripted reply behaviours.

    Every company lives under the reserved .example domain; the sandbox never relays mail anywhere.

    Example: servaudit sandbox --imap --write-audit demo-audit/   (then, in another terminal with the
    same SERVAUDIT_SANDBOX_IMAP_PASSWORD: servaudit run -a demo-audit/ && servaudit collect -a demo-audit/)

    With SERVAUDIT_NOW set (a simulated clock), the sandbox lives in time: an inquiry counts as received
    at its Date header and its replies are delivered at once, dated receipt + the company's delay.
    """
    from servaudit.demo import sandbox_audit_toml
    from servaudit.sandbox import Sandbox, serve_forever
    from servaudit.sandbox.inbox import PASSWORD_VARIABLE, ImapInbox, sandbox_password, serve_inbox
    from servaudit.timing import simulated

    box = Sandbox(mailbox, ground_truth, port=port, delay_scale=delay_scale, simulated_time=simulated())
    with ExitStack() as running:
        inbox = None
        # Asked before Dovecot starts: only then is it known whether the password was made up just now.
        password, made_up = sandbox_password() if imap else ("", False)
        if imap:
            # Dovecot first: when it cannot start (not installed, port taken), nothing else has.
            dovecot = running.enter_context(serve_inbox(mailbox, imap_port))
            inbox = ImapInbox.of(dovecot)
        box.start()
        running.callback(box.stop)
        typer.echo(f"sandbox SMTP on {box.smtp_host}:{box.smtp_port}; replies go to {mailbox}")
        if inbox is not None:
            typer.echo(
                f"IMAP on {inbox.host}:{inbox.port}, user {inbox.username}, password ${PASSWORD_VARIABLE}"
            )
            if made_up:
                # Only the sandbox's own loopback mailbox: the terminal running the audit needs it too.
                typer.echo(f"export {PASSWORD_VARIABLE}={password}")
        rows = [(c.slug, "email", c.address, c.behaviour, c.language) for c in box.companies]
        rows += [(f.slug, "form", box.form_url(f.slug), f.page, f.company.language) for f in box.forms]
        rows += [(c.slug, "chat", box.chat_url(c.slug), c.behaviour, c.language) for c in box.chats]
        typer.echo(tabulate(rows, headers=["company", "channel", "address", "behaviour", "lang"]))
        if write_audit is not None:
            write_audit.mkdir(parents=True, exist_ok=True)
            target = write_audit / "audit.toml"
            text = sandbox_audit_toml(box, str(mailbox.resolve()), delay_scale, imap=inbox)
            target.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {target}")
        typer.echo("Ctrl-C stops the sandbox.")
        serve_forever(box, lambda event: typer.echo(json.dumps(event, ensure_ascii=False)))


@app.command()
@errors_to_exit_codes
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo's audit and report.")] = Path(
        "servaudit-demo"
    ),
    wait: Annotated[float, typer.Option(help="Seconds to wait for the scripted replies.")] = 90,
    delay_scale: Annotated[
        float, typer.Option(help="Multiply the companies' reply delays (tests use 0.2).", hidden=True)
    ] = 1.0,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the demo's report: en or de.", case_sensitive=False)
    ] = "en",
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Store URL instead of the audit folder's servaudit.sqlite: an empty PostgreSQL database"
            " (postgresql://user@host/db; the password in PGPASSWORD or ~/.pgpass).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run a complete audit against the local sandbox in one go: send, wait, collect, report.

    Leaves the demo's audit folder (audit file, store, evidence, mailbox) and its HTML report under --out.
    Nothing leaves this machine.

    Example: servaudit demo --out /tmp/demo --lang de && xdg-open /tmp/demo/report/index.html
    """
    from servaudit.demo import run_demo

    if lang.lower() not in ("en", "de"):
        raise UsageError(f"--lang must be en or de, not {lang!r}")
    result = run_demo(
        out,
        wait,
        delay_scale,
        on_step=lambda text: typer.echo(text, err=True),
        language=lang.lower(),
        store=store,
    )
    if not result.all_replies_arrived:
        typer.echo("warning: not every scripted reply arrived in time", err=True)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "audit_folder": str(result.audit_folder),
                    "report": str(result.report),
                    "all_replies_arrived": result.all_replies_arrived,
                    "read_over_imap": result.read_over_imap,
                }
            )
        )
        return
    typer.echo(f"audit folder: {result.audit_folder}")
    typer.echo(f"report: {result.report}")
    typer.echo(f"try: servaudit status -a {result.audit_folder}")


@app.command()
@errors_to_exit_codes
def discover(
    urls: Annotated[
        list[str] | None, typer.Argument(help="Home pages to crawl (https:// is assumed).")
    ] = None,
    audit_dir: Annotated[
        Path | None,
        typer.Option(
            "--audit", "-a", help="Crawl every company's website of this audit; keep results in its store."
        ),
    ] = None,
    write_audit: Annotated[
        Path | None,
        typer.Option(help="Write a ready audit file (settings to fill in + companies found)."),
    ] = None,
    render: Annotated[
        bool, typer.Option(help="Render pages in Chromium first (sites built by JavaScript).")
    ] = False,
    max_pages: Annotated[int, typer.Option(help="Pages per site at most.")] = 40,
    max_depth: Annotated[int, typer.Option(help="Clicks from the home page at most.")] = 3,
    time_budget: Annotated[float, typer.Option(help="Seconds per site; what was found is kept.")] = 60.0,
    timeout: Annotated[float, typer.Option(help="Seconds per request.")] = 10.0,
    delay: Annotated[
        float, typer.Option(help="Seconds between requests to one host (a longer robots Crawl-delay wins).")
    ] = 0.5,
    per_host: Annotated[int, typer.Option(help="Requests in flight to one host at most.")] = 2,
    concurrency: Annotated[int, typer.Option(help="Sites crawled at the same time.")] = 8,
    resolve: Annotated[
        list[str] | None,
        typer.Option(
            "--resolve", help="HOST:PORT:ADDRESS: connect there instead of looking HOST up (like curl)."
        ),
    ] = None,
    dns_server: Annotated[
        str | None,
        typer.Option(
            help="ADDRESS[:PORT] of the DNS server to ask (default: $SERVAUDIT_DNS_SERVER or the system's)."
        ),
    ] = None,
    ca_file: Annotated[Path | None, typer.Option(help="PEM file of extra CAs to trust for TLS.")] = None,
    checks: Annotated[
        bool, typer.Option(help="Check the MX records of e-mail domains and TLS certificates.")
    ] = True,
    quiet: QuietFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Find how a customer can reach a company: crawl its website for e-mail addresses, phone numbers
    (free 0800, shared-cost 0180, premium 0900, geographic, mobile, international), contact forms, chat
    widgets, help centres, social profiles and service hours, each with its depth in clicks from the home
    page; then check MX records, TLS, HTTP status and time to first byte of the contact pages.

    Polite: honours robots.txt, waits --delay between requests to a host, never crawls another host
    (links there are only recorded). Exits 1 when a site could not be read at all.

    Example: servaudit discover www.nordwind.example --write-audit new-audit/
    """
    from servaudit.discover import DiscoverOptions, parse_dns_server, parse_resolve
    from servaudit.discover import discover as crawl
    from servaudit.discover.audit import audit_file_target, discover_audit, table_rows, write_audit_file
    from servaudit.errors import UsageError

    if bool(urls) == (audit_dir is not None):
        raise UsageError("give either URLs or --audit/-a (an audit whose companies have a website), not both")
    options = DiscoverOptions(
        max_pages=max_pages, max_depth=max_depth, time_budget=time_budget, timeout=timeout, delay=delay,
        per_host=per_host, concurrency=concurrency, render=render, checks=checks,
        resolve=parse_resolve(resolve or []), dns_server=parse_dns_server(dns_server), ca_file=ca_file,
    )  # fmt: skip
    if write_audit is not None:
        audit_file_target(write_audit)  # refuse before crawling, not after
    if audit_dir is not None:
        audit = _load(audit_dir)
        results = [r for _, r in discover_audit(audit, options, lambda text: _say(quiet, text))]
        folder = audit.folder
    else:
        results = crawl(urls or [], options, None, lambda text: _say(quiet, text))
        folder = None
    if write_audit is not None:
        _say(quiet, f"wrote {write_audit_file(write_audit, results, folder)}")
    if as_json:
        typer.echo(json.dumps([r.as_json() for r in results], indent=2, ensure_ascii=False))
    else:
        typer.echo(tabulate(table_rows(results), headers=["site", "channel", "depth", "found"]))
    if any(r.error for r in results):
        raise typer.Exit(1)


@app.command("classify")
@errors_to_exit_codes
def classify_files(
    files: Annotated[list[Path], typer.Argument(help="Messages to classify (.eml, raw RFC 5322).")],
    audit_dir: Annotated[
        Path | None,
        typer.Option("--audit", "-a", help="Use this audit's vocabulary, persona and scenario facts."),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option(help="Score the answer against this scenario's facts (audit or stock).")
    ] = None,
    persona: Annotated[str | None, typer.Option(help="The persona's name, for the greeting check.")] = None,
    language: Annotated[str | None, typer.Option(help="de or en: the inquiry's language.")] = None,
    seconds: Annotated[
        float | None, typer.Option(help="Seconds between inquiry and reply (timing evidence).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Print the class, the reasons and the quality checks of any message file.

    For a consultant checking one reply, and for a developer trying a new vocabulary
    (probes/vocabulary/replies.toml and quality.toml; an audit's own probes/ win with -a).

    Example: servaudit classify reply.eml --scenario tarifwechsel --persona "Anna Schmidt"
    """
    from servaudit.errors import UsageError
    from servaudit.replies.classify import Vocabulary
    from servaudit.replies.quality import QualityVocabulary, inspect, scenario_context, stock_scenario

    audit = _load(audit_dir) if audit_dir is not None else None
    folder = audit.folder if audit else None
    vocabulary, quality_vocabulary = Vocabulary.load(folder), QualityVocabulary.load(folder)
    if audit is not None:
        default_language, facts = scenario_context(audit, scenario)
        name = persona or audit.config.persona.name
    else:
        stock_language, facts = stock_scenario(scenario) if scenario else (None, ())
        default_language, name = stock_language or "en", persona or ""
    if language not in (None, "de", "en"):
        raise UsageError(f"--language {language!r}: use de or en")
    results = []
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None
        chosen = language or default_language
        found = inspect(raw, vocabulary, quality_vocabulary, name, chosen, facts, seconds)
        results.append({"file": str(path), **found})
    if as_json:
        typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
        return
    for result in results:
        typer.echo(f"{result['file']}: {result['label']}")
        for reason in result["reasons"]:
            typer.echo(f"  because {reason}")
        quality = result["quality"]
        if quality is None:
            typer.echo("  no quality score for this class")
            continue
        typer.echo(f"  quality {quality['score']}/100, answered {quality['answered']}")
        for check in quality["checks"]:
            mark = "+" if check["passed"] else "-"
            typer.echo(f"    {mark}{check['points']:>3}  {check['name']}: {check['rule']}")


@app.command()
@errors_to_exit_codes
def grade(
    inquiry: Annotated[
        str | None, typer.Argument(help="The inquiry's id (or a unique start of it), as in status.")
    ] = None,
    audit_dir: AuditDir = Path("."),
    message: Annotated[
        int | None, typer.Option("--message", "-m", help="Which reply: 1 = first to arrive (see the list).")
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(help="Set the class: human, acknowledgement, auto_reply, deflection, bounce, marketing"),
    ] = None,
    pending: Annotated[
        bool,
        typer.Option("--pending", help="List the replies the classifier could not place (class unknown)."),
    ] = False,
    confirm: Annotated[bool, typer.Option("--confirm", help="Confirm the automatic class as it is.")] = False,
    score: Annotated[int | None, typer.Option(help="Override the quality score (0–100).")] = None,
    comment: Annotated[str | None, typer.Option(help="Why: shown in the report next to the grade.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the manual grade of this reply.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Confirm or override a reply's class and quality score, with a comment; the report shows both values.

    Without --label/--confirm/--score/--clear it lists the inquiry's replies with their automatic and
    manual values. An inquiry with several replies needs --message N. A --score alone confirms the class.

    --pending lists every reply whose class is `unknown` (neither clearly a machine's nor clearly a
    person's): each counts as no answer in every figure until a consultant gives it a --label.

    Example: servaudit grade --pending -a acme-audit/

    Example: servaudit grade nordwind.email.tarifwechsel.w1 -a acme-audit/ --message 2 --label human
    --score 70 --comment "answers the cost question, not the deadline"
    """
    from servaudit.grading import grade as grade_reply
    from servaudit.grading import list_replies
    from servaudit.grading import pending as pending_grades

    audit = _load(audit_dir)
    if pending:
        waiting = pending_grades(audit)
        if as_json:
            typer.echo(json.dumps({"pending": [p.as_dict() for p in waiting]}, indent=2))
        elif waiting:
            lines = [
                (p.inquiry, p.position, p.arrived_at, p.sender, p.subject[:50], p.why[:70]) for p in waiting
            ]
            typer.echo(tabulate(lines, headers=["inquiry", "#", "arrived", "from", "subject", "why unknown"]))
            typer.echo(
                f"{len(waiting)} replies wait for a grade: servaudit grade INQUIRY --message N --label CLASS"
            )
        else:
            typer.echo("no replies wait for a grade")
        return
    if inquiry is None:
        raise UsageError("name an inquiry (see `servaudit status`), or give --pending")
    if label is None and not confirm and score is None and not clear:
        found, rows = list_replies(audit, inquiry)
        if as_json:
            typer.echo(json.dumps({"inquiry": found.id, "replies": [r.as_dict() for r in rows]}, indent=2))
        elif rows:
            table = [
                (
                    r.position,
                    r.arrived_at,
                    r.sender,
                    r.auto_label,
                    r.manual_label or "",
                    r.auto_score,
                    "" if r.manual_score is None else r.manual_score,
                    r.comment or "",
                )
                for r in rows
            ]
            headers = ["#", "arrived", "from", "class", "manual class", "score", "manual score", "comment"]
            typer.echo(f"{found.id}:")
            typer.echo(tabulate(table, headers=headers))
        else:
            typer.echo(f"{found.id}: no replies yet")
        return
    found, graded = grade_reply(audit, inquiry, message, label, score, comment, clear)
    if as_json:
        typer.echo(json.dumps({"inquiry": found.id, "reply": graded.as_dict()}, indent=2))
        return
    manual = (
        "cleared"
        if clear
        else f"class {graded.manual_label}"
        + (f", score {graded.manual_score}" if graded.manual_score is not None else "")
    )
    typer.echo(
        f"{found.id} reply {graded.position}: {manual} (automatic: class {graded.auto_label}, "
        f"score {graded.auto_score if graded.auto_score is not None else '-'})"
    )


@app.command()
@errors_to_exit_codes
def power(
    share: Annotated[
        float, typer.Option("--share", help="The share answered within 24 h you expect at one company (0–1).")
    ] = 0.5,
    difference: Annotated[
        float, typer.Option("--difference", help="The difference to detect, in shares (0.2 = 20 points).")
    ] = 0.2,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level (two-sided).")] = 0.05,
    power_: Annotated[
        float, typer.Option("--power", help="Chance to detect the difference if it is real.")
    ] = 0.8,
    companies: Annotated[
        int, typer.Option("--companies", help="Companies compared pairwise: alpha is split over the pairs.")
    ] = 2,
    as_json: JsonFlag = False,
) -> None:
    """How many inquiries per company a study needs to tell two companies apart.

    Two-proportion z-test on "share answered by a person within 24 h" (the formula is in
    servaudit/measure/compare.py; R's power.prop.test gives the same n). With --companies, alpha
    is divided by the number of pairs (Bonferroni, the first step of the Holm correction the report
    uses), so the answer holds for every pair.

    Example: servaudit power --share 0.6 --difference 0.2 --companies 5
    """
    from servaudit.measure.compare import study_size

    found = study_size(share, difference, alpha, power_, companies)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    typer.echo(
        f"To tell {found['p1']:.0%} from {found['p2']:.0%} answered within 24 h "
        f"(two-sided α = {found['alpha_per_pair']:.4g} per pair of {companies} companies, "
        f"power {power_:.0%}): "
        f"{found['inquiries_per_company']} delivered inquiries per company, "
        f"{found['inquiries_per_company'] * companies} in all."
    )


def main() -> None:
    scrub_terminal()
    app()
