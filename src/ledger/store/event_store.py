"""The append-only, hash-chained event log on SQLite or PostgreSQL.

Append is all or nothing per call: every event is validated, the expected version checked and
retractions resolved before the first row is written, and the write happens in one transaction
that also updates the projections (so a reader sees its own write). Idempotency: an event whose
id is already stored with the same content is not stored again; the same id with other content
is refused, so a retry can never hide a change.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol, cast
from uuid import UUID, uuid4

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from ledger.domain.counting import RETRACTION
from ledger.domain.errors import IdConflict, LedgerError, NotFound, ValidationError, VersionConflict
from ledger.domain.event_types import ImplementationAssessed, RecommendationIssued
from ledger.domain.hash_chain import GENESIS, canonical_json, canonical_value, chain
from ledger.domain.new_event import NewEvent, ValidEvent, validate_event
from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source
from ledger.store.engine import reading, write_transaction
from ledger.store.tables import EventDisputeRow, EventRow
from ledger.store.types import JsonText

EVENTS = cast(Table, EventRow.__table__)
DISPUTES = cast(Table, EventDisputeRow.__table__)


class AppendListener(Protocol):
    """Told of every appended batch inside the append's transaction (the projections)."""

    def on_append(self, connection: Connection, events: Sequence[RecordedEvent]) -> None: ...


@dataclass(frozen=True)
class AppendResult:
    events: list[RecordedEvent]
    stream_version: int


@dataclass(frozen=True)
class StreamBatch:
    """Events for one stream, with the version the client last saw (None: no check)."""

    stream_id: str
    events: tuple[NewEvent, ...]
    expected_version: int | None = None


@dataclass(frozen=True)
class Head:
    position: int
    hash: str
    recorded_at: datetime | None


def row_to_event(row: Any) -> RecordedEvent:
    return RecordedEvent(
        id=row.id,
        position=row.position,
        stream_id=row.stream_id,
        version=row.version,
        type=row.type,
        schema_version=row.schema_version,
        occurred_on=PartialDate.parse(row.occurred_on) if row.occurred_on else None,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        data=row.data,
        sources=tuple(row.sources),
        hash=row.hash,
        previous_hash=row.previous_hash,
        restricted=bool(row.restricted),
        salt=row.salt,
        note=row.note,
        disputes=tuple(UUID(str(item)) for item in row.disputes or ()),
    )


def _event_to_row(
    event: RecordedEvent, data_json: str | None = None, sources_json: str | None = None
) -> dict[str, Any]:
    """The row of an event; ``data_json``/``sources_json``: the already serialised columns."""
    return {
        "position": event.position,
        "id": event.id,
        "stream_id": event.stream_id,
        "version": event.version,
        "type": event.type,
        "schema_version": event.schema_version,
        "occurred_on": event.occurred_on.text if event.occurred_on else None,
        "occurred_earliest": event.earliest,
        "occurred_latest": event.latest,
        "recorded_at": event.recorded_at,
        "recorded_by": event.recorded_by,
        "data": JsonText(data_json or canonical_value(event.data)),
        "sources": JsonText(sources_json or canonical_value(list(event.sources))),
        "restricted": event.restricted,
        "salt": event.salt,
        "retracts": UUID(event.data["eventId"]) if event.type == RETRACTION else None,
        "hash": event.hash,
        "previous_hash": event.previous_hash,
        "note": event.note,
        "disputes": (
            JsonText(canonical_value([str(item) for item in event.disputes]))
            if event.disputes
            else None
        ),
    }


def compute_hash(event: RecordedEvent, previous_hash: str) -> str:
    fields = {name: getattr(event, name) for name in _HASHED}
    return chain(
        previous_hash,
        _canonical(fields, canonical_value(event.data), canonical_value(list(event.sources))),
    )


_HASHED = (
    "id",
    "position",
    "stream_id",
    "version",
    "type",
    "schema_version",
    "occurred_on",
    "recorded_at",
    "recorded_by",
    "restricted",
    "salt",
    "note",
    "disputes",
)


def _canonical(fields: dict[str, Any], data_json: str, sources_json: str) -> str:
    return canonical_json(
        event_id=fields["id"],
        position=fields["position"],
        stream_id=fields["stream_id"],
        version=fields["version"],
        type_name=fields["type"],
        schema_version=fields["schema_version"],
        occurred_on=fields["occurred_on"],
        recorded_at=fields["recorded_at"],
        recorded_by=fields["recorded_by"],
        data_json=data_json,
        sources_json=sources_json,
        restricted=fields["restricted"],
        salt=fields["salt"],
        note=fields["note"],
        disputes=fields["disputes"],
    )


def _same_content(stored: RecordedEvent, stream_id: str, event: ValidEvent) -> bool:
    return (
        stored.stream_id == stream_id
        and stored.type == event.type
        and stored.schema_version == event.schema_version
        and stored.occurred_on == event.occurred_on
        and stored.data == event.data
        and list(stored.sources) == [s.to_json() for s in event.sources]
        and stored.restricted == event.restricted
        and stored.note == event.note
        and stored.disputes == event.disputes
    )


def _resend_refusal(existing: RecordedEvent, index: int) -> IdConflict:
    """No guess oracle. An id of a restricted event is public (the feed shows it); if a re-send
    were accepted when its content matched and refused when not, anyone allowed to write could
    confirm a guess of the withheld content. So a writer who may not read it (not an admin, not
    its own recorder) is refused whether or not the content matches: ID_CONFLICT, the same
    words either way."""
    return IdConflict(
        f"event id {existing.id} is already stored, as a restricted event whose content this"
        " caller may not read; a re-send cannot be compared with it. It is stored: read"
        f" stream '{existing.stream_id}' to see it",
        ["events", index, "id"],
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


class EventStore:
    def __init__(
        self,
        engine: Engine,
        listeners: Sequence[AppendListener] = (),
        clock: Any = _utcnow,
    ) -> None:
        self.engine = engine
        self.listeners = list(listeners)
        self.clock = clock

    # --- writing ---------------------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int | None = None,
        recorded_by: str,
        sees_restricted: bool = True,
    ) -> AppendResult:
        batch = StreamBatch(stream_id, tuple(events), expected_version)
        return self.append_batches(
            [batch], recorded_by=recorded_by, sees_restricted=sees_restricted
        )[0]

    def append_batches(
        self, batches: Sequence[StreamBatch], *, recorded_by: str, sees_restricted: bool = True
    ) -> list[AppendResult]:
        """Append to several streams in one transaction: all batches are stored, or none.

        One call costs a fixed number of statements whatever its size (head, versions, known
        ids, one multi-row insert), which is what keeps bulk loads near the bare insert speed.

        ``sees_restricted``: whether the writer may read restricted events (an admin, the
        command line). One who may not gets the same answer to a re-sent id of a restricted
        event whatever content it carries (see :func:`_resend_refusal`).
        """
        _check_recorder(recorded_by)
        checked = [(batch, self._validate(batch)) for batch in batches]
        ids = [v.id for _, valid in checked for v in valid if v.id is not None]
        if len(ids) != len(set(ids)):
            raise ValidationError("the same event id appears twice in one call", ["events"])
        with write_transaction(self.engine) as connection:
            stored = self._stored_by_id(connection, ids)
            _check_named_persons(connection, checked, stored)
            disputed = _dispute_targets(connection, checked)
            versions = self._stream_versions(connection, {b.stream_id for b in batches})
            head = self._head(connection)
            now = self.clock()
            # Record time never runs backwards along positions, even if the clock does.
            pending = _Pending(
                position=head.position,
                hash=head.hash,
                recorded_at=max(now, head.recorded_at) if head.recorded_at else now,
                recorded_by=recorded_by,
            )
            results = [
                self._append_in(
                    connection, batch, valid, stored, versions, pending, sees_restricted, disputed
                )
                for batch, valid in checked
            ]
            if pending.written:
                _insert(connection, pending.rows)
                for listener in self.listeners:
                    listener.on_append(connection, pending.written)
        return results

    @staticmethod
    def _validate(batch: StreamBatch) -> list[ValidEvent]:
        if not batch.events:
            raise ValidationError("at least one event is required", ["events"])
        if batch.expected_version is not None and batch.expected_version < 0:
            raise ValidationError("expectedVersion must be 0 or more", ["expectedVersion"])
        return [_validate_at(e, batch.stream_id, index) for index, e in enumerate(batch.events)]

    def _append_in(
        self,
        connection: Connection,
        batch: StreamBatch,
        valid: Sequence[ValidEvent],
        stored: dict[UUID, RecordedEvent],
        versions: dict[str, int],
        pending: _Pending,
        sees_restricted: bool,
        disputed: dict[UUID, _Disputed],
    ) -> AppendResult:
        stream_id = batch.stream_id
        fresh: list[ValidEvent] = []
        for index, event in enumerate(valid):
            existing = stored.get(event.id) if event.id is not None else None
            if existing is None:
                fresh.append(event)
            elif (
                existing.restricted
                and not sees_restricted
                and existing.recorded_by != pending.recorded_by
            ):
                raise _resend_refusal(existing, index)
            elif not _same_content(existing, stream_id, event):
                raise IdConflict(
                    f"event id {event.id} is already stored with other content"
                    f" (stream '{existing.stream_id}', version {existing.version})",
                    ["events", index, "id"],
                )
        version = versions.get(stream_id, 0)
        if not fresh:
            return AppendResult([stored[v.id] for v in valid if v.id is not None], version)
        if batch.expected_version is not None and batch.expected_version != version:
            raise VersionConflict(
                f"stream '{stream_id}' is at version {version}, not {batch.expected_version}",
                ["expectedVersion"],
                current_version=version,
            )
        self._check_retractions(connection, stream_id, fresh, valid, pending)
        _check_disputes(fresh, valid, pending, disputed)
        written = iter(pending.add(stream_id, version, fresh))
        versions[stream_id] = version + len(fresh)
        result = [stored[event.id] if event.id in stored else next(written) for event in valid]
        return AppendResult(result, version + len(fresh))

    def retract(
        self, event_id: UUID, reason: str, sources: Sequence[Source], *, recorded_by: str
    ) -> RecordedEvent:
        """Append a retraction to the retracted event's own stream."""
        target = self.get(event_id)
        if target is None:
            raise NotFound(f"no event with id {event_id}", ["eventId"])
        retraction = NewEvent(
            type=RETRACTION,
            data={"eventId": str(event_id), "reason": reason},
            sources=tuple(sources),
        )
        try:
            result = self.append(target.stream_id, [retraction], recorded_by=recorded_by)
        except LedgerError as exc:
            raise type(exc)(exc.message, _retraction_field(exc.field)) from None
        return result.events[0]

    def import_events(self, events: Sequence[RecordedEvent]) -> None:
        """Replay exported events as they were (ids, times, recorders); hashes must agree."""
        with write_transaction(self.engine) as connection:
            head = self._head(connection)
            previous = head.hash
            expected_position = head.position + 1
            rows = []
            for event in events:
                if event.position != expected_position:
                    raise ValidationError(
                        f"expected position {expected_position}, got {event.position}",
                        ["position"],
                    )
                recomputed = compute_hash(event, previous)
                if recomputed != event.hash or event.previous_hash != previous:
                    raise ValidationError(
                        f"hash chain breaks at position {event.position}", ["hash"]
                    )
                rows.append(_event_to_row(event))
                previous = event.hash
                expected_position += 1
            if rows:
                _insert(connection, rows)
                for listener in self.listeners:
                    listener.on_append(connection, events)

    def _check_retractions(
        self,
        connection: Connection,
        stream_id: str,
        fresh: Sequence[ValidEvent],
        valid: Sequence[ValidEvent],
        pending: _Pending,
    ) -> None:
        targets = {UUID(e.data["eventId"]) for e in pending.written if e.type == RETRACTION}
        earlier: dict[UUID, str] = {}  # ids appended earlier in this very call -> their type
        for event in fresh:
            if event.id is not None:
                earlier[event.id] = event.type
            if event.type != RETRACTION:
                continue
            index = list(valid).index(event)
            field = ["events", str(index), "data", "eventId"]
            target_id = UUID(event.data["eventId"])
            if target_id in targets:
                raise ValidationError(f"event {target_id} is retracted twice in one call", field)
            targets.add(target_id)
            if earlier.get(target_id) not in (None, RETRACTION):
                continue  # retracted in the very call that appends it
            target = self._get(connection, target_id) or pending.by_id(target_id)
            if target is None and target_id not in earlier:
                raise NotFound(f"no event with id {target_id}", field)
            if target is None or target.type == RETRACTION:
                raise ValidationError("a retraction cannot be retracted", field)
            if target.stream_id != stream_id:
                raise ValidationError(
                    f"event {target_id} is in stream '{target.stream_id}'; a retraction goes"
                    " in the retracted event's stream",
                    field,
                )
            already = connection.execute(
                select(EVENTS.c.id).where(EVENTS.c.retracts == target_id)
            ).scalar()
            if already is not None:
                raise ValidationError(
                    f"event {target_id} is already retracted (by {already})", field
                )

    # --- reading ---------------------------------------------------------------------------

    def head(self) -> Head:
        with reading(self.engine) as connection:
            return self._head(connection)

    def get(self, event_id: UUID) -> RecordedEvent | None:
        with reading(self.engine) as connection:
            return self._get(connection, event_id)

    def stream_version(self, stream_id: str) -> int:
        with reading(self.engine) as connection:
            return self._stream_version(connection, stream_id)

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        query = select(EVENTS).where(EVENTS.c.stream_id == stream_id).order_by(EVENTS.c.version)
        return self._fetch(query)

    def read_feed(self, after: int = 0, limit: int = 100) -> list[RecordedEvent]:
        query = (
            select(EVENTS).where(EVENTS.c.position > after).order_by(EVENTS.c.position).limit(limit)
        )
        return self._fetch(query)

    def query(
        self, where: EventFilter | None = None, *, after: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        """Events matching ``where``, by position, after a position, at most ``limit``."""
        return self._fetch((where or EventFilter()).select(after=after, limit=limit))

    def count(self, where: EventFilter | None = None) -> int:
        inner = (where or EventFilter()).select().subquery()
        with reading(self.engine) as connection:
            return int(connection.execute(select(func.count()).select_from(inner)).scalar_one())

    def occurred_span(self, known_at: datetime | None = None) -> tuple[date | None, date | None]:
        """The first and last day that the dated events recorded by ``known_at`` can mean: the
        range a time slider offers (retracted events included: they were recorded). An open end
        of an interval ('../2019-05', '2019-03-14/..') bounds nothing: its stored extreme day
        (``date.min``/``date.max``) is left out."""
        recorded = EVENTS.c.recorded_at <= known_at if known_at is not None else true()
        earliest = select(func.min(EVENTS.c.occurred_earliest)).where(
            recorded, EVENTS.c.occurred_earliest > date.min
        )
        latest = select(func.max(EVENTS.c.occurred_latest)).where(
            recorded, EVENTS.c.occurred_latest < date.max
        )
        with self.engine.connect() as connection:
            first, last = connection.execute(
                select(earliest.scalar_subquery(), latest.scalar_subquery())
            ).one()
        return first, last

    def iter_all(self, batch: int = 1000) -> Iterator[RecordedEvent]:
        """Every event in position order, fetched in batches: constant memory."""
        after = 0
        while True:
            page = self.read_feed(after, batch)
            if not page:
                return
            yield from page
            after = page[-1].position

    def _fetch(self, query: Select[Any]) -> list[RecordedEvent]:
        with reading(self.engine) as connection:
            return [row_to_event(row) for row in connection.execute(query)]

    @staticmethod
    def _head(connection: Connection) -> Head:
        row = connection.execute(
            select(EVENTS.c.position, EVENTS.c.hash, EVENTS.c.recorded_at)
            .order_by(EVENTS.c.position.desc())
            .limit(1)
        ).first()
        if row is None:
            return Head(0, GENESIS, None)
        return Head(row.position, row.hash, row.recorded_at)

    @staticmethod
    def _stream_versions(connection: Connection, stream_ids: set[str]) -> dict[str, int]:
        rows = connection.execute(
            select(EVENTS.c.stream_id, func.max(EVENTS.c.version))
            .where(EVENTS.c.stream_id.in_(sorted(stream_ids)))
            .group_by(EVENTS.c.stream_id)
        )
        return {stream_id: int(version) for stream_id, version in rows}

    @staticmethod
    def _stream_version(connection: Connection, stream_id: str) -> int:
        value = connection.execute(
            select(func.max(EVENTS.c.version)).where(EVENTS.c.stream_id == stream_id)
        ).scalar()
        return int(value or 0)

    @staticmethod
    def _get(connection: Connection, event_id: UUID) -> RecordedEvent | None:
        row = connection.execute(select(EVENTS).where(EVENTS.c.id == event_id)).first()
        return row_to_event(row) if row is not None else None

    @staticmethod
    def _stored_by_id(connection: Connection, ids: Sequence[UUID]) -> dict[UUID, RecordedEvent]:
        if not ids:
            return {}
        rows = connection.execute(select(EVENTS).where(_one_of(connection, EVENTS.c.id, ids)))
        return {row.id: row_to_event(row) for row in rows}


#: How many missing person ids a refusal lists (it says how many there are in all).
_LISTED = 10


def _check_named_persons(
    connection: Connection,
    checked: Sequence[tuple[StreamBatch, Sequence[ValidEvent]]],
    stored: dict[UUID, RecordedEvent],
) -> None:
    """A recommendation, or an assessment of it, may name only persons the ledger holds, or
    that this call stores: a reference to nobody would show up as a link to an empty person."""
    appended_here = {batch.stream_id for batch, _ in checked}
    naming: list[tuple[list[str | int], list[str]]] = []
    for _, valid in checked:
        for index, event in enumerate(valid):
            if event.id is not None and event.id in stored:
                continue
            if isinstance(event.payload, RecommendationIssued):
                key, persons = "personIds", event.payload.person_ids
            elif isinstance(event.payload, ImplementationAssessed):
                key, persons = "mentionedPersonIds", event.payload.mentioned_person_ids or []
            else:
                continue
            named = [p for p in persons if p not in appended_here]
            if named:
                naming.append((["events", index, "data", key], named))
    if not naming:
        return
    wanted = sorted({person for _, named in naming for person in named})
    known = {
        row[0]
        for row in connection.execute(
            select(EVENTS.c.stream_id)
            .where(_one_of(connection, EVENTS.c.stream_id, wanted))
            .group_by(EVENTS.c.stream_id)
        )
    }
    for where, named in naming:
        missing = [person for person in dict.fromkeys(named) if person not in known]
        if missing:
            listed = ", ".join(missing[:_LISTED])
            more = f" and {len(missing) - _LISTED} more" if len(missing) > _LISTED else ""
            raise ValidationError(
                f"{len(missing)} named person(s) do not exist in the ledger: {listed}{more};"
                " append their PersonProfiled first (or in the same call)",
                where,
            )


_COLUMNS = tuple(column.name for column in EVENTS.columns)
_COPY = f"COPY events ({', '.join(_COLUMNS)}) FROM STDIN"


def _insert(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows go to PostgreSQL with COPY, one round trip for the whole batch; anything else
    (SQLite, a single row) with an INSERT. Both run inside the append's transaction, and so does
    the index of which event disputes which."""
    links = [
        {"disputed_id": UUID(disputed), "disputing_id": row["id"]}
        for row in rows
        if row["disputes"] is not None
        for disputed in json.loads(row["disputes"])
    ]
    if links:
        connection.execute(insert(DISPUTES), links)
    if connection.dialect.name != "postgresql" or len(rows) < 2:
        connection.execute(insert(EVENTS), list(rows))
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
        for row in rows:
            copy.write_row([row[name] for name in _COLUMNS])


def _one_of(connection: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter however many
    values, so a bulk append does not parse and plan a statement with hundreds of them."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam("values", list(values), type_=ARRAY(column.type)))
    return column.in_(values)


@dataclass(frozen=True)
class EventFilter:
    """Events by stream, type, occurred range (overlapping it) and record time."""

    stream_id: str | None = None
    types: Sequence[str] | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None
    recorded_after: datetime | None = None
    recorded_until: datetime | None = None

    def select(self, *, after: int = 0, limit: int | None = None) -> Select[Any]:
        query = select(EVENTS).where(EVENTS.c.position > after)
        if self.stream_id is not None:
            query = query.where(EVENTS.c.stream_id == self.stream_id)
        if self.types:
            query = query.where(EVENTS.c.type.in_(list(self.types)))
        if self.occurred_from is not None:
            query = query.where(EVENTS.c.occurred_latest >= self.occurred_from)
        if self.occurred_to is not None:
            query = query.where(EVENTS.c.occurred_earliest <= self.occurred_to)
        if self.recorded_after is not None:
            query = query.where(EVENTS.c.recorded_at > self.recorded_after)
        if self.recorded_until is not None:
            query = query.where(EVENTS.c.recorded_at <= self.recorded_until)
        query = query.order_by(EVENTS.c.position)
        return query.limit(limit) if limit is not None else query


@dataclass
class _Pending:
    """The events one append call writes, chained onto the head as they are added."""

    position: int
    hash: str
    recorded_at: datetime
    recorded_by: str
    written: list[RecordedEvent] = field(default_factory=list)
    #: the rows to insert, their JSON columns serialised once for both the hash and the row
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, stream_id: str, version: int, events: Sequence[ValidEvent]
    ) -> list[RecordedEvent]:
        added = []
        for offset, event in enumerate(events, start=1):
            self.position += 1
            fields: dict[str, Any] = {
                "id": event.id or uuid4(),
                "position": self.position,
                "stream_id": stream_id,
                "version": version + offset,
                "type": event.type,
                "schema_version": event.schema_version,
                "occurred_on": event.occurred_on,
                "recorded_at": self.recorded_at,
                "recorded_by": self.recorded_by,
                "restricted": event.restricted,
                "salt": secrets.token_hex(16) if event.restricted else None,
                "note": event.note,
                "disputes": event.disputes,
            }
            sources = tuple(s.to_json() for s in event.sources)
            data_json, sources_json = canonical_value(event.data), canonical_value(list(sources))
            digest = chain(self.hash, _canonical(fields, data_json, sources_json))
            recorded = RecordedEvent(
                **fields, data=event.data, sources=sources, hash=digest, previous_hash=self.hash
            )
            added.append(recorded)
            self.rows.append(_event_to_row(recorded, data_json, sources_json))
            self.hash = digest
        self.written.extend(added)
        return added

    def by_id(self, event_id: UUID) -> RecordedEvent | None:
        return next((e for e in self.written if e.id == event_id), None)


def _validate_at(event: NewEvent, stream_id: str, index: int) -> ValidEvent:
    try:
        return validate_event(event, stream_id)
    except LedgerError as exc:
        if exc.field == ["streamId"]:
            raise
        raise exc.at("events", index) from None


def _retraction_field(field: list[str] | None) -> list[str] | None:
    """Errors of the inner append, re-pointed at retractEvent's own input fields."""
    if field and field[-1] in ("eventId", "reason"):
        return [field[-1]]
    if field and "sources" in field:
        return field[field.index("sources") :]
    return field


def _check_recorder(recorded_by: str) -> None:
    if not recorded_by or len(recorded_by) > 200 or "\x00" in recorded_by:
        raise ValidationError("recordedBy must be 1..200 characters without NUL", ["recordedBy"])


@dataclass(frozen=True)
class _Disputed:
    """What the store knows of an event some new event disputes."""

    type: str
    retracted: bool


def _dispute_targets(
    connection: Connection, checked: Sequence[tuple[StreamBatch, list[ValidEvent]]]
) -> dict[UUID, _Disputed]:
    """The stored events the call's events dispute, in two statements whatever their number."""
    ids = sorted({target for _, valid in checked for event in valid for target in event.disputes})
    if not ids:
        return {}
    retracted = set(
        connection.execute(
            select(EVENTS.c.retracts).where(_one_of(connection, EVENTS.c.retracts, ids))
        ).scalars()
    )
    rows = connection.execute(
        select(EVENTS.c.id, EVENTS.c.type).where(_one_of(connection, EVENTS.c.id, ids))
    )
    return {row.id: _Disputed(row.type, row.id in retracted) for row in rows}


def _check_disputes(
    fresh: Sequence[ValidEvent],
    valid: Sequence[ValidEvent],
    pending: _Pending,
    disputed: dict[UUID, _Disputed],
) -> None:
    """A dispute names a stored (or earlier in this call) account that is not retracted."""
    earlier = {event.id: _Disputed(event.type, False) for event in pending.written}
    retracted = {UUID(e.data["eventId"]) for e in pending.written if e.type == RETRACTION}
    for event in fresh:
        index = list(valid).index(event)
        for number, target_id in enumerate(event.disputes):
            field = ["events", str(index), "disputes", str(number)]
            target = disputed.get(target_id) or earlier.get(target_id)
            if target is None:
                raise NotFound(f"no event with id {target_id} to dispute", field)
            if target.type == RETRACTION:
                raise ValidationError(
                    f"event {target_id} is a retraction, not an account that can be disputed",
                    field,
                )
            if target.retracted or target_id in retracted:
                raise ValidationError(
                    f"event {target_id} is retracted: a retracted account cannot be disputed",
                    field,
                )
        if event.id is not None:
            earlier[event.id] = _Disputed(event.type, False)
        if event.type == RETRACTION:
            retracted.add(UUID(event.data["eventId"]))
