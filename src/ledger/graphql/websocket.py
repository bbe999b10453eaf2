"""GraphQL over websockets: graphql-transport-ws only, authenticated by connection_init.

The legacy ``graphql-ws`` subprotocol is not offered (a client asking only for it is closed with
4406), since every maintained client speaks graphql-transport-ws. The bearer token travels in
the ``connection_init`` payload (``{"Authorization": "Bearer …"}``) because browsers cannot set
headers on a websocket; an unknown or revoked token, or none where reads need one, closes the
socket with 4403. Subscriptions are bounded per connection (strawberry's limit, answered with
an error message) and per token (see ``ledger.live.hub``); a connection that holds none for
``ws_idle_seconds`` is closed. Mutations are refused here: writes go over HTTP, where the write
rate limit and the body limit apply.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse
from starlette.concurrency import run_in_threadpool
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.ides import GraphQL_IDE
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types.unset import UNSET, UnsetType

from ledger.config import Settings
from ledger.graphql.context import LedgerContext
from ledger.security.roles import Caller
from ledger.security.tokens import REJECTED, caller_for_authorization
from ledger.web.graphiql import OfflineGraphQLRouter

IDLE_CLOSE = 1000


def _has_mutation(query: object) -> bool:
    if not isinstance(query, str):
        return False
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return False  # strawberry answers the syntax error itself
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
        for d in document.definitions
    )


class LedgerTransportWSHandler(BaseGraphQLTransportWSHandler[LedgerContext, None]):
    async def handle(self) -> None:
        watchdog = asyncio.create_task(self._close_when_idle())
        try:
            await super().handle()
        finally:
            watchdog.cancel()
            with suppress(asyncio.CancelledError):
                await watchdog

    async def _close_when_idle(self) -> None:
        idle: float = getattr(self.view, "ws_idle_seconds", 300.0)
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while True:
            await asyncio.sleep(max(0.05, min(idle / 4, 5.0)))
            if self.operations:
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= idle:
                await self.websocket.close(IDLE_CLOSE, f"idle: no subscription for {idle:g} s")
                return

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload: Any = message.get("payload")
        query = payload.get("query") if isinstance(payload, dict) else None
        if self.connection_acknowledged and _has_mutation(query):
            error = GraphQLError(
                "mutations are not taken over the websocket: send them as an HTTP POST to "
                "/graphql, where the write limits apply",
                extensions={"code": "BAD_REQUEST"},
            )
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        await super().handle_subscribe(message)


class LedgerGraphQLRouter(OfflineGraphQLRouter):
    graphql_transport_ws_handler_class = LedgerTransportWSHandler

    def __init__(
        self,
        schema: BaseSchema,
        *,
        settings: Settings,
        context_getter: Any,
        graphql_ide: GraphQL_IDE | None,
        include_in_schema: bool,
    ) -> None:
        super().__init__(
            schema,
            context_getter=context_getter,
            graphql_ide=graphql_ide,
            include_in_schema=include_in_schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.ws_max_subscriptions_per_connection,
        )
        self.ws_idle_seconds = settings.ws_idle_seconds
        self.read_requires_token = settings.read_requires_token

    async def on_ws_connect(self, context: LedgerContext) -> UnsetType | dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = params.get("Authorization", params.get("authorization"))
        caller: Caller = context.caller
        if isinstance(header, str):
            engine = context.ledger.engine
            caller = await run_in_threadpool(caller_for_authorization, engine, header)
        elif header is not None:
            caller = REJECTED
        if caller.rejected_token:
            raise ConnectionRejectionError({"message": "the bearer token is unknown or revoked"})
        if self.read_requires_token and not caller.is_authenticated:
            raise ConnectionRejectionError({"message": "this deployment needs a bearer token"})
        context.authenticate(caller)
        unset: UnsetType = UNSET
        return unset
