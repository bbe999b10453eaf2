"""Schema upgrades with alembic, from the repository's ``migrations/`` folder.

alembic is imported by the functions that need it, not here: importing it (with the template
and highlighting libraries it pulls in) takes about a tenth of a second, which every command
would pay at start-up only to learn that the schema is current (see :func:`check_schema`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from ledger.domain.errors import LedgerError
from ledger.store.engine import analyze
from ledger.store.tables import Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser interpolates '%', which URL-encoded options contain.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    analyze(engine)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(engine: Engine) -> list[Any]:
    """Differences between the tables declared in code and the migrated database (empty: none)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


class SchemaNotCurrent(LedgerError):
    """The database is not at this ledger's schema: every command but ``migrate`` stops."""

    code = "SCHEMA_NOT_CURRENT"


def newest_migration() -> str:
    """The revision of the newest migration: each file of ``migrations/versions`` is named after
    its revision, numbered in order, one after the other (a test holds the convention)."""
    return max(path.stem for path in (MIGRATIONS / "versions").glob("[0-9]*.py"))


def _stored_revision(engine: Engine) -> str | None:
    """The one revision alembic recorded in the database (None: none, several, or no table)."""
    with engine.connect() as connection:
        try:
            found = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except DBAPIError:
            return None
    return str(found[0][0]) if len(found) == 1 else None


def check_schema(engine: Engine) -> None:
    """Refuse a database that was never migrated, is behind, or was migrated by a newer ledger.

    A database at the newest migration is told so without alembic; any other answer is worked
    out, and worded, by alembic."""
    if _stored_revision(engine) == newest_migration():
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    current = current_revision(engine)
    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = script.get_heads()
    if current in heads:
        return
    if current is None:
        raise SchemaNotCurrent(
            "the database has no ledger tables (never migrated): run 'ledger migrate' first"
        )
    try:
        script.get_revision(current)
    except CommandError:
        raise SchemaNotCurrent(
            f"the database schema is at revision {current}, which this ledger does not know"
            " (migrated by a newer version?): upgrade the ledger"
        ) from None
    raise SchemaNotCurrent(
        f"the database schema is at revision {current}, older than this ledger's"
        f" {', '.join(heads)}: run 'ledger migrate' first"
    )
