"""Batch commands tune the cyclic garbage collector only while they run."""

from __future__ import annotations

import gc

import pytest

from ledger.cli.batch import YOUNG_THRESHOLD, batch_collection


def test_the_collector_is_as_before_once_a_batch_ends_even_by_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), batch_collection():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
        raise RuntimeError
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
