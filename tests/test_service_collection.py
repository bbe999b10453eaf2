"""The cyclic collector is held off while an append runs, and left as it was found after it,
whether the append stored its events or was refused."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ledger.container import Ledger
from ledger.domain.errors import LedgerError
from ledger.domain.new_event import NewEvent
from ledger.domain.source import Source
from ledger.service.collection import collection_held
from ledger.service.handlers import LedgerService
from ledger.store.event_store import EventLog

pytestmark = pytest.mark.backends("sqlite")

PROFILE = NewEvent("PersonProfiled", {"name": "A"}, (Source(title="Report"),))


class Watching:
    """A projection that notes whether the collector ran while the append wrote."""

    def __init__(self) -> None:
        self.enabled: list[bool] = []

    def on_append(self, log: EventLog, events: object) -> None:
        self.enabled.append(gc.isenabled())


@pytest.fixture
def enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_an_append_holds_the_collector_off_and_enables_it_again(
    ledger: Ledger, enabled: None
) -> None:
    watching = Watching()
    service = LedgerService(ledger.store, [watching])
    service.append("person-a", [PROFILE], recorded_by="t")
    assert watching.enabled == [False]
    assert gc.isenabled()


def test_a_refused_append_enables_the_collector_again(ledger: Ledger, enabled: None) -> None:
    service = LedgerService(ledger.store)
    with pytest.raises(LedgerError):
        service.append("person-a", [PROFILE], recorded_by="t", expected_version=3)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled(enabled: None) -> None:
    gc.disable()
    with collection_held():
        with collection_held():
            pass
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_holds_enable_the_collector_when_the_last_one_ends(enabled: None) -> None:
    with collection_held():
        with collection_held():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
