"""Persons' charged articles, for listing persons charged or convicted under an article.

Filled by the projections: run ``ledger rebuild`` after upgrading (until then the column is
empty and the ``article`` filter finds no one).

Revision ID: 0005_person_articles
Revises: 0004_notes_disputes
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_person_articles"
down_revision: str | None = "0004_notes_disputes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "person_states", sa.Column("articles", sa.Text(), server_default="", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("person_states", "articles")
