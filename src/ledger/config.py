"""Settings from the environment (``LEDGER_*``); the composition root takes them as one object."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///ledger.db",
        description="SQLAlchemy URL of the store; PostgreSQL: postgresql+psycopg://user@host/db",
    )
    read_requires_token: bool = Field(
        default=False, description="every read needs at least a reader token"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="front-end origins allowed, comma-separated (https://app.example.org)",
    )
    max_body_bytes: int = Field(default=1_000_000, description="larger request bodies get 413")
    write_rate_per_minute: int = Field(
        default=120, description="writes per token per minute (per process); 0: no limit"
    )
    ws_max_subscriptions_per_connection: int = Field(
        default=20, description="live subscriptions one websocket may hold at once"
    )
    ws_max_subscriptions_per_token: int = Field(
        default=100,
        description="live subscriptions one token (anonymous: one client address) may hold at "
        "once, per server process",
    )
    ws_idle_seconds: float = Field(
        default=300, description="a websocket holding no subscription this long is closed"
    )
    subscription_poll_seconds: float = Field(
        default=5,
        description="subscribers re-read the feed at least this often, even without a "
        "notification (the safety net for a lost one)",
    )
    graphql_threads: int = Field(
        default=8,
        ge=1,
        description="GraphQL operations executing at once in each server process (each holds"
        " one database connection); more requests wait their turn",
    )
    graphql_cache_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="bytes of read-only GraphQL answers each process keeps, keyed on the"
        " document, variables, caller's role and the ledger's head (see"
        " ledger.graphql.response_cache); 0: no cache",
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        description="database connections each process keeps open: graphql_threads plus a few"
        " for REST routes and /healthz",
    )
    db_max_overflow: int = Field(
        default=5, ge=0, description="connections a process may open above db_pool_size at peaks"
    )
    request_timeout: float = Field(
        default=10.0,
        description="seconds a request may take until its answer starts; then 503 and the work"
        " is cancelled",
    )
    health_timeout: float = Field(
        default=1.5, description="seconds /healthz waits for the database before it says 503"
    )
    health_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description="seconds /healthz keeps its answer (per process), so frequent polling costs"
        " one check; 0: check on every call",
    )
    health_chain_events: int = Field(
        default=100, description="the newest events whose hash chain /healthz re-checks"
    )
    database_connect_timeout: float = Field(
        default=5.0, description="seconds to open a database connection"
    )
    database_statement_timeout: float = Field(
        default=10.0,
        description="seconds one statement may run (PostgreSQL statement_timeout); 0: no limit",
    )
    database_lock_timeout: float = Field(
        default=5.0,
        description="seconds to wait for a lock (PostgreSQL lock_timeout, SQLite busy timeout)",
    )
    database_pool_timeout: float = Field(
        default=5.0, description="seconds to wait for a free connection in the pool"
    )
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 5_000
    graphql_max_selections: int = Field(
        default=1_000,
        description="fields in a GraphQL document once its fragments are expanded",
    )
    graphql_max_repeats: int = Field(
        default=30, description="fields answering under one name in one GraphQL selection set"
    )
    graphql_max_fragment_spreads: int = Field(
        default=100, description="fragment spreads (...Name) written in a GraphQL document"
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """An environment variable holds a comma-separated list, not JSON."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value
