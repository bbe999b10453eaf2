"""``/redoc`` from fastapi-offline's bundled ReDoc, under a policy that keeps it on this origin.

ReDoc's menu always shows a logo loaded from its vendor's CDN; the page's Content-Security-Policy
stops the browser from asking for it (ReDoc then hides the broken image), so reading the API
description tells no one else that it is being read.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from starlette.responses import HTMLResponse

from ledger.web.static_files import PAGE_HEADERS

#: fastapi-offline's mount of its files
OFFLINE_DOCS_URL = "/static-offline-docs"
REDOC_POLICY = PAGE_HEADERS | {
    # styled-components writes <style> elements; the search index runs in a blob: worker
    "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"] + "; worker-src 'self' blob:"
}


def install_redoc(app: FastAPI) -> None:
    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{OFFLINE_DOCS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{OFFLINE_DOCS_URL}/favicon.png",
            with_google_fonts=False,
        )
        page.headers.update(REDOC_POLICY)
        return page
