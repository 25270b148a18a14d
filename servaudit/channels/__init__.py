"""The one registry of channels: what each channel is (its ChannelSpec), and its probe on first use.

Each channel is a package beside this file that declares ``SPEC`` in its ``__init__.py`` (pure data:
no probe code, no Playwright). Config, check, measure, discovery and the engine read channel names
and what an outcome word means from here; none of them names a channel. Adding a channel is a new
package plus one line in PACKAGES (see the README, "Add a channel").

The probes are imported on first use (``probe(name)`` or ``CHANNELS``), so that reading records,
checking config or drawing a report never loads the browser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from servaudit.channels.spec import ChannelSpec, OutcomeMeaning

if TYPE_CHECKING:
    from servaudit.channels.base import Channel

PACKAGES = (
    "servaudit.channels.email",
    "servaudit.channels.form",
    "servaudit.channels.chat",
)
"""Every channel servaudit knows: one line per channel package, each declaring ``SPEC``."""

REGISTERED: list[ChannelSpec] = [importlib.import_module(package).SPEC for package in PACKAGES]

SPECS: tuple[ChannelSpec, ...] = ()
"""The registered channels in report order (rebuilt by ``register``)."""
_BY_NAME: dict[str, ChannelSpec] = {}
_PROBES: dict[str, Channel] = {}


def _index() -> None:
    global SPECS
    SPECS = tuple(sorted(REGISTERED, key=lambda spec: spec.order))
    _BY_NAME.clear()
    _BY_NAME.update((spec.name, spec) for spec in SPECS)


def register(spec: ChannelSpec) -> None:
    """Add a channel that lives outside this package (a plug-in, a test's fake channel).

    Call it before servaudit.config is imported: the audit file's Company model is built from
    the channels registered at that moment."""
    if spec.name in _BY_NAME:
        raise ValueError(f"a channel named {spec.name!r} is already registered")
    REGISTERED.append(spec)
    _index()


_index()


def names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def spec(name: str) -> ChannelSpec:
    """The channel called ``name``; KeyError for a name no channel has."""
    return _BY_NAME[name]


def meaning(channel: str, word: str | None) -> OutcomeMeaning | None:
    """What ``word`` means for ``channel``; None for no word, an unknown channel or an unknown word."""
    found = _BY_NAME.get(channel)
    return found.meaning(word) if found else None


def probe(name: str) -> Channel:
    """The channel's probe, imported and made on first use (browser channels load Playwright)."""
    if name not in _PROBES:
        module, _, attribute = spec(name).probe.partition(":")
        _PROBES[name] = getattr(importlib.import_module(module), attribute)()
    return _PROBES[name]


def __getattr__(name: str) -> Any:
    # CHANNELS (name → probe) stays a lazy attribute for callers that want every probe at once. It is
    # the probe cache itself, so a test that swaps a probe in it swaps what `probe(name)` hands out.
    if name != "CHANNELS":
        raise AttributeError(f"module 'servaudit.channels' has no attribute {name!r}")
    for spec in SPECS:
        probe(spec.name)
    return _PROBES
