"""The events table drops ``ix_events_latest``, its index of latest days across every stream.

No reader seeks on the latest day without a stream: the counting reads of a stream and the
read model's reads of some streams seek on ``ix_events_stream_latest`` (stream, latest day);
the feed's date filter walks positions; and the span of the dated days
(``EventStore.occurred_span``) reads every event recorded by its instant anyway, for the
earliest day no index orders, now with the latest day in the same single pass. Each appended
event still kept an entry of it up to date, and each append call wrote its leaf pages: on
SQLite about one microsecond of CPU of the nine an event's insert costs. A downgrade builds it
again.

Revision ID: 0008_drop_events_latest
Revises: 0007_shared_state_rows
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_drop_events_latest"
down_revision: str | None = "0007_shared_state_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_events_latest", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_latest", "events", ["occurred_latest"])
