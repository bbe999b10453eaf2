"""Which errors a client sees verbatim, and how the others are hidden yet traceable.

Errors the client can act on (validation of the document, bad arguments, refusals raised as
GraphQLError or LedgerError) pass through. Anything else is a bug or an outage: its message may
leak internals (SQL, paths), so the client gets a generic message carrying the request id, and
the server log has the traceback under the same id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from ledger.domain.errors import LedgerError
from ledger.graphql.context import LedgerContext
from ledger.graphql.direct_fields import install_direct_resolvers
from ledger.graphql.enum_values import install_enum_names
from ledger.graphql.leaf_fields import leaf_execution, leaf_fields
from ledger.graphql.response_cache import ResponseCache, at_head, document_key
from ledger.graphql.worker import off_the_loop
from ledger.store.engine import request_connection
from ledger.store.failures import UNAVAILABLE_CODE, is_unavailable

logger = logging.getLogger("ledger.graphql")


def is_internal(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | LedgerError)


def _request_id(execution_context: ExecutionContext | None) -> str:
    context: Any = execution_context.context if execution_context is not None else None
    return str(getattr(context, "request_id", "unknown"))


class MaskInternalErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_internal)

    def _process_result(self, result: object) -> None:
        """strawberry's own test, ``isinstance`` of a runtime-checkable Protocol, walks the
        Protocol's members on every request (tens of microseconds); an answer with errors has
        them in ``errors`` all the same."""
        found = getattr(result, "errors", None)
        if found:
            result.errors = self._process_errors(found)  # type: ignore[attr-defined]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = _request_id(self.execution_context)
        original = error.original_error
        if original is not None and is_unavailable(original):
            message = f"The database is not answering; retry later (request id {request_id})."
            code = UNAVAILABLE_CODE
        else:
            message = f"Internal error; quote request id {request_id} when reporting it."
            code = "INTERNAL_SERVER_ERROR"
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code, "requestId": request_id},
        )


class LedgerSchema(Schema):
    """Logs each error once, before masking, with the request id the client was given; executes
    off the server's event loop (:mod:`ledger.graphql.worker`), at most ``threads`` operations at
    once, each holding one pooled connection for all its reads (so the pool is sized to match:
    ``LEDGER_GRAPHQL_THREADS``, ``LEDGER_DB_POOL_SIZE``); answers read-only operations from
    :mod:`ledger.graphql.response_cache` while the ledger's head has not moved. Fields without
    arguments are resolved directly (:mod:`ledger.graphql.direct_fields`), leaf fields completed in
    one step (:mod:`ledger.graphql.leaf_fields`), enum members named from a table
    (:mod:`ledger.graphql.enum_values`)."""

    def __init__(self, *args: Any, threads: int = 8, cache_bytes: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_direct_resolvers(self._schema, self.config.info_class)
        self.execution_context_class = leaf_execution(leaf_fields(self._schema))
        install_enum_names(self._schema)
        self.threads = ThreadPoolExecutor(threads, thread_name_prefix="graphql")
        self.answers = ResponseCache(cache_bytes)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        run = super().execute
        context = context_value if isinstance(context_value, LedgerContext) else None
        ledger = context.ledger if context is not None else None
        key = None
        if context is not None and self.answers.enabled and not operation_extensions:
            key = document_key(query, variable_values, operation_name, context.caller)

        async def work() -> ExecutionResult:
            with request_connection(ledger.engine) if ledger is not None else nullcontext():
                known = None
                if key is not None and context is not None:
                    head, latest_record = context.ledger.store.latest()
                    known = at_head(key, head, latest_record, context.now)
                    kept = self.answers.get(known) if known is not None else None
                    if kept is not None:
                        return kept
                result = await run(
                    query,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    allowed_operation_types,
                    operation_extensions,
                )
                if known is not None:
                    self.answers.put(known, result)
                return result

        return await off_the_loop(work, self.threads)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        request_id = _request_id(execution_context)
        for error in errors:
            if is_internal(error):
                original = error.original_error
                logger.error(
                    "internal error in GraphQL request %s at %s",
                    request_id,
                    error.path,
                    exc_info=(type(original), original, original.__traceback__)
                    if original is not None
                    else None,
                )
            else:
                logger.info("GraphQL request %s refused: %s", request_id, error.message)
