"""Least privilege on PostgreSQL: the server connects as a role that cannot change history.

Migrations run as the schema's owner. The role ``ledger serve`` connects as is granted only
what serving needs: SELECT and INSERT on ``events`` (no UPDATE, DELETE or TRUNCATE; not the
owner, so it cannot drop or disable the append-only triggers; not a superuser, so it cannot
``SET session_replication_role = replica`` to skip them), what the projector does to the
projection tables, and reading tokens and stamping their last use. SQLite has no roles: who
can write the file can change it, so there the file's permissions are the boundary.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from ledger.domain.errors import ValidationError
from ledger.store.engine import is_sqlite
from ledger.store.tables import Base

#: Tables with their own, narrower grants; every other table of the schema is a projection
#: (or other derived state) the server maintains in full.
_NARROW = frozenset({"events", "tokens"})


def _derived_tables() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables if table.name not in _NARROW]


def _quoted(connection: Connection, name: str) -> str:
    return str(connection.execute(text("SELECT quote_ident(:name)"), {"name": name}).scalar_one())


def grant_app_role(engine: Engine, role: str) -> None:
    """Grant ``role`` (which must exist) what ``ledger serve`` needs, and nothing more."""
    if is_sqlite(engine):
        raise ValidationError("SQLite has no roles: nothing to grant", ["--grant-to"])
    with engine.begin() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        if exists is None:
            raise ValidationError(
                f"no role '{role}': create it first (CREATE ROLE … LOGIN PASSWORD …)",
                ["--grant-to"],
            )
        who = _quoted(connection, role)
        schema = _quoted(
            connection, str(connection.execute(text("SELECT current_schema()")).scalar_one())
        )
        statements = [
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
            f"GRANT SELECT, INSERT ON events TO {who}",
            f"GRANT SELECT ON alembic_version TO {who}",
            f"GRANT SELECT, UPDATE (last_used_at) ON tokens TO {who}",
            *(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {who}"
                for table in _derived_tables()
            ),
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        ]
        for statement in statements:
            connection.execute(text(statement))


def excess_privileges(engine: Engine) -> list[str]:
    """What the connected role could do to rewrite history (empty when it cannot)."""
    if is_sqlite(engine):
        return []
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT r.rolsuper,"
                " pg_get_userbyid(c.relowner) = current_user AS owner,"
                " has_table_privilege('events', 'UPDATE') AS can_update,"
                " has_table_privilege('events', 'DELETE') AS can_delete,"
                " has_table_privilege('events', 'TRUNCATE') AS can_truncate"
                " FROM pg_roles r, pg_class c"
                " WHERE r.rolname = current_user AND c.oid = to_regclass('events')"
            )
        ).first()
    if row is None:
        return []
    found = {
        "is a superuser (can bypass the append-only triggers)": row.rolsuper,
        "owns the events table (can drop its triggers)": row.owner,
        "may UPDATE events": row.can_update,
        "may DELETE events": row.can_delete,
        "may TRUNCATE events": row.can_truncate,
    }
    return [what for what, present in found.items() if present]
