"""A point on both time axes: the state of the world at the end of ``as_of`` (valid time), as the
ledger knew it at ``known_at`` (record time). ``None`` means today / now, resolved per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True, slots=True)
class TimePoint:
    as_of: date | None = None
    known_at: datetime | None = None

    def resolved(self, now: datetime | None = None) -> TimePoint:
        """Both axes made explicit, so one request answers from one consistent point."""
        instant = now or datetime.now(UTC)
        return TimePoint(
            as_of=self.as_of if self.as_of is not None else instant.date(),
            known_at=self.known_at if self.known_at is not None else instant,
        )
