"""The state tables' listing indexes keep the view and the record end only, not the sort column.

The lists and counts filter on the view (``IN (view, 'both')``) and on ``recorded_to >
knownAt``, a range: no list can read the rows of that range in ``sort_name`` (``code``) order,
so each sorts the rows it found whatever the index holds after ``recorded_to``, on SQLite and
PostgreSQL alike (``USE TEMP B-TREE FOR ORDER BY``; a Sort node). The third column only made
every entry longer and every comparison of the entries an appended state row is placed among
(all of them share the view and the open end) read one column more: on SQLite an inserted
state row's listing entry cost about 11,000 instructions with it and 8,300 without. A
downgrade builds them again as they were.

Revision ID: 0009_narrow_listing_indexes
Revises: 0008_drop_events_latest
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_narrow_listing_indexes"
down_revision: str | None = "0008_drop_events_latest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: each state table and the column its lists sort on
LISTED = {"person_states": "sort_name", "recommendation_states": "code"}


def upgrade() -> None:
    for table in LISTED:
        op.drop_index(f"ix_{table}_listing", table_name=table)
        op.create_index(f"ix_{table}_listing", table, ["visibility", "recorded_to"])


def downgrade() -> None:
    for table, listed in LISTED.items():
        op.drop_index(f"ix_{table}_listing", table_name=table)
        op.create_index(f"ix_{table}_listing", table, ["visibility", "recorded_to", listed])
