"""The database tables, declared once for the store, the projections and alembic's autogenerate."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ledger.store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """The append-only log. UPDATE and DELETE are refused by triggers (see the first migration)."""

    __tablename__ = "events"

    #: On SQLite an INTEGER primary key is the table's rowid: rows are kept in position order,
    #: with no second tree of positions to keep up at every insert (a BIGINT key has one).
    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    stream_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(100))
    schema_version: Mapped[int] = mapped_column(Integer)
    #: the partial date's text: '2019-12-27', '2019-09-23/2020-02-17', '../2020', '2007~' ...
    occurred_on: Mapped[str | None] = mapped_column(String(40))
    #: sort bounds: an open start is stored as 0001-01-01, an open end as 9999-12-31, so that
    #: fold order and "latest <= asOf" are plain indexed comparisons; NULL: undated
    occurred_earliest: Mapped[date | None] = mapped_column(Date)
    occurred_latest: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    data: Mapped[Any] = mapped_column(JSON)
    sources: Mapped[Any] = mapped_column(JSON)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Random, hashed with a restricted event and withheld with its data, so that its public
    #: hash cannot be used to confirm guesses of the withheld content.
    salt: Mapped[str | None] = mapped_column(String(64))
    #: The event a retraction names; unique (``ix_events_retracts``), so an event can be
    #: retracted once only.
    retracts: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    #: the recorder's reasoning, shown to every reader (hashed when present)
    note: Mapped[str | None] = mapped_column(Text)
    #: ids of the events this one contradicts, as a JSON list (hashed when present); NULL: none
    disputes: Mapped[Any] = mapped_column(JSON, nullable=True)

    __table_args__ = (
        Index("ix_events_stream_version", "stream_id", "version", unique=True),
        # Only retractions have a ``retracts``: the other rows (nearly all) stay out of the
        # index instead of each adding a NULL entry. Every look-up compares ``retracts`` with
        # a value, which implies it is not NULL, so both databases plan it on this index.
        Index(
            "ix_events_retracts",
            "retracts",
            unique=True,
            sqlite_where=text("retracts IS NOT NULL"),
            postgresql_where=text("retracts IS NOT NULL"),
        ),
        Index("ix_events_type_position", "type", "position"),
        Index("ix_events_stream_latest", "stream_id", "occurred_latest"),
        Index("ix_events_recorded_at", "recorded_at"),
    )


class EventDisputeRow(Base):
    """Which event disputes which: written with the disputing event, so that the events
    disputing any set of events (``disputedBy``) are one indexed look-up."""

    __tablename__ = "event_disputes"

    disputed_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    disputing_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


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


# --- projections (see ledger.projections): bitemporal state versions, rebuilt from events ---


#: The open end of valid time as SQL (``ledger.projections.timeline.MAX_DAY``), and the state
#: rows reaching it: a stream's last version as each record instant left it, the only rows the
#: ``ix_*_recorded`` indexes hold (a reader's first seek looks for one; nothing else needs them).
#: A query names the day literally, as here: SQLite uses a partial index only for a condition
#: it can see implies the index's.
OPEN_VALID_END = "'9999-12-31'"
LAST_VERSIONS = f"valid_to = {OPEN_VALID_END}"


def _last_versions(name: str, *columns: str) -> Index:
    where = text(LAST_VERSIONS)
    return Index(name, *columns, sqlite_where=where, postgresql_where=where)


class StateVersion:
    """The columns every projection table shares: a state version's stream, the views it serves,
    its intervals in valid and record time, and the state itself.

    ``visibility`` is 'public' or 'full' for a row of one view, or 'both' for a row serving
    both: until a stream records its first restricted event the two views fold the same events,
    so each version is stored once (see ``ledger.projections.timeline``). A reader of a view
    asks for ``visibility IN (view, 'both')``, so the per-stream indexes hold it last, after the
    columns their seeks and orders use."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream_id: Mapped[str] = mapped_column(String(200))
    visibility: Mapped[str] = mapped_column(String(10))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    recorded_from: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_to: Mapped[datetime] = mapped_column(UTCDateTime)
    event_count: Mapped[int] = mapped_column(Integer)
    state: Mapped[Any] = mapped_column(JSON)


class PersonStateRow(StateVersion, Base):
    """One version of a person's state, valid over [valid_from, valid_to) in valid time and
    [recorded_from, recorded_to) in record time; sentinels stand for the open ends."""

    __tablename__ = "person_states"

    name: Mapped[str] = mapped_column(String(500))
    sort_name: Mapped[str] = mapped_column(String(500))
    search_text: Mapped[str] = mapped_column(Text)
    custody_status: Mapped[str] = mapped_column(String(20))
    #: the articles charged or convicted under, each between spaces: ' 174 274 '
    articles: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (
        Index("ix_person_states_valid", "stream_id", "valid_from", "recorded_from", "visibility"),
        _last_versions(
            "ix_person_states_recorded", "stream_id", "recorded_from", "valid_from", "visibility"
        ),
        Index("ix_person_states_listing", "visibility", "recorded_to"),
    )


class RecommendationStateRow(StateVersion, Base):
    """One version of a recommendation's state; same intervals as ``PersonStateRow``."""

    __tablename__ = "recommendation_states"

    code: Mapped[str] = mapped_column(String(200))
    search_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30))
    addressee: Mapped[str] = mapped_column(String(500))

    __table_args__ = (
        Index(
            "ix_recommendation_states_valid",
            "stream_id",
            "valid_from",
            "recorded_from",
            "visibility",
        ),
        _last_versions(
            "ix_recommendation_states_recorded",
            "stream_id",
            "recorded_from",
            "valid_from",
            "visibility",
        ),
        Index("ix_recommendation_states_listing", "visibility", "recorded_to"),
    )


class RecommendationPersonRow(Base):
    """Which persons a recommendation state version names: one query finds, for many persons,
    the recommendations naming them at a point (joined with ``recommendation_states``)."""

    __tablename__ = "recommendation_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_recommendation_persons_person", "person_id", "state_id"),
        Index("ix_recommendation_persons_state", "state_id"),
    )
