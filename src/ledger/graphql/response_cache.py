"""Answers to read-only GraphQL operations, kept while nothing they depend on can have changed.

A served answer is a pure function of: the document, its variables and operation name; the
caller's role and visibility (restricted data is withheld below admin); the events the ledger
held (its head position — projections are written in the append's own transaction, so they
change only with it); and the request's clock, through the defaults ``asOf`` = today and
``knownAt`` = now. The key holds all of them, with the head read afresh for every request, so an
append anywhere (any process, same database) makes every older entry unreachable.

The clock is handled by never caching what could tell two instants of one day apart:

* a document with a ``knownAt`` argument or input field anywhere is not cached (a ``knownAt``
  later than now is clamped to the request's clock in the ids it answers);
* ``knownAt`` left to default means "every event recorded by now": that set equals "every event
  up to the head" only once no event carries a record time later than now (another process's
  clock may run ahead), so an answer is kept only when the latest record time is not after the
  request's clock;
* ``asOf`` left to default is today (UTC): the day is part of the key.

Not cached: mutations and subscriptions (a document defining any), answers with errors, answers
larger than an eighth of the budget, documents longer than :data:`MAX_DOCUMENT_CHARS`. The cache
is bounded in bytes of encoded answers (least recently used go first);
``LEDGER_GRAPHQL_CACHE_BYTES=0`` turns it off.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from graphql import (
    BREAK,
    ArgumentNode,
    GraphQLError,
    ObjectFieldNode,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    parse,
    visit,
)
from strawberry.types import ExecutionResult

from ledger.security.roles import Caller

#: Longer documents are executed every time (their parse is not worth remembering either).
MAX_DOCUMENT_CHARS = 8192
#: The argument (and input field) whose presence keeps an answer out of the cache.
KNOWN_AT = "knownAt"


@dataclass(frozen=True)
class Key:
    query: str
    variables: str
    operation_name: str | None
    role: str | None
    visibility: str
    head: int
    today: date


class _CacheableVisitor(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.cacheable = True

    def _refuse(self) -> Any:
        self.cacheable = False
        return BREAK

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
        return None if node.operation is OperationType.QUERY else self._refuse()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
        return self._refuse() if node.name.value == KNOWN_AT else None

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> Any:
        return self._refuse() if node.name.value == KNOWN_AT else None


@lru_cache(maxsize=512)
def cacheable_document(query: str) -> bool:
    """Defines queries only, and names no ``knownAt`` anywhere (fragments included)."""
    try:
        document = parse(query, no_location=True, max_tokens=10_000)
    except (GraphQLError, RecursionError):
        return False
    visitor = _CacheableVisitor()
    visit(document, visitor)
    return visitor.cacheable


def document_key(
    query: str | None,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    caller: Caller,
) -> Key | None:
    """The key without the head and the day (read later, next to the data), or None when the
    operation is not to be cached at all."""
    if query is None or len(query) > MAX_DOCUMENT_CHARS or not cacheable_document(query):
        return None
    try:
        encoded = json.dumps(variables or {}, sort_keys=True)
    except (TypeError, ValueError):
        return None
    role = caller.role.value if caller.role is not None else None
    return Key(query, encoded, operation_name, role, caller.visibility.value, 0, date.min)


def at_head(key: Key, head: int, latest_record: datetime | None, now: datetime) -> Key | None:
    """The full key at the ledger's head, or None when an event carries a record time later
    than the request's clock (then "known now" is not yet "everything up to the head")."""
    if latest_record is not None and latest_record > now:
        return None
    return Key(
        key.query,
        key.variables,
        key.operation_name,
        key.role,
        key.visibility,
        head,
        now.date(),
    )


class ResponseCache:
    """Least recently used answers, bounded by the size of their JSON encoding. An answer is
    kept encoded (its exact size, and nothing shared between requests) and decoded per hit."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, tuple[str, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # operations run on several threads

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Key) -> ExecutionResult | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return ExecutionResult(data=json.loads(found[0]), errors=None)

    def put(self, key: Key, result: ExecutionResult) -> None:
        """Keeps ``result`` if it is a clean answer (data, no errors) small enough."""
        if result.errors or result.data is None or result.extensions:
            return
        encoded = json.dumps(result.data)
        size = len(encoded) + len(key.query) + len(key.variables)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (encoded, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    def __len__(self) -> int:
        return len(self._entries)
