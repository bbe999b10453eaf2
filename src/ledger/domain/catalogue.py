"""The registry from type name to model, validation of incoming data, and upcasting on read.

Stored events are never rewritten, so an event written under an older schema version stays as
it was; readers see it through the upcasters, one step per version, up to the current model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

import pydantic
from pydantic_core import SchemaSerializer, SchemaValidator

from ledger.domain.errors import UnknownEventType, ValidationError
from ledger.domain.event_types import EVENT_TYPES, EventData, StreamKind

JsonObject = dict[str, Any]
Upcaster = Callable[[JsonObject], JsonObject]

REGISTRY: Mapping[str, type[EventData]] = {model.type_name: model for model in EVENT_TYPES}


def _profile_v1_to_v2(data: JsonObject) -> JsonObject:
    """Version 1 profiles held the name as ``fullName`` and other spellings as ``otherNames``."""
    upgraded = {k: v for k, v in data.items() if k not in ("fullName", "otherNames")}
    upgraded["name"] = data["fullName"]
    upgraded["aliases"] = list(data.get("otherNames", []))
    return upgraded


#: (type, from_version) -> function giving the data at from_version + 1.
UPCASTERS: Mapping[tuple[str, int], Upcaster] = {
    ("PersonProfiled", 1): _profile_v1_to_v2,
}


def model_for(type_name: str) -> type[EventData]:
    return schema_for(type_name).model


class EventSchema(NamedTuple):
    """What validating an event reads of its type's model, read once per type: each read of a
    pydantic model's class attribute goes through its metaclass's ``__getattr__`` hook (930
    instructions under callgrind), four or five of them an event."""

    model: type[EventData]
    dated: bool
    schema_version: int
    validator: SchemaValidator
    #: the model's serializer, for ``ledger.domain.event_types.dumped_data``
    serializer: SchemaSerializer


SCHEMAS: Mapping[str, EventSchema] = {
    name: EventSchema(
        model,
        model.dated,
        model.schema_version,
        model.__pydantic_validator__,  # type: ignore[arg-type]  # a SchemaValidator once built
        model.__pydantic_serializer__,
    )
    for name, model in REGISTRY.items()
}


def schema_for(type_name: str) -> EventSchema:
    try:
        return SCHEMAS[type_name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownEventType(
            f"unknown event type '{type_name}'; known types: {known}", ["type"]
        ) from None


#: What :func:`stream_kind` accepts, as a regular expression for API descriptions (Python's and
#: JSON Schema's ``\\w`` differ outside ASCII; the server's is Python's, letters of any script).
STREAM_ID_PATTERN = "^(" + "|".join(kind.value for kind in StreamKind) + r")-[\w.-]+$"
STREAM_ID_MAX_LENGTH = 200


@lru_cache(maxsize=4096)
def stream_kind(stream_id: str) -> StreamKind:
    """The kind of a stream is its id's prefix: ``person-maks-bokayev`` is a person.

    Cached, because one call appends many events to the same stream.
    """
    prefix, _, rest = stream_id.partition("-")
    try:
        kind = StreamKind(prefix)
    except ValueError:
        kinds = ", ".join(f"'{k.value}-…'" for k in StreamKind)
        raise ValidationError(
            f"stream id '{stream_id}' must start with one of {kinds}", ["streamId"]
        ) from None
    if (
        not rest
        or len(stream_id) > STREAM_ID_MAX_LENGTH
        or not all(c.isalnum() or c in "-_." for c in rest)
    ):
        raise ValidationError(
            f"stream id '{stream_id}' must be '{prefix}-' followed by letters, digits, '-', '_'"
            " or '.' (at most 200 characters)",
            ["streamId"],
        )
    return kind


@lru_cache(maxsize=4096)
def _belongs(model: type[EventData], stream_id: str) -> bool:
    """Whether events of ``model`` go on ``stream_id``'s kind of stream. Cached, like
    :func:`stream_kind`: a call appends many events of a few types to the same streams (and a
    kind's hash, computed in Python, was a tenth of an event's validation)."""
    return stream_kind(stream_id) in model.stream_kinds


def _field_path(error: Mapping[str, Any]) -> list[str | int]:
    return ["data", *error["loc"]]


def validate_data(schema: EventSchema, data: Any, stream_id: str) -> EventData:
    """Parse ``data`` with its type's model (``schema_for``); refuse with the first offending
    field named."""
    model = schema.model
    if not _belongs(model, stream_id):
        allowed = ", ".join(sorted(k.value for k in model.stream_kinds))
        raise ValidationError(
            f"a {model.type_name} event belongs on a {allowed} stream, not on '{stream_id}'",
            ["type"],
        )
    if not isinstance(data, dict):
        raise ValidationError("data must be a JSON object", ["data"])
    try:
        # model_validate, without the wrapper's keyword arguments (all defaults here)
        payload: EventData = schema.validator.validate_python(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        raise ValidationError(str(first["msg"]), _field_path(first)) from None
    return payload


def upcast(type_name: str, schema_version: int, data: JsonObject) -> JsonObject:
    """Bring stored data up to the type's current schema version."""
    current = model_for(type_name).schema_version
    version = schema_version
    while version < current:
        data = UPCASTERS[(type_name, version)](data)
        version += 1
    return data


def json_schemas() -> dict[str, JsonObject]:
    """JSON Schema of every event type's data, keyed by type name, for ``events/schemas/``."""
    schemas: dict[str, JsonObject] = {}
    for name, model in sorted(REGISTRY.items()):
        schema = model.model_json_schema(by_alias=True)
        schema["$id"] = f"https://ledger.invalid/schemas/{name}.v{model.schema_version}.json"
        schema["x-schemaVersion"] = model.schema_version
        schema["x-streamKinds"] = sorted(k.value for k in model.stream_kinds)
        schema["x-dated"] = model.dated
        schemas[name] = schema
    return schemas
