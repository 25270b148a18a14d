"""servaudit/cli_values.py: the values its pydantic-free reader gives are typer's own.

Two copies of one small command line, one as typer builds it and one with LightGroup, are
given the same arguments; what the command receives, the exit code and any message must match,
for plain values (read without pydantic) and odd ones (handed on to typer's pydantic reader).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from servaudit.cli_values import LightGroup


def make_app(cls: type[typer.core.TyperGroup] | None) -> typer.Typer:
    app = typer.Typer(add_completion=False, cls=cls)

    @app.callback()
    def main() -> None:
        pass

    @app.command()
    def values(
        files: Annotated[list[Path] | None, typer.Argument()] = None,
        name: Annotated[str | None, typer.Option()] = None,
        folder: Annotated[Path, typer.Option()] = Path("."),
        existing: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
        count: Annotated[int, typer.Option(min=1)] = 1,
        number: Annotated[int | None, typer.Option()] = None,
        seconds: Annotated[float | None, typer.Option()] = None,
        tag: Annotated[list[str] | None, typer.Option()] = None,
        flag: Annotated[bool, typer.Option("--flag")] = False,
    ) -> None:
        shown = {
            "files": [repr(f) for f in files] if files is not None else None,
            "name": name,
            "folder": repr(folder),
            "existing": repr(existing),
            "count": [type(count).__name__, count],
            "number": [type(number).__name__, number],
            "seconds": [type(seconds).__name__, seconds],
            "tag": tag,
            "flag": flag,
        }
        typer.echo(json.dumps(shown))

    return app


CASES = [
    [],
    ["a.eml", "b.eml", "--name", "Anna", "--folder", "audit", "--count", "3", "--seconds", "90.5"],
    ["--tag", "x", "--tag", "y", "--flag", "--number", "42", "--seconds", "7"],
    # Odd values: typer's pydantic reader decides, with its own messages.
    ["--count", "0"],
    ["--count", "-2"],
    ["--number", "-5"],
    ["--number", "1e3"],
    ["--number", "abc"],
    ["--number", " 7"],
    ["--number", "٣"],
    ["--seconds", "1e-3"],
    ["--seconds", "nan"],
    ["--seconds", "-1.5"],
    ["--seconds", "x"],
    ["--folder", ""],
    ["--name", ""],
    ["--existing", "missing-file.txt"],
]


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c) or "defaults" for c in CASES])
def test_same_values_and_messages_as_typer(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    plain = runner.invoke(make_app(None), ["values", *argv])
    light = runner.invoke(make_app(LightGroup), ["values", *argv])
    assert (light.exit_code, light.output) == (plain.exit_code, plain.output)
    assert light.exception is None or isinstance(light.exception, SystemExit)


def test_existing_file_checks_run_for_plain_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A plain path still gets typer's checks (exists, a file not a folder).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    runner = CliRunner()
    for value in ("here.txt", "folder"):
        plain = runner.invoke(make_app(None), ["values", "--existing", value])
        light = runner.invoke(make_app(LightGroup), ["values", "--existing", value])
        assert (light.exit_code, light.output) == (plain.exit_code, plain.output)
    assert "is a directory" in runner.invoke(make_app(LightGroup), ["values", "--existing", "folder"]).output


def blocked_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, importing pydantic (or typer's pydantic reader) fails."""
    for name in [m for m in sys.modules if m == "pydantic" or m.startswith(("pydantic.", "pydantic_"))]:
        monkeypatch.delitem(sys.modules, name)
    for name in ("pydantic", "typer._adapters"):
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]


def test_plain_values_need_no_pydantic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocked_pydantic(monkeypatch)
    result = CliRunner().invoke(make_app(LightGroup), ["values", *CASES[1]])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["count"] == ["int", 3]
    # Without LightGroup the same values need pydantic: the block above is real.
    assert isinstance(CliRunner().invoke(make_app(None), ["values", *CASES[1]]).exception, ImportError)
