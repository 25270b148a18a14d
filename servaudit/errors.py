"""Errors a user can cause or meet, each with the exit code the CLI returns.

Exit codes are the same for every command:
  0  ok
  1  a check or gate failed (the audit ran, the result is bad)
  2  usage or configuration error (fix the command or the audit file)
  3  servaudit's own infrastructure is unavailable (its mailbox, SMTP relay, browser, a full disk)
  4  an internal error (a bug), and only that
130  interrupted (Ctrl-C); what was recorded is kept
141  the output was closed early (broken pipe, e.g. `servaudit classify … | head`)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INFRASTRUCTURE = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


class ServauditError(Exception):
    """Base class: the message is one clear sentence meant for the user."""

    exit_code = EXIT_USAGE


class ConfigError(ServauditError):
    """The audit file (or another input file) is missing or invalid."""

    exit_code = EXIT_USAGE


class UsageError(ServauditError):
    """The command was called in a way that cannot work."""

    exit_code = EXIT_USAGE


class InfrastructureError(ServauditError):
    """servaudit's own mailbox, SMTP relay or browser cannot be used."""

    exit_code = EXIT_INFRASTRUCTURE


class CheckFailed(ServauditError):
    """A check or gate ran and found a problem."""

    exit_code = EXIT_FAILED


class StoreError(ConfigError):
    """The store is damaged, belongs to another program or to a newer servaudit, or cannot be opened."""


class OutputError(UsageError):
    """An output path cannot be written (a file where a folder is needed, no permission, a symlink)."""


class DiskFull(InfrastructureError):
    """The disk (or quota) holding the store or an output is full."""


class ReleaseRefused(UsageError):
    """`servaudit release` was asked about an inquiry that is not uncertain."""
