"""What every command needs: the Ledger built from the environment, and who is writing."""

from __future__ import annotations

import getpass

from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from ledger.cli.console import fail
from ledger.config import Settings
from ledger.container import Ledger, build_ledger


def cli_recorder() -> str:
    """Writes from the command line are recorded as ``cli:`` + the operating-system user."""
    return f"cli:{getpass.getuser()}"


def open_ledger(*, serving: bool = False) -> Ledger:
    """The Ledger for a command. Batch commands (load, import, rebuild, verify) may run long
    statements on purpose, so only the server keeps the statement timeout."""
    settings = Settings()
    if not serving:
        settings = settings.model_copy(update={"database_statement_timeout": 0.0})
    try:
        ledger = build_ledger(settings)
        with ledger.engine.connect():
            pass
    except (ArgumentError, NoSuchModuleError) as exc:
        fail(f"LEDGER_DATABASE_URL '{settings.database_url}' is not a database URL: {exc}")
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())  # drivers answer over several lines
        fail(f"cannot connect to the database at LEDGER_DATABASE_URL: {reason}")
    return ledger
