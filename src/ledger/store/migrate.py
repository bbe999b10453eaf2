"""Schema upgrades with alembic, from the repository's ``migrations/`` folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

from ledger.domain.errors import LedgerError
from ledger.store.engine import analyze
from ledger.store.tables import Base

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser interpolates '%', which URL-encoded options contain.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    analyze(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(engine: Engine) -> list[Any]:
    """Differences between the tables declared in code and the migrated database (empty: none)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


class SchemaNotCurrent(LedgerError):
    """The database is not at this ledger's schema: every command but ``migrate`` stops."""

    code = "SCHEMA_NOT_CURRENT"


def check_schema(engine: Engine) -> None:
    """Refuse a database that was never migrated, is behind, or was migrated by a newer ledger."""
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
