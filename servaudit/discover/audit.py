"""Discovery and audits: crawl an audit's companies into its store, write an audit file from what was
found (--write-audit), and the terminal table."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from servaudit.config import Audit, Company
from servaudit.discover.mailcheck import UNREACHABLE
from servaudit.discover.model import LegalFound, SiteResult
from servaudit.discover.options import DiscoverOptions
from servaudit.discover.run import Progress, discover
from servaudit.errors import UsageError
from servaudit.resources import search_path
from servaudit.scaffold import template

COMPANIES_HEADER = "# Who is audited."


def discover_audit(
    audit: Audit, options: DiscoverOptions, progress: Progress | None = None
) -> list[tuple[str, SiteResult]]:
    """Crawl every company's ``website`` and keep each result in the audit's store."""
    from servaudit.audit_store import open_store

    companies = {slug: c.website for slug, c in audit.config.companies.items() if c.website}
    if not companies:
        raise UsageError(f'{audit.path}: no company has a website = "…" to discover')
    if options.render and options.evidence is None:
        options = dataclasses.replace(options, evidence=audit.folder)  # the hints' screenshots
    results = discover(list(companies.values()), options, audit.folder, progress)
    store = open_store(audit)
    try:
        for (slug, url), result in zip(companies.items(), results, strict=True):
            result.slug = slug
            store.save_discovery(slug, url, result.as_json())
    finally:
        store.close()
    return list(zip(companies, results, strict=True))


# -- the terminal table ------------------------------------------------------------------------------


def _clicks(depth: int) -> str:
    return "home page" if depth == 0 else f"{depth} click{'s' if depth > 1 else ''}"


def table_rows(results: Sequence[SiteResult]) -> list[tuple[str, str, str, str]]:
    """(site, channel, depth, what) — one row per item, the site's problems first."""
    rows: list[tuple[str, str, str, str]] = []
    for r in results:
        site = r.slug or r.url
        if r.error:
            rows.append((site, "error", "", r.error))
        if r.tls is not None:
            rows.append((site, "tls", "", f"{'valid' if r.tls.valid else 'INVALID'}: {r.tls.detail}"))
        for e in r.emails:
            check = r.mail_domains.get(e.domain)
            rows.append(
                (site, "email", _clicks(e.depth), e.address + (f" ({check.detail})" if check else ""))
            )
        rows += [(site, "phone", _clicks(p.depth), f"{p.number} ({p.type})") for p in r.phones]
        rows += [(site, "form", _clicks(f.depth), f"{f.url} ({len(f.fields)} fields)") for f in r.forms]
        rows += [(site, "chat", _clicks(c.depth), f"{c.vendor_name} on {c.url}") for c in r.chats]
        rows += [(site, "help", _clicks(h.depth), f"{h.kind}: {h.url}") for h in r.help]
        rows += [(site, "social", _clicks(s.depth), f"{s.network}: {s.url}") for s in r.social]
        rows += [(site, "hours", _clicks(h.depth), h.text) for h in r.hours]
        # A page's words on a terminal: one line, no control characters (no escape sequences).
        rows += [(site, "legal", _clicks(h.depth), _comment(text)) for h in r.legal if (text := legal_row(h))]
        for page in r.pages:
            if page.contact and (page.error or (page.status or 0) >= 400) and page.error != r.error:
                rows.append((site, "page", _clicks(page.depth), f"{page.url}: {page.error}"))
        crawled = sum(1 for p in r.pages if p.status is not None)
        rows.append((site, "crawl", "", f"{r.stopped}: {crawled} pages in {r.seconds:.1f} s"))
    return rows


def legal_row(hint: LegalFound) -> str | None:
    """What the table says of a hint about the site's duties (servaudit/measure/legal.py words the
    indications in the report); None for hints that only feed it (links, contract signs)."""
    if hint.kind == "imprint":
        return f"legal notice {hint.page}: " + (
            f"names {hint.detail}" if hint.detail else "no e-mail address found"
        )
    if hint.kind == "costly_hotline":
        context, _, tariff = hint.detail.partition(" ")
        return f"{tariff} number {hint.target} ({context}): {hint.snippet}"
    if hint.kind == "odr_link":
        return f"link to the closed EU ODR platform on {hint.page}"
    if hint.kind == "cancel_button":
        return f"cancellation button {hint.snippet!r} on {hint.page}"
    return None


# -- --write-audit -------------------------------------------------------------------------------------


def _toml(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes); page text can hold anything.
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    """Page text made safe for a TOML comment: one line, no control characters."""
    return "".join(ch for ch in " ".join(text.split()) if ch >= " " and ch != "\x7f")[:300]


def choose_email(result: SiteResult, avoid: Sequence[str], prefer: Sequence[str]) -> str | None:
    """The address to send inquiries to: reachable, not a privacy/jobs/no-reply box, service-like, shallow."""

    def local(address: str) -> str:
        return address.split("@")[0]

    def usable(address: str) -> bool:
        check = result.mail_domains.get(address.rpartition("@")[2])
        if check is not None and check.status not in ("mx", "a-fallback", "unknown"):
            return False
        # At the start of a word of the local part: "datenschutz-team", "no-reply"; not "irina".
        return not any(re.search(rf"(?<![a-z]){re.escape(word)}", local(address)) for word in avoid)

    def rank(item: Any) -> tuple[int, int]:
        words = [i for i, word in enumerate(prefer) if word in local(item.address)]
        return (min(words) if words else len(prefer), item.depth)

    candidates = sorted((e for e in result.emails if usable(e.address)), key=rank)
    return candidates[0].address if candidates else None


def _recipe_exists(vendor: str, audit_folder: Path | None) -> bool:
    return any((base / "chat" / f"{vendor}.toml").is_file() for base in search_path("probes", audit_folder))


def company_block(slug: str, result: SiteResult, audit_folder: Path | None = None) -> list[str]:
    from servaudit.discover.fingerprints import load_fingerprints

    prints = load_fingerprints(audit_folder)
    fields = Company.model_fields
    lines = [f"[companies.{slug}]", f"name = {_toml(result.name or slug)}"]
    lines.append(f"website = {_toml(result.final_url or result.url)}")
    if result.error:
        lines.append(f"# discover could not read the site: {_comment(result.error)}")
    if result.tls is not None and not result.tls.valid:
        lines.append(f"# TLS: {_comment(result.tls.detail)}")
    email = choose_email(result, prints.email_avoid, prints.email_prefer)
    for e in result.emails:
        check = result.mail_domains.get(e.domain)
        where = f"{_clicks(e.depth)}, {e.source}" + (f"; {check.detail}" if check else "")
        if e.address == email:
            lines.append(f"email = {_toml(e.address)}  # {_comment(where)}")
        else:
            why = " (unreachable by e-mail)" if check and check.status == UNREACHABLE else ""
            lines.append(f"# email = {_toml(e.address)}  # also found{why}: {_comment(where)}")
    for i, form in enumerate(result.forms):
        active = "" if i == 0 and "form" in fields else "# "
        note = f"{len(form.fields)} fields, {_clicks(form.depth)}"
        lines.append(f"{active}form = {_toml(form.url)}  # {_comment(note)}")
    for i, chat in enumerate(result.chats):
        active = "" if i == 0 and "chat" in fields else "# "
        recipe = f", recipe = {_toml(chat.vendor)}" if _recipe_exists(chat.vendor, audit_folder) else ""
        note = f"{chat.vendor_name}, {_clicks(chat.depth)}"
        lines.append(f"{active}chat = {{ url = {_toml(chat.url)}{recipe} }}  # {_comment(note)}")
    for p in result.phones:
        lines.append(f"# phone: {_comment(p.number)} ({p.type}, {_clicks(p.depth)})")
    for h in result.hours:
        lines.append(f"# service hours: {_comment(h.text)} ({_clicks(h.depth)})")
    for s in result.social:
        lines.append(f"# social: {s.network} {_comment(s.url)} ({_clicks(s.depth)})")
    for found in result.help:
        lines.append(f"# help: {found.kind} {_comment(found.url)} ({_clicks(found.depth)})")
    for hint in result.legal:
        text = legal_row(hint)
        if text:
            lines.append(f"# legal: {_comment(text)} ({_clicks(hint.depth)})")
    return lines


def _settings_part() -> str:
    """The scaffold's commented settings (audit, persona, relay, mailbox, scenarios), without companies."""
    text = template("en").read_text(encoding="utf-8")
    cut = text.find(COMPANIES_HEADER)
    if cut < 0:
        cut = text.find("[companies.")
    return text[:cut].rstrip() + "\n" if cut >= 0 else text


def audit_file_target(path: Path) -> Path:
    """Where --write-audit writes: the file itself (*.toml) or audit.toml in a folder; never over a file."""
    target = path if path.suffix == ".toml" else path / "audit.toml"
    if target.exists():
        raise UsageError(
            f"{target} exists already; servaudit never overwrites an audit file, choose a new name"
        )
    return target


def write_audit_file(path: Path, results: Sequence[SiteResult], audit_folder: Path | None = None) -> Path:
    """A complete audit file: the scaffold's settings to fill in, and one company per site found."""
    path = audit_file_target(path)
    lines = [
        _settings_part(),
        "# Who is audited: written by `servaudit discover` from what each website shows.",
        "# Lines starting with # are further findings: uncomment what you want to test.",
    ]
    taken: set[str] = set()
    for result in results:
        slug = re.sub(r"[^a-z0-9_-]+", "-", result.slug.lower()).strip("-_") or "site"
        slug = slug if re.match(r"^[a-z0-9]", slug) else f"site-{slug}"
        unique, n = slug, 2
        while unique in taken:
            unique, n = f"{slug}-{n}", n + 1
        taken.add(unique)
        lines += ["", *company_block(unique, result, audit_folder)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
