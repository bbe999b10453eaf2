"""The database tables, declared once for the store, the projections and alembic's autogenerate."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ledger.store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """The append-only log. UPDATE and DELETE are refused by triggers (see the first migration)."""

    __tablename__ = "events"

    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    stream_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(100))
    schema_version: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[str | None] = mapped_column(String(10))
    occurred_earliest: Mapped[date | None] = mapped_column(Date)
    occurred_latest: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    data: Mapped[Any] = mapped_column(JSON)
    sources: Mapped[Any] = mapped_column(JSON)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The event a retraction names; unique, so an event can be retracted once only.
    retracts: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_events_stream_version", "stream_id", "version", unique=True),
        Index("ix_events_type_position", "type", "position"),
        Index("ix_events_stream_latest", "stream_id", "occurred_latest"),
        Index("ix_events_latest", "occurred_latest"),
        Index("ix_events_recorded_at", "recorded_at"),
    )


class TokenRow(Base):
    """API bearer tokens: only a SHA-256 of each token is kept."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_tokens_name", "name"),)
