"""The event catalogue: schemas per type, refusals naming the field, upcasting on read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.dataset.schemas import rendered_schemas
from ledger.domain.catalogue import REGISTRY, upcast
from ledger.domain.errors import UnknownEventType, ValidationError
from ledger.domain.new_event import parse_new_event, validate_event

SCHEMAS = Path(__file__).resolve().parents[1] / "events" / "schemas"
SOURCE = [{"title": "Report"}]


def _event(type_: str, data: dict[str, object], occurred: str | None = "2019-12-27") -> dict:
    raw: dict[str, object] = {"type": type_, "data": data, "sources": SOURCE}
    if occurred is not None:
        raw["occurredOn"] = occurred
    return raw


def test_committed_json_schemas_equal_the_code() -> None:
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.json")}
    assert committed == rendered_schemas(), "run `ledger event-schemas` and commit events/schemas"


def test_every_type_has_a_schema_version_and_a_json_schema() -> None:
    for name, model in REGISTRY.items():
        assert model.schema_version >= 1
        schema = json.loads(rendered_schemas()[f"{name}.json"])
        assert schema["x-schemaVersion"] == model.schema_version


def test_unknown_event_type_is_refused_naming_the_type_field() -> None:
    with pytest.raises(UnknownEventType) as refused:
        validate_event(parse_new_event(_event("PersonVanished", {})), "person-a")
    assert refused.value.field == ["type"]
    assert "PersonVanished" in refused.value.message


def test_data_that_does_not_fit_is_refused_naming_the_field() -> None:
    raw = _event("PersonSentenced", {"kind": "IMPRISONMENT", "termMonths": "five years"})
    with pytest.raises(ValidationError) as refused:
        validate_event(parse_new_event(raw), "person-a")
    assert refused.value.field == ["data", "termMonths"]


def test_an_unknown_data_field_is_refused_rather_than_dropped() -> None:
    raw = _event("PersonSentenced", {"kind": "IMPRISONMENT", "termMonth": 60})
    with pytest.raises(ValidationError) as refused:
        validate_event(parse_new_event(raw), "person-a")
    assert refused.value.field == ["data", "termMonth"]


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_event(
            parse_new_event(_event("PersonCharged", {"code": "Criminal Code"})), "person-a"
        )
    assert refused.value.field == ["data", "article"]


def test_an_impossible_occurred_on_is_refused_naming_occurred_on() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_new_event(_event("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, "2019-02-30"))
    assert refused.value.field == ["occurredOn"]


def test_an_empty_source_list_is_refused() -> None:
    raw = _event("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"})
    raw["sources"] = []
    with pytest.raises(ValidationError) as refused:
        validate_event(parse_new_event(raw), "person-a")
    assert refused.value.field == ["sources"]


def test_a_dated_type_needs_occurred_on_and_an_undated_one_refuses_it() -> None:
    with pytest.raises(ValidationError) as dated:
        validate_event(
            parse_new_event(_event("PersonDetained", {"kind": "HOUSE_ARREST"}, None)), "person-a"
        )
    assert dated.value.field == ["occurredOn"]
    with pytest.raises(ValidationError) as undated:
        validate_event(parse_new_event(_event("PersonProfiled", {"name": "A"})), "person-a")
    assert undated.value.field == ["occurredOn"]


def test_an_event_type_is_refused_on_another_kind_of_stream() -> None:
    raw = _event("PersonSentenced", {"kind": "FINE"})
    with pytest.raises(ValidationError) as refused:
        validate_event(parse_new_event(raw), "recommendation-ep-2019-kz-01")
    assert refused.value.field == ["type"]


def test_a_stream_id_must_name_its_kind() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_event(parse_new_event(_event("PersonDetained", {"kind": "HOUSE_ARREST"})), "bob")
    assert refused.value.field == ["streamId"]


def test_version_1_profiles_are_upcast_on_read() -> None:
    stored = {"fullName": "Maks Bokayev", "otherNames": ["Maks Bokaev"], "roles": ["activist"]}
    assert upcast("PersonProfiled", 1, stored) == {
        "name": "Maks Bokayev",
        "aliases": ["Maks Bokaev"],
        "roles": ["activist"],
    }
    assert upcast("PersonProfiled", 2, {"name": "A"}) == {"name": "A"}
