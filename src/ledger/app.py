"""The FastAPI application factory: one app, GraphQL at /graphql, REST under /v1, /healthz, the
explorer at /explore; API docs (/docs, /redoc) from fastapi-offline's bundled files, no CDN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from ledger import __version__
from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.graphql.errors import LedgerSchema
from ledger.graphql.schema import graphql_router
from ledger.http import health
from ledger.http.methods import MethodsMiddleware
from ledger.live.hub import FeedHub
from ledger.rest import install as install_rest
from ledger.security.middleware import install_security
from ledger.web import install as install_web


def create_app(settings: Settings | None = None, ledger: Ledger | None = None) -> FastAPI:
    ledger = ledger or build_ledger(settings)
    hub = FeedHub(ledger)
    graphql = graphql_router(ledger.settings)
    schema = graphql.schema
    assert isinstance(schema, LedgerSchema)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await hub.close()
        await schema.close()

    app: FastAPI = FastAPIOffline(
        lifespan=lifespan,
        redoc_url=None,  # ledger.web serves it, under a stricter policy
        title="Ledger",
        version=__version__,
        description=(
            "An event-sourced, bitemporal record of human-rights accountability: every change an"
            " immutable, sourced event; state as of any date and as known at any instant."
        ),
    )
    app.state.ledger = ledger
    app.add_middleware(MethodsMiddleware, router=app.router)  # inside the gate: HEAD is a read
    app.state.feed_hub = hub
    install_security(app, ledger)
    app.include_router(health.router)
    # before the REST routes: /graphql is what front-ends call most, and a request is matched
    # against the routes in order (no path of one is a path of the other)
    app.include_router(graphql, prefix="/graphql")
    install_rest(app)
    install_web(app)
    return app
