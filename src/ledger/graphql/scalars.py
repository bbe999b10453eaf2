"""Date and DateTime as the contract means them.

A knownAt without an offset would be read in the server's zone and silently shift the record-time
axis, so DateTime refuses naive instants instead of guessing. Parse failures are GraphQLErrors
(not ValueErrors) so they reach the client unmasked, and the same parsers feed the validation
rule that names the offending argument.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Any

from graphql import GraphQLError, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition, scalar

_DAY_SHAPE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: object) -> date:
    if not isinstance(text, str):
        raise ValueError(f"expected a date string like '2019-12-27', got {text!r}")
    shape = _DAY_SHAPE.match(text)
    if shape is None:
        raise ValueError(f"'{text}' is not a date: use YYYY-MM-DD, e.g. 2019-12-27")
    year, month, day = (int(part) for part in shape.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}': month {month} does not exist")
    if year == 0 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"'{text}': that day does not exist")
    return date(year, month, day)


def parse_instant(text: object) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"expected an instant like '2026-11-24T10:15:00+00:00', got {text!r}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not an ISO 8601 instant: use e.g. 2026-11-24T10:15:00+00:00"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"'{text}' has no UTC offset: add one, e.g. +00:00 or Z")
    return value


def _public(parser: Any) -> Any:
    def parse(value: object) -> Any:
        try:
            return parser(value)
        except ValueError as exc:
            raise GraphQLError(str(exc)) from None

    return parse


def _literal(parser: Any) -> Any:
    def parse(node: ValueNode, _variables: dict[str, Any] | None = None) -> Any:
        if not isinstance(node, StringValueNode):
            raise GraphQLError("expected a string")
        return _public(parser)(node.value)

    return parse


def _iso(value: date | datetime) -> str:
    return value.isoformat()


DATE: ScalarDefinition = scalar(
    name="Date",
    description="Calendar date, ISO 8601: 2019-12-27.",
    serialize=_iso,
    parse_value=_public(parse_date),
    parse_literal=_literal(parse_date),
)

DATE_TIME: ScalarDefinition = scalar(
    name="DateTime",
    description="Instant, ISO 8601 with offset: 2026-11-24T10:15:00+00:00.",
    serialize=_iso,
    parse_value=_public(parse_instant),
    parse_literal=_literal(parse_instant),
)

SCALAR_MAP: dict[object, ScalarDefinition] = {date: DATE, datetime: DATE_TIME}

#: which parser checks an argument of each of these scalar types
TIME_PARSERS: dict[str, Any] = {"Date": parse_date, "DateTime": parse_instant}
