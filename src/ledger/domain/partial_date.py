"""Dates as precise as their source: a day, a month or a year.

A report says "27 December 2019", "December 2019" or "in 2019". Storing all three as a day would
invent precision, so a partial date keeps its precision and exposes the first (``earliest``) and
last (``latest``) calendar day it can mean. The contract orders events by (latest, earliest): a
fact certainly happened by its latest day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache, total_ordering

from ledger.domain.errors import ValidationError


class Precision(StrEnum):
    DAY = "DAY"
    MONTH = "MONTH"
    YEAR = "YEAR"


_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")


@lru_cache(maxsize=8192)
def _latest_day(year: int, month: int | None, day: int | None) -> date:
    """Cached: folds and projections ask every event's latest day again and again."""
    if month is None:
        return date(year, 12, 31)
    if day is None:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@total_ordering
@dataclass(frozen=True, slots=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValidationError(f"year {self.year} is out of range 1..9999")
        if self.day is not None and self.month is None:
            raise ValidationError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValidationError(f"month {self.month} does not exist")
        if self.day is not None and self.month is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise ValidationError(
                    f"day {self.day} does not exist in {self.year:04d}-{self.month:02d}"
                    f" (it has {last} days)"
                )

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'; anything else is refused with the reason."""
        if not isinstance(text, str):
            raise ValidationError(f"expected a date string like '2019-12-27', got {text!r}")
        match = _PATTERN.match(text.strip())
        if match is None:
            raise ValidationError(
                f"'{text}' is not a partial date: use 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'"
            )
        month = match["month"]
        day = match["day"]
        return cls(int(match["year"]), int(month) if month else None, int(day) if day else None)

    @classmethod
    def from_date(cls, value: date) -> PartialDate:
        return cls(value.year, value.month, value.day)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def earliest(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        return _latest_day(self.year, self.month, self.day)

    @property
    def text(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def sort_key(self) -> tuple[date, date]:
        return (self.latest, self.earliest)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        return self.text

    def to_json(self) -> str:
        return self.text

    @classmethod
    def from_json(cls, value: str) -> PartialDate:
        return cls.parse(value)
