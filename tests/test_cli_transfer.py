"""``ledger export`` and ``ledger import``: full exports, one-line errors, quiet when piped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from conftest import make_ledger
from ledger.cli.main import app
from ledger.container import Ledger
from ledger.domain.new_event import parse_new_event

runner = CliRunner()


def seed(ledger: Ledger) -> None:
    for restricted in (False, True):
        event = parse_new_event(
            {
                "type": "PersonDetained",
                "occurredOn": "2019-12-27",
                "data": {"kind": "PRE_TRIAL_DETENTION"},
                "sources": [{"title": "Report"}],
                "restricted": restricted,
            }
        )
        ledger.service.append("person-a", [event], recorded_by="alice")


def invoke(url: str, *args: str) -> Any:
    return runner.invoke(app, list(args), env={"LEDGER_DATABASE_URL": url})


def one_error_line(result: Any) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return str(lines[0])


def test_export_writes_every_event_in_full_and_import_rebuilds_it(
    ledger: Ledger, database_url: str, fresh_database_url: Any, backend: str, tmp_path: Path
) -> None:
    seed(ledger)
    to_stdout = invoke(database_url, "export")
    assert to_stdout.exit_code == 0, to_stdout.output
    events = [json.loads(line) for line in to_stdout.stdout.splitlines()]
    assert [e["position"] for e in events] == [1, 2]
    assert events[1]["restricted"] and events[1]["data"] == {"kind": "PRE_TRIAL_DETENTION"}

    file = tmp_path / "backup.ndjson"
    exported = invoke(database_url, "export", str(file))
    assert exported.exit_code == 0 and "exported 2 events" in exported.output
    assert "━" not in exported.output  # no progress bar when output is not a terminal
    target_url = fresh_database_url(backend)
    make_ledger(target_url).close()
    imported = invoke(target_url, "import", str(file))
    assert imported.exit_code == 0, imported.output
    assert f"imported 2 events; head 2 {ledger.store.head().hash}" in imported.output
    assert invoke(target_url, "verify").exit_code == 0
    again = one_error_line(invoke(target_url, "import", str(file)))
    assert "empty store" in again


def test_import_errors_are_one_line_with_the_path_and_line(
    ledger: Ledger, database_url: str, tmp_path: Path
) -> None:
    missing = one_error_line(invoke(database_url, "import", str(tmp_path / "nope.ndjson")))
    assert "nope.ndjson: no such file" in missing
    seed(ledger)
    lines = invoke(database_url, "export").stdout.splitlines()
    broken = tmp_path / "broken.ndjson"
    broken.write_text(lines[1] + "\n", encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    url = f"sqlite:///{fresh}"
    make_ledger(url).close()
    message = one_error_line(invoke(url, "import", str(broken)))
    assert f"{broken}:1: position: expected position 1, got 2" in message
    binary = tmp_path / "binary.ndjson"
    binary.write_bytes(b"\xff\xfe\n")
    assert "UTF-8 text" in one_error_line(invoke(url, "import", str(binary)))


def test_a_bad_database_url_is_a_one_line_error(tmp_path: Path) -> None:
    file = tmp_path / "x.ndjson"
    file.write_text("", encoding="utf-8")
    assert "which the ledger does not run on" in one_error_line(invoke("nonsense://", "export"))
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2"
    refused = invoke(unreachable, "import", str(file))
    assert refused.exit_code == 1 and refused.output.startswith("error: cannot connect")
