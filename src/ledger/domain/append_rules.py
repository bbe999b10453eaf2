"""The rules an append must pass, as pure functions: what the store holds is passed in.

``ledger.service`` calls them in order inside its write transaction, handing over what it read
(stored events by id, stream versions) or a lookup function; here nothing touches a database,
so each rule is tested on its own. A rule that refuses raises a ``LedgerError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast
from uuid import UUID

from ledger.domain.errors import IdConflict, LedgerError, NotFound, ValidationError, VersionConflict
from ledger.domain.event_types import RETRACTION, ImplementationAssessed, RecommendationIssued
from ledger.domain.new_event import NewEvent, ValidEvent, validate_event
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.visibility import Visibility

Lookup = Callable[[UUID], RecordedEvent | None]


def check_recorder(recorded_by: str) -> None:
    if not recorded_by or len(recorded_by) > 200 or "\x00" in recorded_by:
        raise ValidationError("recordedBy must be 1..200 characters without NUL", ["recordedBy"])


def validate_stream(
    stream_id: str, events: Sequence[NewEvent], expected_version: int | None
) -> list[ValidEvent]:
    """Every event of one stream's batch against its schema; errors point at ``events.N``."""
    if not events:
        raise ValidationError("at least one event is required", ["events"])
    if expected_version is not None and expected_version < 0:
        raise ValidationError("expectedVersion must be 0 or more", ["expectedVersion"])
    valid: list[ValidEvent] = []
    try:
        for event in events:
            valid.append(validate_event(event, stream_id))
    except LedgerError as exc:
        if exc.field == ["streamId"]:
            raise
        raise exc.at("events", len(valid)) from None  # the events before it passed
    return valid


def check_distinct_ids(events: Iterable[ValidEvent]) -> list[UUID]:
    """The client-chosen ids of one call, each at most once; returns them."""
    ids = [event.id for event in events if event.id is not None]
    # Told apart by their numbers: a UUID's own hash is Python code, its number's is not.
    if len(ids) != len({event_id.int for event_id in ids}):
        raise ValidationError("the same event id appears twice in one call", ["events"])
    return ids


def same_content(stored: RecordedEvent, stream_id: str, event: ValidEvent) -> bool:
    """Whether a retry carries exactly what was stored under its id."""
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


def fresh_events(
    stream_id: str,
    events: Sequence[ValidEvent],
    stored: Mapping[UUID, RecordedEvent],
    *,
    recorded_by: str,
    sees: Visibility = Visibility.FULL,
) -> list[ValidEvent]:
    """Idempotency: the events not yet stored. An id stored with the same content is a retry
    and stores nothing; with other content it is refused, so a retry can never hide a change.

    No guess oracle: ``sees`` is what the writer may read. A re-sent id of a restricted event
    that this writer may not read (not an admin, not its own recorder) is refused whatever its
    content, with the same words, so a writer cannot confirm a guess of the withheld content.
    """
    if not stored:  # the common case: no id of the call is stored yet
        return list(events)
    fresh: list[ValidEvent] = []
    for index, event in enumerate(events):
        existing = stored.get(event.id) if event.id is not None else None
        if existing is None:
            fresh.append(event)
        elif not sees.shows(existing) and existing.recorded_by != recorded_by:
            raise IdConflict(
                f"event id {existing.id} is already stored, as a restricted event whose content"
                " this caller may not read; a re-send cannot be compared with it. It is stored:"
                f" read stream '{existing.stream_id}' to see it",
                ["events", index, "id"],
            )
        elif not same_content(existing, stream_id, event):
            raise IdConflict(
                f"event id {event.id} is already stored with other content"
                f" (stream '{existing.stream_id}', version {existing.version})",
                ["events", index, "id"],
            )
    return fresh


def check_version(stream_id: str, expected: int | None, current: int) -> None:
    if expected is not None and expected != current:
        raise VersionConflict(
            f"stream '{stream_id}' is at version {current}, not {expected}",
            ["expectedVersion"],
            current_version=current,
        )


#: How many missing person ids a refusal lists (it says how many there are in all).
_LISTED = 10


def check_named_persons(
    batches: Sequence[tuple[str, Sequence[ValidEvent]]],
    stored: Mapping[UUID, RecordedEvent],
    existing: Callable[[list[str]], set[str]],
) -> None:
    """A recommendation, or an assessment of it, may name only persons the ledger holds, or
    that this call stores: a reference to nobody would show up as a link to an empty person.
    ``existing`` tells which of the given stream ids hold events."""
    appended_here = {stream_id for stream_id, _ in batches}
    naming: list[tuple[list[str | int], list[str]]] = []
    for _, valid in batches:
        for index, event in enumerate(valid):
            # By the payload's exact type (no model of the catalogue is subclassed): isinstance
            # of a pydantic model looks up and calls its metaclass's __instancecheck__, 2,000
            # instructions an event for the two tests, to find the few events naming persons.
            payload = event.payload
            kind = type(payload)
            if kind is RecommendationIssued:
                key, persons = "personIds", cast(RecommendationIssued, payload).person_ids
            elif kind is ImplementationAssessed:
                assessed = cast(ImplementationAssessed, payload)
                key, persons = "mentionedPersonIds", assessed.mentioned_person_ids or []
            else:
                continue
            if event.id is not None and event.id in stored:
                continue
            named = [p for p in persons if p not in appended_here]
            if named:
                naming.append((["events", index, "data", key], named))
    if not naming:
        return
    known = existing(sorted({person for _, named in naming for person in named}))
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


def check_retractions(
    stream_id: str,
    fresh: Sequence[ValidEvent],
    events: Sequence[ValidEvent],
    *,
    find: Lookup,
    retraction_of: Callable[[UUID], UUID | None],
    targeted: set[UUID],
) -> None:
    """A retraction names an existing, unretracted, non-retraction event of its own stream.

    ``find`` looks an event up (stored, or appended earlier in this call), ``retraction_of``
    the stored retraction of an event; ``targeted`` collects the events this call retracts, so
    one call cannot retract an event twice. An event may be retracted in the call appending it.
    """
    if not any(event.type == RETRACTION for event in fresh):
        return  # the common case: nothing to check, nothing to note in ``targeted``
    earlier: dict[UUID, str] = {}  # ids appended earlier in this very batch -> their type
    for event in fresh:
        if event.id is not None:
            earlier[event.id] = event.type
        if event.type != RETRACTION:
            continue
        index = next(number for number, item in enumerate(events) if item is event)
        field = ["events", str(index), "data", "eventId"]
        target_id = UUID(event.data["eventId"])
        if target_id in targeted:
            raise ValidationError(f"event {target_id} is retracted twice in one call", field)
        targeted.add(target_id)
        if earlier.get(target_id) not in (None, RETRACTION):
            continue  # retracted in the very call that appends it
        target = find(target_id)
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
        already = retraction_of(target_id)
        if already is not None:
            raise ValidationError(f"event {target_id} is already retracted (by {already})", field)


def check_disputes(
    fresh: Sequence[ValidEvent],
    events: Sequence[ValidEvent],
    *,
    stored: Mapping[UUID, tuple[str, bool]],
    earlier: Sequence[RecordedEvent],
) -> None:
    """A dispute names a stored (or earlier in this call) account that is not retracted.

    ``stored``: the disputed events the store holds, each with its type and whether it is
    retracted; ``earlier``: the events this call recorded before these."""
    if not any(event.disputes for event in fresh):
        return  # the common case: nothing to look up, whatever this call recorded before
    known = {event.id: (event.type, False) for event in earlier}
    retracted = {gone for e in earlier if (gone := e.retracts) is not None}
    indexes = {id(event): index for index, event in enumerate(events)}
    for event in fresh:
        index = indexes[id(event)]
        for number, target_id in enumerate(event.disputes):
            field = ["events", str(index), "disputes", str(number)]
            target = stored.get(target_id) or known.get(target_id)
            if target is None:
                raise NotFound(f"no event with id {target_id} to dispute", field)
            target_type, target_retracted = target
            if target_type == RETRACTION:
                raise ValidationError(
                    f"event {target_id} is a retraction, not an account that can be disputed",
                    field,
                )
            if target_retracted or target_id in retracted:
                raise ValidationError(
                    f"event {target_id} is retracted: a retracted account cannot be disputed",
                    field,
                )
        if event.id is not None:
            known[event.id] = (event.type, False)
        if event.type == RETRACTION:
            retracted.add(UUID(event.data["eventId"]))


def retraction_field(field: list[str] | None) -> list[str] | None:
    """Errors of a retraction's append, re-pointed at the retraction's own input fields."""
    if field and field[-1] in ("eventId", "reason"):
        return [field[-1]]
    if field and "sources" in field:
        return field[field.index("sources") :]
    return field
