"""The canonical encoding that hashes are computed over (see ledger.domain.hash_chain)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.hash_chain import (
    GENESIS,
    Recording,
    canonical_json,
    canonical_value,
    chain,
    event_hash,
    uuid_text,
)
from ledger.domain.new_event import ValidEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(
    event_id=st.uuids(),
    position=st.integers(min_value=1, max_value=2**40),
    text=st.text(),
    data=st.dictionaries(st.text(), json_values, max_size=4),
    sources=st.lists(st.dictionaries(st.text(), st.text(), max_size=3), max_size=3),
    restricted=st.booleans(),
    salt=st.none() | st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    occurred=st.none()
    | st.sampled_from(["2019", "2019-12", "2019-12-27", "2019/2020", "../2020-02-17", "2007~"]),
    note=st.none() | st.text(),
    disputes=st.lists(st.uuids(), max_size=3, unique=True),
)
def test_the_canonical_document_is_sorted_compact_json_of_every_field(
    event_id: uuid.UUID,
    position: int,
    text: str,
    data: dict[str, object],
    sources: list[dict[str, str]],
    restricted: bool,
    salt: str | None,
    occurred: str | None,
    note: str | None,
    disputes: list[uuid.UUID],
) -> None:
    recorded_at = datetime(2026, 11, 24, 10, 15, tzinfo=timezone(timedelta(hours=5)))
    written = canonical_json(
        event_id=event_id,
        position=position,
        stream_id=f"person-{text}",
        version=position,
        type_name=text,
        schema_version=2,
        occurred_on=PartialDate.parse(occurred) if occurred else None,
        recorded_at=recorded_at,
        recorded_by=text,
        data_json=canonical_value(data),
        sources_json=canonical_value(sources),
        restricted=restricted,
        salt=salt,
        note=note,
        disputes=tuple(disputes),
    )
    expected: dict[str, object] = {
        "id": str(event_id),
        "position": position,
        "streamId": f"person-{text}",
        "version": position,
        "type": text,
        "schemaVersion": 2,
        "occurredOn": occurred,
        "recordedAt": "2026-11-24T05:15:00.000000+00:00",
        "recordedBy": text,
        "data": data,
        "sources": sources,
        "restricted": restricted,
        "salt": salt,
    }
    if note is not None:
        expected["note"] = note
    if disputes:
        expected["disputes"] = [str(item) for item in disputes]
    assert written == canonical_value(expected)
    assert json.loads(written) == expected


any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**64 + 2)
    | st.floats()
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(any_json)
def test_a_canonical_value_is_byte_for_byte_what_the_standard_library_writes(
    value: object,
) -> None:
    """The fixed form is json's with sorted keys, compact separators and non-ASCII kept: the
    faster writer used for most values must never differ from it (floats, integers past 64
    bits, every code point)."""
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_value(value) == expected


def test_a_canonical_value_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        canonical_value({"id": uuid.uuid4()})
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular"):
        canonical_value(looped)


def test_the_chain_is_sha256_of_the_previous_hash_and_the_document() -> None:
    assert chain(GENESIS, "{}") == hashlib.sha256((GENESIS + "{}").encode()).hexdigest()


@given(st.uuids())
def test_an_id_is_written_as_the_standard_text_of_the_uuid(event_id: uuid.UUID) -> None:
    assert uuid_text(event_id) == str(event_id)


@given(
    stream=st.text(),
    recorded_by=st.text(),
    events=st.lists(
        st.tuples(
            st.text(),
            st.dictionaries(st.text(), json_values, max_size=4),
            st.lists(st.text(min_size=1), min_size=1, max_size=2),
            st.none()
            | st.sampled_from(["2019", "2019-12-27", "2019/2020", "../2020-02-17", "2007~"]),
            st.none() | st.uuids(),
            st.booleans(),
            st.none() | st.text(),
            st.lists(st.uuids(), max_size=2, unique=True),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_a_recorded_event_is_chained_over_the_canonical_document_of_its_own_fields(
    stream: str,
    recorded_by: str,
    events: list[
        tuple[
            str,
            dict[str, object],
            list[str],
            str | None,
            uuid.UUID | None,
            bool,
            str | None,
            list[uuid.UUID],
        ]
    ],
) -> None:
    """What appending writes (``Recording.add``, from the parts an append call shares) is the
    document every walk of the chain recomputes from the stored event (``event_hash``)."""
    recording = Recording(
        position=41,
        hash="f" * 64,
        recorded_at=datetime(2026, 11, 24, 10, 15, 1, 5, tzinfo=timezone(timedelta(hours=-3))),
        recorded_by=recorded_by,
    )
    valid = [
        ValidEvent(
            type_name,
            3,
            data,
            tuple(Source(title=title) for title in titles),
            PartialDate.parse(occurred) if occurred else None,
            event_id,
            restricted,
            None,  # type: ignore[arg-type]  # the payload model: not hashed
            note,
            tuple(disputes),
        )
        for type_name, data, titles, occurred, event_id, restricted, note, disputes in events
    ]
    added = recording.add(stream, 6, valid)
    previous = "f" * 64
    for position, event in enumerate(added, start=42):
        assert (event.position, event.version, event.previous_hash) == (
            position,
            position - 35,
            previous,
        )
        assert event.hash == event_hash(event, previous)
        previous = event.hash
    assert [sealed.event for sealed in recording.sealed] == added
    assert [sealed.data_json for sealed in recording.sealed] == [
        canonical_value(event.data) for event in added
    ]
