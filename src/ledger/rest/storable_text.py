"""The API description states the gate's text rule: no string a client sends may hold U+0000
or an unpaired surrogate (PostgreSQL cannot store them; the gate answers 400 naming the field,
the 400 response of every operation says so).

Added to the request bodies' schemas once the description is built, so every string field —
those added later included — and every string inside free-form ``data`` carries the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

#: No NUL. (A lone surrogate cannot be named in a pattern that every regex engine accepts —
#: Rust's, which validators use, refuses surrogates — and UTF-8, the API's encoding, cannot
#: carry one anyway: the descriptions say so in words.)
STORABLE = "^[^\\u0000]*$"
STORABLE_JSON = "StorableJson"
_JSON_REF = {"$ref": f"#/components/schemas/{STORABLE_JSON}"}
#: Any JSON value whose strings (keys included) are storable.
_STORABLE_JSON: dict[str, Any] = {
    "description": "any JSON value; no string in it (keys included) holds U+0000 or a lone"
    " surrogate",
    "anyOf": [
        {"type": "string", "pattern": STORABLE},
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": _JSON_REF},
        {
            "type": "object",
            "propertyNames": {"pattern": STORABLE},
            "additionalProperties": _JSON_REF,
        },
    ],
}


def describe_storable_text(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so the document it builds (once, then cached) states the rule."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
        if STORABLE_JSON not in schemas:
            for name in _request_schemas(document):
                _constrain(schemas[name])
            schemas[STORABLE_JSON] = _STORABLE_JSON
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """The component schemas that request bodies use, directly or nested."""
    schemas = document["components"]["schemas"]
    pending = [
        content.get("schema", {})
        for methods in document.get("paths", {}).values()
        for operation in methods.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
    ]
    found: set[str] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
                name = reference.rsplit("/", 1)[1]
                if name not in found and name in schemas:
                    found.add(name)
                    pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def _constrain(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _constrain(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not {"pattern", "format", "enum"} & set(node):
        node["pattern"] = STORABLE
    if node.get("type") == "object" and node.get("additionalProperties") is True:
        node["propertyNames"] = {"pattern": STORABLE}
        node["additionalProperties"] = _JSON_REF
    for key, value in node.items():
        if key not in ("examples", "example", "default"):
            _constrain(value)
