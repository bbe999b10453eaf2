"""Fixtures shared by every test: each test gets a clean, migrated database on SQLite and on
PostgreSQL (a schema of its own), built through the same composition root as the app and CLI.

PostgreSQL comes from LEDGER_TEST_POSTGRES_URL; without it, from a server on 127.0.0.1:5432
(user postgres, trust auth, database test) if one answers, else from a throwaway cluster that
pytest-postgresql starts with the installed binaries; failing all, PostgreSQL tests are skipped
with the reason shown in the summary (CI sets the variable and requires them).

Scope, as in the eventsourcing library's suite: the contract tests of the persistence adapter,
projections, read model and feed run on both databases; tests of the layers above them (GraphQL,
REST, security, OpenAPI), which hold no dialect code, say ``pytestmark =
pytest.mark.backends("sqlite")`` and run on SQLite only (their PostgreSQL variants are
deselected, and counted as such in the summary). A test of those layers that does reach dialect
behaviour marks itself ``@pytest.mark.backends("sqlite", "postgres")``.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.app import create_app
from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.security.roles import Role
from ledger.security.tokens import create_token
from ledger.store.migrate import upgrade

# Timing is for bench/, not for tests: a loaded CI machine must not turn a slow example into a
# failure.
settings.register_profile("ledger", deadline=None)
settings.load_profile("ledger")

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
BACKEND_NAMES = frozenset({"sqlite", "postgres"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselects the variants of a test on databases its ``backends`` marker does not name."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("backends")
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        on = {value for value in params if isinstance(value, str) and value in BACKEND_NAMES}
        (dropped if marker is not None and on - set(marker.args) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_UNAVAILABLE: list[str] = []  # why PostgreSQL could not be had, so it is tried once only


@functools.cache
def _local_server_answers() -> bool:
    """A PostgreSQL on the usual local port (trust auth, database ``test``) is used as is."""
    engine = create_engine(LOCAL_POSTGRES, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


def _postgres_server(request: pytest.FixtureRequest) -> str:
    url = os.environ.get("LEDGER_TEST_POSTGRES_URL")
    if url:
        return url
    if _local_server_answers():
        return LOCAL_POSTGRES
    if not _UNAVAILABLE:
        try:
            proc = request.getfixturevalue("postgresql_proc")
            return f"postgresql+psycopg://{proc.user}@{proc.host}:{proc.port}/{proc.dbname}"
        except Exception as exc:  # no binaries, running as root, …: say why
            _UNAVAILABLE.append(f"PostgreSQL unavailable, set LEDGER_TEST_POSTGRES_URL: {exc}")
    if os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1":
        pytest.fail(_UNAVAILABLE[0])
    pytest.skip(_UNAVAILABLE[0])


def postgres_schema_url(server_url: str, schema: str) -> str:
    """A URL whose connections all work inside ``schema`` (works in subprocesses too)."""
    base = make_url(server_url).set(query={})
    options = quote(f"-csearch_path={schema}")
    return f"{base.render_as_string(hide_password=False)}?options={options}"


@pytest.fixture(scope="session")
def fresh_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A factory of empty databases of a backend: ``fresh_database_url('sqlite')``."""
    schemas: list[str] = []
    servers: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / "ledger.db"
            return f"sqlite:///{path}"
        if not servers:
            servers.append(_postgres_server(request))
        server = servers[0]
        schema = f"t_{uuid.uuid4().hex[:16]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        schemas.append(schema)
        return postgres_schema_url(server, schema)

    yield make
    if schemas:
        admin = create_engine(servers[0], isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, fresh_database_url) -> str:  # type: ignore[no-untyped-def]
    return str(fresh_database_url(backend))


#: A loaded CI machine may take longer than production's 10 s deadline over the suite's largest
#: queries; tests of the deadline set their own.
TEST_REQUEST_TIMEOUT = 120.0


def make_ledger(url: str, **settings: object) -> Ledger:
    settings.setdefault("request_timeout", TEST_REQUEST_TIMEOUT)
    ledger = build_ledger(Settings(database_url=url, **settings))  # type: ignore[arg-type]
    upgrade(ledger.engine)
    return ledger


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    built = make_ledger(database_url)
    yield built
    built.close()


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=ledger)) as test_client:
        yield test_client


def bearer(ledger: Ledger, role: Role, name: str | None = None) -> dict[str, str]:
    token = create_token(ledger.engine, name or f"{role.value}-{uuid.uuid4().hex[:6]}", role)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor_headers(ledger: Ledger) -> dict[str, str]:
    return bearer(ledger, Role.EDITOR, "editor-alice")
