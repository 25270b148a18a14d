"""The command line: argument handling only; every command calls a library function.

Exit codes (the same for every command):
  0  ok
  1  a check or gate failed
  2  usage or configuration error
  3  servaudit's own infrastructure unavailable (its mailbox, SMTP relay, browser)
  4  an internal error (a bug: please report it with the output of --debug)
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from tabulate import tabulate

from servaudit.errors import ServauditError

EXIT_INTERNAL = 4

app = typer.Typer(
    name="servaudit",
    help=(
        "A mystery shopper for customer service: send test inquiries as a persona, "
        "time and classify the replies, report per company.\n\n"
        "Typical audit: servaudit init audit/ → edit audit/audit.toml → servaudit check → "
        "servaudit run → servaudit collect (repeatedly, e.g. hourly from cron) → servaudit report.\n\n"
        "Try it without touching any real company: servaudit demo\n\n"
        "Exit codes: 0 ok, 1 a check failed, 2 usage or configuration error, "
        "3 servaudit's own mailbox/SMTP relay/browser unavailable, 4 internal error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_debug = False

AuditDir = Annotated[
    Path,
    typer.Option("--audit", "-a", help="The audit folder (holding audit.toml) or the audit file itself."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the result, no progress.")]

F = TypeVar("F", bound=Callable[..., Any])


def errors_to_exit_codes(command: F) -> F:
    """A user-caused problem becomes one clear sentence and its exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ServauditError as exc:
            if _debug:
                raise
            typer.echo(f"servaudit: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("servaudit: interrupted; everything recorded so far is kept", err=True)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if _debug:
                raise
            typer.echo(
                f"servaudit: internal error: {exc!r}. Recorded data is kept. "
                "Run again with --debug for the traceback, and please report it.",
                err=True,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

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


@app.command()
@errors_to_exit_codes
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new audit (created if missing).")] = Path(
        "."
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing audit.toml.")] = False,
) -> None:
    """Write a commented audit.toml to start an audit from.

    Example: servaudit init acme-audit/ && $EDITOR acme-audit/audit.toml
    """
    from servaudit.scaffold import init as scaffold

    path = scaffold(folder, force)
    typer.echo(f"wrote {path}; edit it, then run: servaudit check -a {folder}")


@app.command()
@errors_to_exit_codes
def check(audit_dir: AuditDir = Path("."), as_json: JsonFlag = False) -> None:
    """Validate the audit file and connect to its SMTP relay and mailbox. Contacts no company.

    Exits 2 when the audit file is invalid, 3 when the relay or mailbox cannot be used.

    Example: SERVAUDIT_SMTP_PASSWORD=… servaudit check -a acme-audit/
    """
    from servaudit.check import OK, run_checks

    results = run_checks(_load(audit_dir))
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in results], indent=2))
    else:
        typer.echo(
            tabulate([(r.name, r.status, r.detail) for r in results], headers=["check", "result", "detail"])
        )
    failed = [r for r in results if r.status != OK]
    if any(r.infrastructure for r in failed):
        raise typer.Exit(3)
    if failed:
        raise typer.Exit(2)


@app.command()
@errors_to_exit_codes
def run(
    audit_dir: AuditDir = Path("."),
    wave: Annotated[int, typer.Option(min=1, help="Wave number: the same inquiries again as a new set.")] = 1,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    quiet: QuietFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Send every planned inquiry that has not been sent yet. Safe to repeat: nothing is sent twice.

    An inquiry is recorded as "being sent" before it leaves; if servaudit dies mid-send, the
    inquiry is marked uncertain and never re-sent automatically.

    Example: servaudit run -a acme-audit/
    """
    from servaudit.engine import run as run_audit

    def progress(inquiry: Any, state: str, detail: str) -> None:
        _say(quiet, f"{inquiry.id}: {state} ({detail})")

    summary = run_audit(_load(audit_dir), wave, channel, progress)
    for inquiry_id in summary.interrupted:
        _say(quiet, f"{inquiry_id}: an earlier run stopped while sending it; marked uncertain, not re-sent")
    result = {
        "planned": summary.planned,
        "already_done": summary.already_done,
        "outcomes": dict(summary.outcomes),
        "uncertain_from_earlier_runs": summary.interrupted,
    }
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        done = ", ".join(f"{n} {state}" for state, n in sorted(summary.outcomes.items())) or "nothing sent"
        typer.echo(f"{summary.planned} planned, {summary.already_done} done before; this run: {done}")


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

    Incremental: mail read before is never downloaded again; the mailbox is never changed.

    Example: servaudit collect -a acme-audit/      (from cron: every hour)
    """
    from servaudit.collect import collect as collect_replies

    audit = _load(audit_dir)
    while True:
        summary = collect_replies(audit, lambda n: _say(quiet, f"\rread {n} new messages"))
        result = summary.__dict__
        if as_json:
            typer.echo(json.dumps(result))
        else:
            labels = ", ".join(f"{n} {label}" for label, n in sorted(summary.labels.items())) or "none"
            typer.echo(
                f"{summary.downloaded} new messages; in total {summary.matched} matched, "
                f"{summary.unmatched} unmatched; classes: {labels}"
            )
        if watch is None:
            return
        time.sleep(watch)


@app.command()
@errors_to_exit_codes
def status(audit_dir: AuditDir = Path("."), as_json: JsonFlag = False) -> None:
    """Show every inquiry: sent or not, replies so far, time to first response and first human answer.

    Example: servaudit status -a acme-audit/
    """
    from servaudit.status import status_rows

    rows = status_rows(_load(audit_dir))
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif rows:
        typer.echo(tabulate(rows, headers="keys"))
    else:
        typer.echo("no inquiries planned")


@app.command()
@errors_to_exit_codes
def report(
    audit_dir: AuditDir = Path("."),
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report.")] = Path("report"),
) -> None:
    """Write the HTML report (index.html + one page per company), report.json and the evidence.

    Pages are self-contained (no external resources): open, mail or print them as they are.

    Example: servaudit report -a acme-audit/ --out acme-report/
    """
    from servaudit.report import write_report

    index = write_report(_load(audit_dir), out)
    typer.echo(f"report written: {index}")


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
) -> None:
    """Run simulated companies on 127.0.0.1 until Ctrl-C: an SMTP server and scripted reply behaviours.

    Every company lives under the reserved .example domain; the sandbox never relays mail anywhere.

    Example: servaudit sandbox --write-audit demo-audit/   (then, in another terminal:
    servaudit run -a demo-audit/ && servaudit collect -a demo-audit/)
    """
    from servaudit.demo import demo_audit_toml
    from servaudit.sandbox import Sandbox, serve_forever

    box = Sandbox(mailbox, ground_truth, port=port, delay_scale=delay_scale)
    box.start()
    typer.echo(f"sandbox SMTP on {box.smtp_host}:{box.smtp_port}; replies go to {mailbox}")
    rows = [(c.slug, c.address, c.behaviour, c.language, c.delay_seconds) for c in box.companies]
    typer.echo(tabulate(rows, headers=["company", "address", "behaviour", "lang", "delay s"]))
    if write_audit is not None:
        write_audit.mkdir(parents=True, exist_ok=True)
        target = write_audit / "audit.toml"
        target.write_text(
            demo_audit_toml(box.companies, box.smtp_port, str(mailbox.resolve())), encoding="utf-8"
        )
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
        float, typer.Option(help="Multiply the companies' reply delays (tests use 0.1).", hidden=True)
    ] = 1.0,
) -> None:
    """Run a complete audit against the local sandbox in one go: send, wait, collect, report.

    Leaves the demo's audit folder (audit file, store, evidence, mailbox) and its HTML report under --out.
    Nothing leaves this machine.

    Example: servaudit demo --out /tmp/demo && xdg-open /tmp/demo/report/index.html
    """
    from servaudit.demo import run_demo

    result = run_demo(out, wait, delay_scale, on_step=lambda text: typer.echo(text, err=True))
    if not result.all_replies_arrived:
        typer.echo("warning: not every scripted reply arrived in time", err=True)
    typer.echo(f"audit folder: {result.audit_folder}")
    typer.echo(f"report: {result.report}")
    typer.echo(f"try: servaudit status -a {result.audit_folder}")


def main() -> None:
    app()
