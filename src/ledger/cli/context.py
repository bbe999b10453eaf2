"""What every command needs: the Ledger built from the environment, and who is writing.

Only ``ledger migrate`` may create a database or change its schema; every other command opens
an existing database at this ledger's schema, or stops saying what to run.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from ledger.cli.console import fail
from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.store.engine import database_url
from ledger.store.migrate import check_schema


def cli_recorder() -> str:
    """Writes from the command line are recorded as ``cli:`` + the operating-system user."""
    return f"cli:{getpass.getuser()}"


def open_ledger(*, serving: bool = False, migrating: bool = False) -> Ledger:
    """The Ledger for a command; unless ``migrating``, its database must exist and be migrated.

    Batch commands (load, import, rebuild, verify) may run long statements on purpose, so only
    the server keeps the statement timeout.
    """
    settings = Settings()
    if not serving:
        settings = settings.model_copy(update={"database_statement_timeout": 0.0})
    url = database_url(settings.database_url)
    missing = _missing_sqlite_file(url)
    if missing is not None and not migrating:
        fail(
            f"no database file at {missing} (LEDGER_DATABASE_URL"
            f" {url.render_as_string(hide_password=True)}): run 'ledger migrate' first to"
            " create it, or point LEDGER_DATABASE_URL at an existing ledger"
        )
    ledger = build_ledger(settings)
    try:
        with ledger.engine.connect():
            pass
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())  # drivers answer over several lines
        fail(f"cannot connect to the database at LEDGER_DATABASE_URL: {reason}")
    if not migrating:
        check_schema(ledger.engine)
    return ledger


def _missing_sqlite_file(url: URL) -> Path | None:
    """SQLite creates a missing file on connect: a read must not leave an empty one behind."""
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    if name.startswith("file:"):  # a URI filename (query options follow the path)
        name = name.removeprefix("file:").split("?", 1)[0]
    path = Path(name)
    return None if path.exists() else path
