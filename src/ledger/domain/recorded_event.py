"""An event as the ledger stored it: positioned, timestamped by the server and hash-chained."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID

from ledger.domain.catalogue import model_for, upcast
from ledger.domain.event_types import RETRACTION
from ledger.domain.partial_date import PartialDate


class RecordedEvent(NamedTuple):
    """One stored event. A named tuple, immutable like a frozen dataclass but built in a sixth
    of its time (a frozen dataclass sets each of its seventeen fields through
    ``object.__setattr__``): one is built for every event appended and every row read back.
    A changed copy is ``event._replace(field=value)``."""

    id: UUID
    position: int
    stream_id: str
    version: int
    type: str
    schema_version: int
    occurred_on: PartialDate | None
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]
    sources: tuple[dict[str, Any], ...]
    hash: str
    previous_hash: str
    restricted: bool = False
    #: random hex hashed with a restricted event; withheld from whoever may not see its data
    salt: str | None = None
    #: the recorder's reasoning (why this date, which reading of the source), seen by every reader
    note: str | None = None
    #: ids of stored events this one contradicts (another source's account of the same fact)
    disputes: tuple[UUID, ...] = ()

    @property
    def current_data(self) -> dict[str, Any]:
        """The data at the type's current schema version (stored data is never rewritten)."""
        return upcast(self.type, self.schema_version, self.data)

    @property
    def current_schema_version(self) -> int:
        return model_for(self.type).schema_version

    @property
    def retracts(self) -> UUID | None:
        """The event this one retracts, if it is a retraction; None for any other event."""
        return UUID(self.data["eventId"]) if self.type == RETRACTION else None

    @property
    def latest(self) -> date | None:
        """The last day it can mean as a sort bound (an open end: ``date.max``); None: undated."""
        return self.occurred_on.last_day if self.occurred_on else None

    @property
    def earliest(self) -> date | None:
        """The first day it can mean as a sort bound (an open start: ``date.min``)."""
        return self.occurred_on.first_day if self.occurred_on else None

    def fold_key(self) -> tuple[int, date, date, int]:
        """``fold_order`` of the event, read from its date's sort bounds directly (a date has
        both, ``date.min``/``date.max`` for open ends): re-folds sort by it at every append."""
        occurred = self.occurred_on
        if occurred is None:
            return fold_order(None, None, self.position)
        return (1, occurred.last_day, occurred.first_day, self.position)


def fold_order(
    latest: date | None, earliest: date | None, position: int
) -> tuple[int, date, date, int]:
    """The contract's fold order: undated first, then (latest, earliest, position)."""
    if latest is None or earliest is None:
        return (0, date.min, date.min, position)
    return (1, latest, earliest, position)
