"""Which errors a client sees verbatim, and how the others are hidden yet traceable.

Errors the client can act on (validation of the document, bad arguments, refusals raised as
GraphQLError or LedgerError) pass through. Anything else is a bug or an outage: its message may
leak internals (SQL, paths), so the client gets a generic message carrying the request id, and
the server log has the traceback under the same id.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from ledger.domain.errors import LedgerError

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

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = _request_id(self.execution_context)
        return GraphQLError(
            message=f"Internal error; quote request id {request_id} when reporting it.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


class LedgerSchema(Schema):
    """Logs each error once, before masking, with the request id the client was given."""

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
