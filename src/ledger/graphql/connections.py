"""Cursor pagination shared by every connection: the `first` bound and PageInfo.

`first` above the bound is an error rather than a silent cap: a client that asked for 500 and got
100 would believe it had everything.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date

import strawberry
from graphql import GraphQLError

from ledger.graphql.ids import decode_cursor, encode_cursor
from ledger.readmodel.api import FoldKey

DEFAULT_FIRST = 20
MAX_FIRST = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def check_first(first: int | None) -> int:
    if first is None:
        return DEFAULT_FIRST
    if not 0 <= first <= MAX_FIRST:
        raise GraphQLError(
            f"argument 'first' must be between 0 and {MAX_FIRST}, got {first}",
            extensions={"code": "BAD_USER_INPUT", "argument": "first"},
        )
    return first


@dataclass(frozen=True)
class OffsetWindow:
    """A page of an ordered list addressed by position in that list (persons, recommendations):
    cursors carry the index, so they stay valid while the list at a fixed (asOf, knownAt) point
    does not change."""

    kind: str
    offset: int
    limit: int

    @classmethod
    def of(cls, kind: str, first: int | None, after: str | None) -> OffsetWindow:
        limit = check_first(first)
        offset = decode_cursor(after, kind) + 1 if after is not None else 0
        return cls(kind, offset, limit)

    def cursor(self, index_in_page: int) -> str:
        return encode_cursor(self.kind, self.offset + index_in_page)

    def page_info(self, count_in_page: int, total_count: int) -> PageInfo:
        return PageInfo(
            has_next_page=self.offset + count_in_page < total_count,
            has_previous_page=self.offset > 0,
            start_cursor=self.cursor(0) if count_in_page else None,
            end_cursor=self.cursor(count_in_page - 1) if count_in_page else None,
        )


def encode_fold_cursor(key: FoldKey) -> str:
    """A stream's events are paged by their place in fold order, which the cursor carries."""
    text = (
        f"fold:{int(key.dated)}:{key.latest.isoformat()}:{key.earliest.isoformat()}:{key.position}"
    )
    return base64.b64encode(text.encode()).decode()


def decode_fold_cursor(value: str, argument: str = "after") -> FoldKey:
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
        kind, dated, latest, earliest, position = text.split(":")
        if kind != "fold" or dated not in ("0", "1") or int(position) < 0:
            raise ValueError
        return FoldKey(
            dated == "1", date.fromisoformat(latest), date.fromisoformat(earliest), int(position)
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise GraphQLError(
            f"argument '{argument}' is not a cursor of this list: '{value}'",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        ) from None
