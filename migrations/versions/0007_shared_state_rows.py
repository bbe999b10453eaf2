"""One state row for both views while a stream holds no restricted event.

Until then the public and the full view of a stream fold the same events, and every version was
stored twice, identical but for ``visibility``. Now such rows are stored once with visibility
'both' (readers ask for ``IN (view, 'both')``); at a stream's first restricted event the shared
rows still alive end and each view's partition starts again in rows of its own
(``ledger.projections.timeline``). The per-stream indexes hold ``visibility`` last.

The rows are converted in place, to exactly what ``ledger rebuild`` now stores (``ledger
verify`` holds them to it), without replaying any event:

* a stream without restricted events: its 'public' rows go (they equal the 'full' ones) and
  its 'full' rows become 'both';
* a stream whose first restricted event was recorded at S: rows that ended by S are shared
  ('full' ones become 'both', 'public' ones go); rows alive across S start at S in their view,
  and a 'full' one leaves a 'both' row behind for [its start, S), with its person links; rows
  from S on stay as they are.

Downgrading stores each shared row once per view again; the projections then answer the same,
but a stream with restricted events differs from what the old ``ledger rebuild`` stored until
one is run.

Revision ID: 0007_shared_state_rows
Revises: 0006_events_write_indexes
Create Date: 2026-11-26
"""

# ruff: noqa: S608  (the SQL below is built from this file's own table and column names only)

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_shared_state_rows"
down_revision: str | None = "0006_events_write_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = {"person_states": "sort_name", "recommendation_states": "code"}
LINKS = "recommendation_persons"
OLD = {
    "valid": ("visibility", "valid_from", "recorded_from"),
    "recorded": ("visibility", "recorded_from", "valid_from"),
}
NEW = {
    "valid": ("valid_from", "recorded_from", "visibility"),
    "recorded": ("recorded_from", "valid_from", "visibility"),
}
#: the rows the per-stream record-time index holds: each stream's last versions
LAST_VERSIONS = "valid_to = '9999-12-31'"
#: streams with restricted events, as a subquery
RESTRICTED = "SELECT DISTINCT stream_id FROM events WHERE restricted"


def _copy(table: str, state_id: int, values: dict[str, str], params: dict[str, object]) -> None:
    """Insert a copy of row ``state_id`` of ``table`` with ``values`` (SQL) for some columns,
    and of its person links."""
    bind = op.get_bind()
    copied = [c["name"] for c in sa.inspect(bind).get_columns(table) if c["name"] != "id"]
    chosen = [values.get(name, name) for name in copied]
    new_id = bind.execute(
        sa.text(
            f"INSERT INTO {table} ({', '.join(copied)})"
            f" SELECT {', '.join(chosen)} FROM {table} WHERE id = :id RETURNING id"
        ),
        {"id": state_id, **params},
    ).scalar_one()
    if table == "recommendation_states":
        bind.execute(
            sa.text(
                f"INSERT INTO {LINKS} (state_id, person_id)"
                f" SELECT :new, person_id FROM {LINKS} WHERE state_id = :old"
            ),
            {"new": new_id, "old": state_id},
        )


def _delete(table: str, where: str, params: dict[str, object] | None = None) -> None:
    """Delete rows of ``table`` and their person links."""
    bind = op.get_bind()
    if table == "recommendation_states":
        bind.execute(
            sa.text(
                f"DELETE FROM {LINKS} WHERE state_id IN (SELECT id FROM {table} WHERE {where})"
            ),
            params or {},
        )
    bind.execute(sa.text(f"DELETE FROM {table} WHERE {where}"), params or {})


def _split(table: str, stream_id: str, split: object) -> None:
    """A stream whose first restricted event was recorded at ``split``."""
    bind = op.get_bind()
    params = {"stream": stream_id, "split": split}
    mine = "stream_id = :stream AND "
    across = mine + "recorded_from < :split AND recorded_to > :split"
    straddling = bind.execute(
        sa.text(f"SELECT id FROM {table} WHERE {across} AND visibility = 'full'"),
        params,
    ).scalars()
    for state_id in list(straddling):
        _copy(table, state_id, {"visibility": "'both'", "recorded_to": ":split"}, params)
    bind.execute(
        sa.text(
            f"UPDATE {table} SET recorded_from = :split WHERE {across} AND visibility <> 'both'"
        ),
        params,
    )
    _delete(table, mine + "visibility = 'public' AND recorded_to <= :split", params)
    bind.execute(
        sa.text(
            f"UPDATE {table} SET visibility = 'both'"
            f" WHERE {mine} visibility = 'full' AND recorded_to <= :split"
        ),
        params,
    )


def _indexes(table: str, columns: dict[str, tuple[str, ...]], partial: bool) -> None:
    for name, order in columns.items():
        op.drop_index(f"ix_{table}_{name}", table_name=table)
        where = sa.text(LAST_VERSIONS) if partial and name == "recorded" else None
        op.create_index(
            f"ix_{table}_{name}",
            table,
            ["stream_id", *order],
            sqlite_where=where,
            postgresql_where=where,
        )


def upgrade() -> None:
    bind = op.get_bind()
    splits = bind.execute(
        sa.text(
            "SELECT stream_id, MIN(recorded_at) FROM events WHERE restricted GROUP BY stream_id"
        )
    ).all()
    for table, listed in STATES.items():
        op.drop_index(f"ix_{table}_listing", table_name=table)
        for stream_id, split in splits:
            _split(table, stream_id, split)
        _delete(table, f"visibility = 'public' AND stream_id NOT IN ({RESTRICTED})")
        op.execute(
            f"UPDATE {table} SET visibility = 'both'"
            f" WHERE visibility = 'full' AND stream_id NOT IN ({RESTRICTED})"
        )
        _indexes(table, NEW, partial=True)
        op.create_index(f"ix_{table}_listing", table, ["visibility", "recorded_to", listed])


def downgrade() -> None:
    bind = op.get_bind()
    for table in STATES:
        shared = bind.execute(sa.text(f"SELECT id FROM {table} WHERE visibility = 'both'"))
        for state_id in list(shared.scalars()):
            _copy(table, state_id, {"visibility": "'public'"}, {})
        op.execute(f"UPDATE {table} SET visibility = 'full' WHERE visibility = 'both'")
        _indexes(table, OLD, partial=False)
