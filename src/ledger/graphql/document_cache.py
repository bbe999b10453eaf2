"""Parsing and validating a query once, not on every request.

Front-ends send the same few documents over and over; graphql-core's validation walked each one
again on every request and was about half the cost of the README's queries. Parsed documents come
from strawberry's ``ParserCache``; validation results are kept here, keyed by the query text and
the variables, because two of the ledger's rules read the variables (the extension keeping them
is :class:`ledger.graphql.limits.CheckedDocuments`) and the depth, alias and token limits are
fixed per schema. Both caches are bounded, so a client sending endless distinct documents only
evicts older entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from graphql import GraphQLError

ENTRIES = 512


class ValidationResults:
    """A bounded least-recently-used map from (query, variables) to validation errors."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self._entries = entries
        self._results: OrderedDict[tuple[str, str], list[GraphQLError]] = OrderedDict()
        self._lock = threading.Lock()  # operations validate on several threads at once

    def get(self, key: tuple[str, str]) -> list[GraphQLError] | None:
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], errors: list[GraphQLError]) -> None:
        with self._lock:
            self._results[key] = errors
            self._results.move_to_end(key)
            while len(self._results) > self._entries:
                self._results.popitem(last=False)
