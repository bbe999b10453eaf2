"""The GraphQL endpoint, whose malformed HTTP requests are problem documents like every other
HTTP error of the app (strawberry answers them as plain text).

A request that reaches GraphQL (a syntax error in the document, an unknown field) is answered
the GraphQL way, ``errors`` in the response; only what is not a GraphQL request at all (a body
that is not JSON, no query, an unsupported method or media type) becomes a problem.

Answers are encoded by orjson (compact: the same JSON as strawberry's ``json.dumps`` with its
separators, in a fraction of the time), or by ``json.dumps`` where orjson refuses a value (an
integer past 64 bits, which an event's data may hold). An HTTP answer's body is orjson's bytes
as they are; a websocket message is text (``encode_json``): one encoded as bytes is sent as a
binary frame, and graphql-ws clients read only text frames.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from cross_web import HTTPException
from fastapi import Response
from starlette.requests import Request
from strawberry.http import GraphQLHTTPResponse

from ledger.graphql.websocket import LedgerGraphQLRouter
from ledger.rest.problems import problem

_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def json_bytes(data: object) -> bytes:
    """``data`` as compact JSON in UTF-8."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, separators=(",", ":")).encode()


class ProblemGraphQLRouter(LedgerGraphQLRouter):
    def encode_json(self, data: object) -> str:
        return json_bytes(data).decode()

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """strawberry's response, its body the encoder's bytes: through ``encode_json``'s text
        they were decoded and then encoded again, ~95,000 instructions for the README's person
        answer (its Cyrillic aliases make the text two bytes a character)."""
        response = Response(
            json_bytes(response_data),
            media_type="application/json",
            status_code=sub_response.status_code or 200,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            if not isinstance(request, Request):  # a WebSocket: the protocol says how to fail
                raise
            return problem(exc.status_code, exc.reason, _CODES.get(exc.status_code, "BAD_REQUEST"))
