"""Dates as precise as their source: a day, a month, a year, or an interval between them.

A report says "27 December 2019", "December 2019", "in 2019", "between 2019 and 2020", "by the
time of the report" or "13 years ago". Storing any of them as a day would invent precision, so a
partial date keeps what the source said — a strict subset of EDTF level 1:

* ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (YEAR, MONTH, DAY);
* ``A/B`` with partial ends (RANGE), ``../B`` (on or before B), ``A/..`` (on or after A);
* a trailing ``~`` (approximate) or ``?`` (uncertain) on a single date.

``earliest`` and ``latest`` are the first and last calendar day it can mean, ``None`` for an
open start or end. The contract orders events by (latest, earliest): a fact certainly happened
by its latest day; an open end sorts last and an open start first (``first_day``/``last_day``
give those sort bounds as dates).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache, total_ordering

from ledger.domain.errors import ValidationError


class Precision(StrEnum):
    DAY = "DAY"
    MONTH = "MONTH"
    YEAR = "YEAR"
    #: an interval between two partial dates, either end open
    RANGE = "RANGE"


_CALENDAR = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")
_OPEN = ".."
_APPROXIMATE = "~"
_UNCERTAIN = "?"
_SYNTAX = (
    "use 'YYYY', 'YYYY-MM', 'YYYY-MM-DD', an interval 'A/B' of those, '../B' (on or before),"
    " 'A/..' (on or after), or one trailing '~' (approximate) or '?' (uncertain) on a single date"
)


@lru_cache(maxsize=8192)
def _latest_day(year: int, month: int | None, day: int | None) -> date:
    """Cached: folds and projections ask every event's latest day again and again."""
    if month is None:
        return date(year, 12, 31)
    if day is None:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True, slots=True)
class CalendarDate:
    """One calendar day, month or year: an end of a partial date."""

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
    def parse(cls, text: str, whole: str) -> CalendarDate:
        match = _CALENDAR.match(text)
        if match is None:
            raise ValidationError(f"'{whole}' is not a partial date: {_SYNTAX}")
        month, day = match["month"], match["day"]
        return cls(int(match["year"]), int(month) if month else None, int(day) if day else None)

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


@total_ordering
@dataclass(frozen=True, slots=True)
class PartialDate:
    """A single calendar date (``start is end``) or an interval (``interval``), either end open
    (``None``); single dates may be approximate (``~``) or uncertain (``?``)."""

    start: CalendarDate | None
    end: CalendarDate | None
    interval: bool = False
    approximate: bool = False
    uncertain: bool = False
    #: the sort bounds and the text, computed once: folds and projections ask for them again
    #: and again (a parsed date is shared, ``_parse`` is cached)
    first_day: date = field(init=False, repr=False, compare=False)
    last_day: date = field(init=False, repr=False, compare=False)
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check()
        # ``earliest``/``latest`` as sort bounds: an open start is the first day there is, an
        # open end the last
        first = self.start.earliest if self.start is not None else date.min
        object.__setattr__(self, "first_day", first)
        object.__setattr__(self, "last_day", self.end.latest if self.end is not None else date.max)
        object.__setattr__(self, "text", self._text())

    def _check(self) -> None:
        if self.start is None and self.end is None:
            raise ValidationError("an interval needs at least one end: '../..' says nothing")
        if not self.interval and self.start != self.end:
            raise ValidationError("a single date has one value")
        if self.interval and (self.approximate or self.uncertain):
            raise ValidationError("'~' and '?' qualify a single date, not an interval")
        if self.approximate and self.uncertain:
            raise ValidationError("a date is either approximate '~' or uncertain '?', not both")
        if (
            self.start is not None
            and self.end is not None
            and self.start.earliest > self.end.latest
        ):
            raise ValidationError(
                f"the interval starts ({self.start.text}) after it ends ({self.end.text})"
            )

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> PartialDate:
        """A single calendar date: ``of(2019)``, ``of(2019, 12)``, ``of(2019, 12, 27)``."""
        value = CalendarDate(year, month, day)
        return cls(value, value)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse the subset of EDTF above; anything else is refused with the reason."""
        if not isinstance(text, str):
            raise ValidationError(f"expected a date string like '2019-12-27', got {text!r}")
        return _parse(text.strip())

    @classmethod
    def from_date(cls, value: date) -> PartialDate:
        return cls.of(value.year, value.month, value.day)

    @property
    def precision(self) -> Precision:
        if self.interval or self.start is None:
            return Precision.RANGE
        return self.start.precision

    @property
    def earliest(self) -> date | None:
        """The first day it can mean; ``None`` when the start is open."""
        return self.start.earliest if self.start is not None else None

    @property
    def latest(self) -> date | None:
        """The last day it can mean; ``None`` when the end is open."""
        return self.end.latest if self.end is not None else None

    def _text(self) -> str:
        if self.interval:
            first = self.start.text if self.start is not None else _OPEN
            last = self.end.text if self.end is not None else _OPEN
            return f"{first}/{last}"
        assert self.start is not None
        suffix = _APPROXIMATE if self.approximate else _UNCERTAIN if self.uncertain else ""
        return self.start.text + suffix

    def sort_key(self) -> tuple[date, date]:
        return (self.last_day, self.first_day)

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


@lru_cache(maxsize=8192)
def _parse(text: str) -> PartialDate:
    """Cached: stored events' dates are parsed on every read."""
    if "/" in text:
        first, _, last = text.partition("/")
        if "/" in last:
            raise ValidationError(f"'{text}' is not a partial date: an interval has one '/'")
        start = None if first == _OPEN else CalendarDate.parse(first, text)
        end = None if last == _OPEN else CalendarDate.parse(last, text)
        return PartialDate(start, end, interval=True)
    approximate = text.endswith(_APPROXIMATE)
    uncertain = text.endswith(_UNCERTAIN)
    core = text[:-1] if approximate or uncertain else text
    if core.endswith((_APPROXIMATE, _UNCERTAIN)):
        raise ValidationError(f"'{text}' is not a partial date: at most one qualifier, '~' or '?'")
    value = CalendarDate.parse(core, text)
    return PartialDate(value, value, approximate=approximate, uncertain=uncertain)
