"""Parsing and validating a query once, not on every request.

Front-ends send the same few documents over and over; graphql-core's validation walked each one
again on every request and was about half the cost of the README's queries. Parsed documents come
from strawberry's ``ParserCache``; validation results are kept here, keyed by the query text and
the variables, because two of the ledger's rules read the variables (see
:mod:`ledger.graphql.limits`) and the depth, alias and token limits are fixed per schema. Both
caches are bounded, so a client sending endless distinct documents only evicts older entries.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

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


def validated_once(results: ValidationResults) -> type[SchemaExtension]:
    """An extension class answering validation from ``results`` (one per schema)."""

    class ValidatedOnce(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            # refused already (by the document bounds, which run first), or nothing to validate
            if (
                context.pre_execution_errors is not None
                or context.query is None
                or context.graphql_document is None
            ):
                yield
                return
            try:
                variables = json.dumps(context.variables or {}, sort_keys=True)
            except (TypeError, ValueError):  # not JSON: validate as usual, keep nothing
                yield
                return
            key = (context.query, variables)
            errors = results.get(key)
            if errors is None:
                errors = validate_document(
                    context.schema._schema, context.graphql_document, context.validation_rules
                )
                results.put(key, errors)
            context.pre_execution_errors = errors
            yield

    return ValidatedOnce
