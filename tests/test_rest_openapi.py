"""The served OpenAPI description: every REST operation documents its responses, with examples."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.container import Ledger
from ledger.domain.new_event import parse_new_event
from ledger.rest import transfer

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref")
    if reference is None:
        return schema
    resolved: dict[str, Any] = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    return resolved


def test_every_rest_operation_has_typed_responses_with_examples(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = [
        (path, method, spec)
        for path, methods in document["paths"].items()
        if path.startswith("/v1/")
        for method, spec in methods.items()
    ]
    assert len(operations) == 7
    for path, method, spec in operations:
        assert spec.get("operationId") and spec.get("summary"), (path, method)
        for status, response in spec["responses"].items():
            assert response.get("content"), (path, method, status)
            for media_type, content in response["content"].items():
                schema = content.get("schema") or content.get("itemSchema")
                assert schema, (path, method, status, media_type)
                assert _resolve(schema, document).get("examples"), (path, method, status)
                if status.startswith(("4", "5")):
                    assert media_type == "application/problem+json", (path, method, status)
        for parameter in spec.get("parameters", []):
            if parameter["in"] in ("path", "query"):
                assert parameter.get("examples") or parameter["schema"].get("examples"), (
                    path,
                    parameter["name"],
                )


def test_export_reads_the_log_in_bounded_pages(
    client: TestClient, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Constant memory: the export never asks the store for more than one page at a time."""
    event = parse_new_event(
        {"type": "PersonProfiled", "data": {"name": "A"}, "sources": [{"title": "t"}]}
    )
    for index in range(5):
        ledger.store.append(f"person-{index}", [event], recorded_by="t")
    limits: list[int] = []
    original = ledger.store.read_feed

    def spy(after: int = 0, limit: int = 100) -> Any:
        limits.append(limit)
        return original(after, limit)

    monkeypatch.setattr(transfer, "CHUNK", 2)
    monkeypatch.setattr(ledger.store, "read_feed", spy)
    lines = client.get("/v1/export").text.splitlines()
    assert len(lines) == 5 and limits == [2, 2, 1]
