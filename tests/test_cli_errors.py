"""One error path for the command line: every command says what is wrong and what to run,
exits 1, and shows a traceback only when asked (`ledger --debug`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import make_ledger
from ledger.cli import main as cli_main
from ledger.cli.main import app
from ledger.store.engine import UnsupportedDatabase, make_engine
from ledger.store.migrate import MIGRATIONS, newest_migration, upgrade

runner = CliRunner()
MIGRATE_FIRST = "run 'ledger migrate' first"
#: Every command that reads or writes an existing ledger, with what it needs besides.
DATABASE_COMMANDS = [
    ["verify"],
    ["rebuild"],
    ["export"],
    ["token", "list"],
    ["token", "create", "--name", "ann", "--role", "reader"],
    ["token", "revoke", "ann"],
    ["load", "events"],
    ["serve"],
]


def ledger(url: str, *args: str) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(app, list(args), env={"LEDGER_DATABASE_URL": url})
    return result.exit_code, result.output, result.exception


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` must refuse before listening: reaching uvicorn here is a failure."""
    import uvicorn

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("serve started")

    monkeypatch.setattr(uvicorn, "run", refuse)


@pytest.fixture
def unmigrated_url(database_url: str) -> str:
    """An existing database (SQLite: an empty file; PostgreSQL: an empty schema)."""
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).touch()
    return database_url


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
def test_every_command_on_an_unmigrated_database_says_to_migrate_first(
    command: list[str], unmigrated_url: str
) -> None:
    code, output, _ = ledger(unmigrated_url, *command)
    assert code == 1, output
    assert MIGRATE_FIRST in output
    assert "Traceback" not in output


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
def test_no_command_but_migrate_creates_a_database_file(command: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    code, output, _ = ledger(f"sqlite:///{missing}", *command)
    assert code == 1
    assert f"no database file at {missing}" in output and MIGRATE_FIRST in output
    assert not missing.exists()
    assert ledger(f"sqlite:///{missing}", "migrate")[0] == 0
    assert missing.exists()


def test_serve_refuses_a_database_at_an_older_schema(
    fresh_database_url: Callable[[str], str],
) -> None:
    url = fresh_database_url("sqlite")
    engine = make_engine(url)
    upgrade(engine, "0002_tokens")
    engine.dispose()
    code, output, _ = ledger(url, "serve")
    assert code == 1
    assert "schema is at revision 0002_tokens, older than" in output and MIGRATE_FIRST in output


def test_serve_refuses_a_database_migrated_by_a_newer_ledger(database_url: str) -> None:
    built = make_ledger(database_url)
    with built.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    built.close()
    code, output, _ = ledger(database_url, "serve")
    assert code == 1
    assert "0099_future, which this ledger does not know" in output
    assert "upgrade the ledger" in output


def test_the_newest_migration_file_is_named_after_the_one_head_alembic_knows() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    assert script.get_heads() == [newest_migration()]
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        assert script.get_revision(path.stem) is not None, path


def test_a_current_database_is_checked_without_importing_alembic(
    fresh_database_url: Callable[[str], str],
) -> None:
    url = fresh_database_url("sqlite")
    make_ledger(url).close()
    checked = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ledger.store.engine import make_engine;"
            " from ledger.store.migrate import check_schema;"
            f" check_schema(make_engine({url!r})); print('alembic' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert checked.stdout.strip() == "False"


def test_an_unsupported_database_url_names_the_ones_that_work(tmp_path: Path) -> None:
    code, output, _ = ledger("mysql://me:secret@db/ledger", "token", "list")
    assert code == 1
    assert "names mysql, which the ledger does not run on" in output
    assert "postgresql+psycopg://" in output and "sqlite:///" in output
    assert "secret" not in output
    code, output, _ = ledger("not a url", "verify")
    assert code == 1 and "is not a database URL" in output


def test_a_bare_postgresql_url_means_the_installed_psycopg_driver() -> None:
    engine = make_engine("postgresql://me@127.0.0.1/ledger")
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()
    with pytest.raises(UnsupportedDatabase):
        make_engine("oracle://me@db/ledger")


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_serve_names_a_bad_port(port: str, tmp_path: Path) -> None:
    code, output, _ = ledger(f"sqlite:///{tmp_path / 'x.db'}", "serve", "--port", port)
    assert code == 1
    assert "Invalid value for '--port'" in output


def test_import_names_a_file_that_is_not_an_export(database_url: str, tmp_path: Path) -> None:
    make_ledger(database_url).close()
    assert "no such file" in ledger(database_url, "import", str(tmp_path / "gone.ndjson"))[1]
    assert "is not a regular file" in ledger(database_url, "import", "/dev/null")[1]
    assert "is a directory" in ledger(database_url, "import", str(tmp_path))[1]


def test_an_unexpected_error_is_one_line_unless_debug_asks_for_the_traceback(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    make_ledger(database_url).close()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_main, "verify_chain", broken)
    code, output, _ = ledger(database_url, "verify")
    assert code == 1
    assert "unexpected RuntimeError: boom" in output and "--debug" in output
    code, _, raised = ledger(database_url, "--debug", "verify")
    assert isinstance(raised, RuntimeError)


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "ledger"
    answer = subprocess.run(
        [str(executable), "verify"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={"LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}", "PATH": ""},
    )
    assert answer.returncode == 1
    assert MIGRATE_FIRST in answer.stderr
    assert "Traceback" not in answer.stderr + answer.stdout
    assert not (tmp_path / "ledger.db").exists()
