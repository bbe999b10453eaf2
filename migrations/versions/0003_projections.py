"""Projections: bitemporal state versions of persons and recommendations, and the persons each
recommendation names. Rebuildable from the events at any time (``ledger rebuild``).

Revision ID: 0003_projections
Revises: 0002_tokens
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ledger.store.types

revision: str = "0003_projections"
down_revision: str | None = "0002_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _intervals() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stream_id", sa.String(length=200), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("recorded_from", ledger.store.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_to", ledger.store.types.UTCDateTime(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "person_states",
        *_intervals(),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("sort_name", sa.String(length=500), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("custody_status", sa.String(length=20), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_person_states_valid",
        "person_states",
        ["stream_id", "visibility", "valid_from", "recorded_from"],
    )
    op.create_index(
        "ix_person_states_recorded",
        "person_states",
        ["stream_id", "visibility", "recorded_from", "valid_from"],
    )
    op.create_index(
        "ix_person_states_listing", "person_states", ["visibility", "recorded_to", "sort_name"]
    )
    op.create_table(
        "recommendation_states",
        *_intervals(),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("addressee", sa.String(length=500), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_recommendation_states_valid",
        "recommendation_states",
        ["stream_id", "visibility", "valid_from", "recorded_from"],
    )
    op.create_index(
        "ix_recommendation_states_recorded",
        "recommendation_states",
        ["stream_id", "visibility", "recorded_from", "valid_from"],
    )
    op.create_index(
        "ix_recommendation_states_listing",
        "recommendation_states",
        ["visibility", "recorded_to", "code"],
    )
    op.create_table(
        "recommendation_persons",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_recommendation_persons_person", "recommendation_persons", ["person_id", "state_id"]
    )
    op.create_index("ix_recommendation_persons_state", "recommendation_persons", ["state_id"])


def downgrade() -> None:
    op.drop_table("recommendation_persons")
    op.drop_table("recommendation_states")
    op.drop_table("person_states")
