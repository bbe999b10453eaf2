"""The real front-end clients, run by Node against a served ledger: relay-compiler compiles the
README's operations, a @refetchable person and a @connection against schema.graphql;
relay-runtime's store and Apollo's InMemoryCache keep the README's two-dates example as two
objects; graphql-ws receives an event appended through the mutation (clients/test/)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from conftest import EVENTS, ROOT, bearer, make_ledger
from ledger.app import create_app
from ledger.dataset.files import read_dataset
from ledger.dataset.loader import load_dataset
from ledger.security.roles import Role
from live_servers import server_thread

CLIENTS = ROOT / "clients"
PERSON = "person-iskander-yerimbetov"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        reason = f"{name} is not installed (Node.js 20 and npm run the client tests)"
        if os.environ.get("LEDGER_REQUIRE_NODE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _run(command: list[str], **env: str) -> str:
    done = subprocess.run(
        command,
        cwd=CLIENTS,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def compiled() -> None:
    """`npm ci` from the committed lock when node_modules is missing, then relay-compiler."""
    npm = _tool("npm")
    _tool("node")
    if not (CLIENTS / "node_modules" / ".package-lock.json").exists():
        _run([npm, "ci", "--no-audit", "--no-fund"])
    _run([npm, "run", "--silent", "relay"])


@pytest.fixture(scope="module")
def served(fresh_database_url: Any) -> Iterator[tuple[str, str]]:
    ledger = make_ledger(fresh_database_url("sqlite"))
    dataset = read_dataset(EVENTS)
    person = replace(dataset, streams=tuple(s for s in dataset.streams if s.stream_id == PERSON))
    load_dataset(ledger.store, EVENTS, recorded_by="test", dataset=person)
    token = bearer(ledger, Role.EDITOR)["Authorization"].removeprefix("Bearer ")
    with server_thread(create_app(ledger=ledger)) as base:
        yield base, token
    ledger.close()


def test_relay_compiler_compiles_the_readme_a_refetchable_person_and_a_connection(
    compiled: None,
) -> None:
    generated = CLIENTS / "src" / "__generated__"
    names = {path.name.removesuffix(".graphql.js") for path in generated.glob("*.graphql.js")}
    assert {"PersonTimelineRefetchQuery", "PersonTimeline_person"} <= names
    readme = {name for name in names if name.startswith("ReadmeExamples")}
    assert len(readme) == (ROOT / "README.md").read_text().count("```graphql")
    refetch = (generated / "PersonTimelineRefetchQuery.graphql.js").read_text()
    assert "node(id: $id)" in refetch


def test_relay_apollo_and_graphql_ws_against_the_served_ledger(
    compiled: None, served: tuple[str, str]
) -> None:
    base, token = served
    output = _run([_tool("node"), "--test", "test/"], LEDGER_URL=base, LEDGER_EDITOR_TOKEN=token)
    assert "# fail 0" in output, output[-4000:]
