"""Command-line values read without pydantic, the same values typer would give.

Typer (0.29) turns every value that is not a flag into its Python type through a pydantic
TypeAdapter, built when the command runs (even for --help's unset value): importing pydantic and
building the adapters was a fifth of `servaudit classify`'s start-up, which reads no audit file
(issue 16: every command under 0.3 s; commands that read an audit load pydantic for it). The
values servaudit's commands take are plain (text, paths, whole numbers, decimals, lists of
them), so ``LightGroup`` gives each parameter of the command about to run a reader that takes
the plain case itself, with typer's own path checks (exists, readable, …), and hands anything
else (a sign, an exponent, a number out of range, bytes, an unknown type) to typer's pydantic
reader, so an odd value gets exactly typer's answer and message.

This leans on typer's internals (``_TyperParameter._runtime_param``, ``typer._coercion``); a
typer without them is left alone: the same values, only the slower start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer import _click

try:
    from typer._coercion import RuntimeParam, build_runtime_param, resolve_type_descriptor
    from typer._param_types import coerce_cli_path
except ImportError:  # pragma: no cover - another typer: its own coercion throughout
    RuntimeParam = None  # type: ignore[assignment,misc]

_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


class _Pass(Exception):
    """The value is not a plain one: typer's own reader takes it."""


def _plain(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if not isinstance(value, list | tuple):
            raise _Pass
        return [_plain(item, info, v, param, ctx) for v in value]
    if info.parser is not None:
        raise _Pass
    if annotation is str and type(value) is str:
        return value
    if annotation is Path and info.path_type is None and not info.allow_dash and not info.resolve_path:
        if isinstance(value, Path):
            return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)
        if type(value) is str and value:
            return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
        raise _Pass
    if annotation is int and type(value) in (int, str) and not info.clamp:
        if type(value) is str and not (value.isascii() and _WHOLE.fullmatch(value)):
            raise _Pass
        number = int(value)
        if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
            raise _Pass
        return number
    if annotation is float and info.min is None and info.max is None:
        if type(value) is float:
            return value
        if type(value) is str and value.isascii() and _DECIMAL.fullmatch(value):
            return float(value)
    raise _Pass


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class _PlainParam(RuntimeParam):
        """Plain values read here; the rest by the reader typer would have built."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return _plain(self.annotation, self.parameter_info, value, param, ctx)
            except _Pass:
                descriptor = resolve_type_descriptor(self.annotation, self.parameter_info)
                return build_runtime_param(descriptor)._coerce_value(value, param=param, ctx=ctx)


def lighten(params: Any) -> None:
    """Give parameters the pydantic-free reader (those typer has not read yet)."""
    if RuntimeParam is None:
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or descriptor.file_annotation is not None:
            continue
        if getattr(param, "_runtime_param", False) is None:
            param._runtime_param = _PlainParam(descriptor.parameter_info, descriptor.annotation)


class LightGroup(TyperGroup):
    """The servaudit command group: each command it runs reads its values without pydantic."""

    def get_params(self, ctx: _click.Context) -> Any:
        params = super().get_params(ctx)  # its own and --help, read before any command is known
        lighten(params)
        return params

    def resolve_command(self, ctx: _click.Context, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            lighten(command.get_params(ctx))  # its --help is made (once) by get_params
        return name, command, rest
