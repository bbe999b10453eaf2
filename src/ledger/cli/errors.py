"""One error path for every command: what is wrong and what to run, exit code 1, no traceback
unless ``ledger --debug`` (or ``LEDGER_DEBUG=1``) asks for it.

Commands refuse with :func:`ledger.cli.console.fail` where they know the remedy; whatever
escapes them is caught here, once, for all commands (those added later included).
"""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from ledger.cli.console import fail
from ledger.domain.errors import LedgerError

#: What a database says when a table is missing: the schema is not (fully) there.
_MISSING_TABLE = ("no such table", "does not exist")


class LedgerGroup(TyperGroup):
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except typer.TyperException as exc:  # a bad option or argument: typer says which
            exc.exit_code = 1
            raise

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as exc:
            exc.exit_code = 1
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            fail(describe(exc))


def describe(error: Exception) -> str:
    """One line naming the problem and, where one is known, the command that fixes it."""
    if isinstance(error, LedgerError):
        return str(error)
    if isinstance(error, DBAPIError):
        reason = " ".join(str(error.orig).split())
        if any(marker in reason for marker in _MISSING_TABLE):
            return f"the database is not migrated ({reason}): run 'ledger migrate' first"
        return f"the database refused: {reason} (run 'ledger --debug …' for the traceback)"
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror}"
    return f"unexpected {type(error).__name__}: {error} (run 'ledger --debug …' for the traceback)"
