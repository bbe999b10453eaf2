"""The point an object was answered at, as every resolver below a root field sees it."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.time_point import TimePoint


@dataclass(frozen=True, slots=True)
class Point:
    """``at`` has both axes resolved (what every lookup uses); ``scope`` keeps only the axes the
    query gave (what ids carry), so refetching an id answers at the same point, and an object
    answered at today/now keeps one id while it is current."""

    at: TimePoint
    scope: TimePoint

    @property
    def of_events(self) -> TimePoint:
        """An event's fields depend on knownAt only (its retraction), so its id carries no asOf:
        the same event reached at two dates is one object."""
        return TimePoint(None, self.scope.known_at)
