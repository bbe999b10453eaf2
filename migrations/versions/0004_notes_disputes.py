"""Notes and disputes on events, and room for interval dates.

``events.note`` and ``events.disputes`` (hashed when present); ``event_disputes`` indexes which
event disputes which, so ``disputedBy`` is one look-up, and refuses changes like ``events``.
``occurred_on`` grows to hold intervals ('2019-09-23/2020-02-17'); on SQLite that rebuilds the
table, so the append-only triggers of the first migration are created again.

Revision ID: 0004_notes_disputes
Revises: 0003_projections
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_notes_disputes"
down_revision: str | None = "0003_projections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_EVENTS_GUARDS = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE is refused'); END""",
]

SQLITE_GUARDS = [
    """CREATE TRIGGER event_disputes_no_update BEFORE UPDATE ON event_disputes
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER event_disputes_no_delete BEFORE DELETE ON event_disputes
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE is refused'); END""",
]

POSTGRES_GUARDS = [
    """CREATE TRIGGER event_disputes_no_update_delete BEFORE UPDATE OR DELETE ON event_disputes
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER event_disputes_no_truncate BEFORE TRUNCATE ON event_disputes
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
]


def _occurred_on_length(old: int, new: int) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "events",
            "occurred_on",
            existing_type=sa.String(length=old),
            type_=sa.String(length=new),
            existing_nullable=True,
        )
        return
    with op.batch_alter_table("events", recreate="always") as batch:
        batch.alter_column(
            "occurred_on",
            existing_type=sa.String(length=old),
            type_=sa.String(length=new),
            existing_nullable=True,
        )
    for statement in SQLITE_EVENTS_GUARDS:
        op.execute(statement)


def upgrade() -> None:
    op.add_column("events", sa.Column("note", sa.Text(), nullable=True))
    op.add_column("events", sa.Column("disputes", sa.JSON(), nullable=True))
    _occurred_on_length(10, 40)
    op.create_table(
        "event_disputes",
        sa.Column("disputed_id", sa.Uuid(), nullable=False),
        sa.Column("disputing_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("disputed_id", "disputing_id"),
    )
    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("event_disputes")
    _occurred_on_length(40, 10)
    op.drop_column("events", "disputes")
    op.drop_column("events", "note")
