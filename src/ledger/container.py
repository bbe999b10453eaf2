"""The composition root: builds the store, projections and read model from settings.

The HTTP app, the CLI and the tests all build their Ledger here, with other settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ledger.config import Settings
from ledger.live.signal import AppendSignal
from ledger.projections.projector import Projector
from ledger.readmodel.projected import ProjectedReadModel
from ledger.store.engine import Timeouts, make_engine
from ledger.store.event_store import EventStore


@dataclass
class Ledger:
    settings: Settings
    engine: Engine
    store: EventStore
    #: what the GraphQL and REST layers read: indexed bitemporal projections
    read_model: ProjectedReadModel
    #: told of every committed append: wakes live subscriptions (see ``ledger.live``)
    signal: AppendSignal

    @property
    def database_kind(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


def build_ledger(settings: Settings | None = None, engine: Engine | None = None) -> Ledger:
    settings = settings or Settings()
    engine = engine or make_engine(
        settings.database_url,
        timeouts_of(settings),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    signal = AppendSignal()
    store = EventStore(engine, listeners=[Projector(), signal])
    read_model = ProjectedReadModel(engine)
    return Ledger(
        settings=settings, engine=engine, store=store, read_model=read_model, signal=signal
    )


def timeouts_of(settings: Settings) -> Timeouts:
    return Timeouts(
        connect=settings.database_connect_timeout,
        statement=settings.database_statement_timeout,
        lock=settings.database_lock_timeout,
        pool=settings.database_pool_timeout,
    )
