"""Property-based run of the app's own OpenAPI description (schemathesis, every check, bounded
examples): no request may get a 5xx, no response may break the schema the app publishes, what
the schema allows is accepted and what it forbids is refused.

Operations are driven through ``as_strategy`` rather than ``schema.parametrize``: the latter's
fixture-based loader does not work with the installed pytest (it reads a removed node field).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from conftest import bearer, make_ledger
from ledger.app import create_app
from ledger.cli.openapi import served_schema
from ledger.container import Ledger
from ledger.security.roles import Role

MAX_EXAMPLES = 25
OPERATIONS = [
    (f"{method.upper()} {path}", bool(spec.get("parameters") or spec.get("requestBody")))
    for path, methods in served_schema()["paths"].items()
    for method, spec in methods.items()
]
CASES = [
    pytest.param(label, mode, id=f"{label} {mode.value}")
    for label, has_input in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if has_input or mode is GenerationMode.POSITIVE
]
#: Every check runs. Schema-valid is not domain-valid — which event types go on which kind of
#: stream, an export's hash chain, a retraction of a retraction — so for "schema-valid data is
#: accepted" a 422 naming the refusal counts as accepted too, besides the usual 401/403/404/409.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)


@schemathesis.serializer("application/x-ndjson")
def to_ndjson(_context: Any, value: Any) -> bytes:
    """Whatever was generated, as lines of JSON (an export is one event per line)."""
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item) + "\n" for item in items).encode()


@pytest.fixture(scope="module")
def fuzzed_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    path = tmp_path_factory.mktemp("schemathesis") / "ledger.db"
    ledger = make_ledger(f"sqlite:///{path}", write_rate_per_minute=1_000_000)
    yield ledger
    ledger.close()


@pytest.fixture(scope="module")
def api_schema(fuzzed_ledger: Ledger) -> Any:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(ledger=fuzzed_ledger), config=CONFIG
    )


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_the_api_keeps_its_published_schema(
    api_schema: Any, fuzzed_ledger: Ledger, label: str, mode: GenerationMode
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None
    admin = bearer(fuzzed_ledger, Role.ADMIN)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=admin)

    run()
