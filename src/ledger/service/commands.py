"""What a caller asks the ledger to do, typed once at the edge: each entry point builds one of
these from its own input (GraphQL inputs, REST bodies, CLI arguments, data-set files)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from ledger.domain.new_event import NewEvent
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source
from ledger.domain.visibility import Visibility


@dataclass(frozen=True)
class StreamAppend:
    """Events for one stream, with the version the client last saw (None: no check)."""

    stream_id: str
    events: tuple[NewEvent, ...]
    expected_version: int | None = None


@dataclass(frozen=True)
class AppendEvents:
    """Append to one or more streams in one transaction: every event is stored, or none."""

    streams: tuple[StreamAppend, ...]
    recorded_by: str
    #: what the writer may read (an admin and the command line: everything)
    sees: Visibility = Visibility.FULL

    @classmethod
    def to_stream(
        cls,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        recorded_by: str,
        expected_version: int | None = None,
        sees: Visibility = Visibility.FULL,
    ) -> AppendEvents:
        batch = StreamAppend(stream_id, tuple(events), expected_version)
        return cls((batch,), recorded_by, sees)


@dataclass(frozen=True)
class RetractEvent:
    """Append a retraction of ``event_id`` to that event's own stream."""

    event_id: UUID
    reason: str
    sources: tuple[Source, ...]
    recorded_by: str


@dataclass(frozen=True)
class ImportEvents:
    """Replay exported events as they were (ids, times, recorders): the chain must continue
    the head exactly, hashes included."""

    events: tuple[RecordedEvent, ...]
