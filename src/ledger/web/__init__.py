"""The browser side, served by the app with nothing fetched from elsewhere: GraphiQL's files
(see :mod:`ledger.web.vendored`) and the timeline explorer at ``/explore``, a static page built
on the public GraphQL API only."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ledger.web.redoc import install_redoc
from ledger.web.static_files import PageFiles

STATIC_DIR = Path(__file__).parent / "static"
EXPLORE_DIR = STATIC_DIR / "explore"


def install(app: FastAPI) -> None:
    """``/explore`` (redirected to ``/explore/``), ``/static`` and ``/redoc``; the app is a
    ``FastAPIOffline`` created with ``redoc_url=None``, which serves ``/docs`` itself."""
    install_redoc(app)
    app.mount("/explore", PageFiles(directory=EXPLORE_DIR, html=True), name="explore")
    app.mount("/static", PageFiles(directory=STATIC_DIR), name="static")
