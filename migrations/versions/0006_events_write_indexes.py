"""The events table keeps fewer index entries per appended row.

* ``retracts`` is unique through a partial index over the retractions alone: the unique
  constraint held a NULL entry for every other event (nearly all of them). Look-ups compare
  ``retracts`` with a value, which implies it is not NULL, so they are planned on the index.
* On SQLite ``position`` becomes an INTEGER primary key, the table's rowid: a BIGINT key was a
  second tree of positions beside the rowid's, kept up at every insert. SQLite cannot change a
  primary key in place, so the table is rebuilt (rows copied as they are, in position order)
  and its indexes and the append-only triggers of the first migration are created again.
  PostgreSQL's BIGINT primary key is its only index of positions already.

Revision ID: 0006_events_write_indexes
Revises: 0005_person_articles
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ledger.store.types

revision: str = "0006_events_write_indexes"
down_revision: str | None = "0005_person_articles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_GUARDS = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE is refused'); END""",
]

#: every index of the events table but the unique ones on id and retracts: (name, columns, unique)
INDEXES = [
    ("ix_events_stream_version", ["stream_id", "version"], True),
    ("ix_events_type_position", ["type", "position"], False),
    ("ix_events_stream_latest", ["stream_id", "occurred_latest"], False),
    ("ix_events_latest", ["occurred_latest"], False),
    ("ix_events_recorded_at", ["recorded_at"], False),
]

NOT_NULL = sa.text("retracts IS NOT NULL")


def _events_table(name: str, position: sa.types.TypeEngine[int], retracts_unique: bool) -> None:
    op.create_table(
        name,
        sa.Column("position", position, autoincrement=False, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.String(length=40), nullable=True),
        sa.Column("occurred_earliest", sa.Date(), nullable=True),
        sa.Column("occurred_latest", sa.Date(), nullable=True),
        sa.Column("recorded_at", ledger.store.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=True),
        sa.Column("retracts", sa.Uuid(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("disputes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("id"),
        *([sa.UniqueConstraint("retracts")] if retracts_unique else []),
    )


def _rebuild_sqlite(position: sa.types.TypeEngine[int], retracts_unique: bool) -> None:
    """The events table again under its own name, with ``position`` of the given type."""
    _events_table("events_rebuilt", position, retracts_unique)
    op.execute("INSERT INTO events_rebuilt SELECT * FROM events ORDER BY position")
    op.execute("DROP TABLE events")  # its indexes and triggers with it; no trigger fires
    op.rename_table("events_rebuilt", "events")
    for name, columns, unique in INDEXES:
        op.create_index(name, "events", columns, unique=unique)
    for statement in SQLITE_GUARDS:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(sa.Integer(), retracts_unique=False)
    else:
        op.drop_constraint("events_retracts_key", "events", type_="unique")
    op.create_index(
        "ix_events_retracts",
        "events",
        ["retracts"],
        unique=True,
        sqlite_where=NOT_NULL,
        postgresql_where=NOT_NULL,
    )


def downgrade() -> None:
    op.drop_index("ix_events_retracts", "events")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(sa.BigInteger(), retracts_unique=True)
    else:
        op.create_unique_constraint("events_retracts_key", "events", ["retracts"])
