"""The framework floor for bench/serve.py: what strawberry on FastAPI costs with no ledger at all.

A minimal schema answering ``{hello}`` with a constant, and a plain FastAPI ``/healthz``, served
by the same uvicorn settings as the ledger (``uvicorn --factory bench.floor_app:create_floor_app``).
"""

from __future__ import annotations

import strawberry
from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


def create_floor_app() -> FastAPI:
    app = FastAPI()
    app.include_router(GraphQLRouter(strawberry.Schema(query=Query)), prefix="/graphql")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
