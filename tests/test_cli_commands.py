"""The command line's surface: --help on every command, --version, openapi, the entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger import __version__
from ledger.cli.main import app
from ledger.cli.openapi import render, served_schema

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["migrate", "load", "serve", "verify", "export", "import", "openapi", "token"]
runner = CliRunner()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_openapi_writes_the_served_schema_and_checks_it(tmp_path: Path) -> None:
    target = tmp_path / "api" / "openapi.json"
    written = runner.invoke(app, ["openapi", "--output", str(target)])
    assert written.exit_code == 0, written.output
    assert json.loads(target.read_text(encoding="utf-8")) == served_schema()
    assert runner.invoke(app, ["openapi", "--output", str(target), "--check"]).exit_code == 0
    target.write_text("{}", encoding="utf-8")
    stale = runner.invoke(app, ["openapi", "--output", str(target), "--check"])
    assert stale.exit_code == 1 and "out of date" in stale.output


def test_the_committed_openapi_file_is_up_to_date() -> None:
    committed = (ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == render(served_schema()), "run `ledger openapi` and commit the file"


def test_the_installed_entry_point_answers_help_and_version() -> None:
    executable = Path(sys.executable).parent / "ledger"
    version = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert version.returncode == 0 and version.stdout.strip() == f"ledger {__version__}"
    helped = subprocess.run(
        [str(executable), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert helped.returncode == 0
    for command in COMMANDS:
        assert command in helped.stdout
