"""The pages the app serves to browsers, without a browser: every file they load is the app's
own, the vendored ones byte for byte what was pinned, and none of it is behind the read gate."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import make_ledger
from ledger.app import create_app
from ledger.web import STATIC_DIR
from ledger.web.vendored import VENDOR_DIR, VENDORED

HTML = {"Accept": "text/html"}
#: src= and href= values of a page
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def _references(page: str) -> list[str]:
    return REFERENCE.findall(page)


@pytest.mark.parametrize("file", VENDORED, ids=lambda f: f.name)
def test_each_vendored_file_is_the_pinned_release_byte_for_byte(file) -> None:  # type: ignore[no-untyped-def]
    digest = base64.b64encode(hashlib.sha384((VENDOR_DIR / file.name).read_bytes()).digest())
    assert digest.decode() == file.sha384, f"{file.name} differs from {file.package}@{file.version}"


def test_every_vendored_package_has_its_licence() -> None:
    licences = {path.stem for path in (VENDOR_DIR / "licenses").iterdir()}
    packages = {file.package.rsplit("/", 1)[-1] for file in VENDORED}
    assert {p.replace("plugin-explorer", "graphiql-plugin-explorer") for p in packages} <= licences


def test_graphiql_page_loads_only_the_apps_files_with_integrity_and_a_strict_policy(
    client: TestClient,
) -> None:
    response = client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    page = response.text
    references = _references(page)
    assert references and all(ref.startswith("/static/") or ref == "data:," for ref in references)
    for file in VENDORED:
        if file.url in references:
            assert f'integrity="{file.integrity}"' in page
    assert "<script>" not in page  # no inline script: the policy forbids it
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    for reference in references:
        if reference.startswith("/static/"):
            assert client.get(reference).status_code == 200, reference


def test_graphiql_never_reads_headers_from_the_address_bar() -> None:
    script = (STATIC_DIR / "graphiql" / "graphiql.js").read_text(encoding="utf-8")
    assert 'search.get("headers")' not in script
    assert "shouldPersistHeaders: false" in script


def test_explorer_page_and_its_scripts_are_served_with_the_policy(client: TestClient) -> None:
    assert client.get("/explore", follow_redirects=False).headers["location"].endswith("/explore/")
    page = client.get("/explore/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    for reference in _references(page.text):
        if reference.startswith(("http:", "https:", "//")):
            pytest.fail(f"the explorer loads {reference} from elsewhere")
        if reference != "data:,":
            url = reference if reference.startswith("/") else f"/explore/{reference}"
            assert client.get(url).status_code == 200, reference
    graphql_ws = next(f for f in VENDORED if f.name == "graphql-ws.min.js")
    assert f'integrity="{graphql_ws.integrity}"' in page.text


def test_explorer_scripts_never_parse_text_as_markup() -> None:
    scripts = "\n".join(
        path.read_text(encoding="utf-8") for path in (STATIC_DIR / "explore" / "js").glob("*.js")
    )
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in scripts


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_their_files_from_the_app(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    for reference in _references(page.text):
        assert reference.startswith("/static-offline-docs/"), reference
        assert client.get(reference).status_code == 200, reference
    assert "fonts.googleapis" not in page.text


@pytest.fixture
def private_client(database_url: str) -> Iterator[TestClient]:
    ledger = make_ledger(database_url, read_requires_token=True)
    with TestClient(create_app(ledger=ledger)) as test_client:
        yield test_client
    ledger.close()


def test_pages_code_is_public_on_a_private_deployment_but_the_data_is_not(
    private_client: TestClient,
) -> None:
    for path in (
        "/explore/",
        "/explore/js/main.js",
        "/static/vendor/graphiql.min.js",
        "/static-offline-docs/swagger-ui-bundle.js",
        "/docs",
        "/redoc",
    ):
        assert private_client.get(path).status_code == 200, path
    refused = private_client.post("/graphql", json={"query": "{ head { position } }"})
    assert refused.status_code == 401
