"""The JSON Schemas of the event types, and of a stream file of the data set, committed in
``events/schemas/`` for editors of the data set and for other tools; a test keeps the committed
files equal to what the code says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.domain.catalogue import REGISTRY, json_schemas
from ledger.domain.new_event import MAX_DISPUTES, MAX_NOTE_CHARS

STREAM_FILE = "stream-file.json"
_CALENDAR = r"\d{4}(-\d{2}(-\d{2})?)?"
#: the syntax of a partial date; the ledger also checks that the days exist and A is not after B
PARTIAL_DATE_PATTERN = rf"^({_CALENDAR}[~?]?|({_CALENDAR}|\.\.)/({_CALENDAR}|\.\.))$"


def stream_file_schema() -> dict[str, Any]:
    """A YAML file of ``events/`` holding one stream (``ledger.dataset.files``)."""
    event = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "type", "data", "sources"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "stable: reloads are no-ops"},
            "type": {"enum": sorted(REGISTRY)},
            "occurredOn": {
                "type": "string",
                "pattern": PARTIAL_DATE_PATTERN,
                "description": "as precise as the source: '2019-12-27', '2019-12', '2019', an"
                " interval '2019-09-23/2020', '../2020-02-17' (on or before), '2019-03-14/..' (on"
                " or after), '2007~' (approximate), '2015-12?' (uncertain); omitted when undated",
            },
            "note": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_NOTE_CHARS,
                "description": "the recorder's reasoning, shown to every reader: why this date,"
                " which reading of the source, which of two disputing accounts wins and why",
            },
            "disputes": {
                "type": "array",
                "uniqueItems": True,
                "maxItems": MAX_DISPUTES,
                "items": {"type": "string", "format": "uuid"},
                "description": "ids of events (in any stream) this one contradicts",
            },
            "data": {"type": "object", "description": "see the schema named after the type"},
            "sources": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string"},
                "description": "ids from sources.yaml",
            },
            "restricted": {"type": "boolean"},
        },
    }
    return {
        "$id": "https://ledger.invalid/schemas/stream-file.json",
        "title": "A stream file of the data set",
        "type": "object",
        "additionalProperties": False,
        "required": ["stream", "events"],
        "properties": {
            "stream": {"type": "string", "pattern": "^(person|recommendation|indicator)-"},
            "events": {"type": "array", "minItems": 1, "items": event},
        },
    }


def _render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def rendered_schemas() -> dict[str, str]:
    """File name -> content: one file per event type, and one for a stream file."""
    files = {f"{name}.json": _render(schema) for name, schema in json_schemas().items()}
    files[STREAM_FILE] = _render(stream_file_schema())
    return files


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema and remove files of types that no longer exist."""
    folder.mkdir(parents=True, exist_ok=True)
    files = rendered_schemas()
    for stale in folder.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, content in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
