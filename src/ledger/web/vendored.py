"""The browser files the app serves from third parties, pinned: which npm package and version each
file was copied from, unchanged, and its SHA-384.

They are committed (under ``static/vendor``, licences in ``static/vendor/licenses``) rather than
built by an npm step, so that ``make serve`` and the tests need neither Node nor a network, and a
reviewer can check every byte against the registry: ``tools/vendor_assets.py`` fetches the pinned
tarballs with ``npm pack`` and compares. The same digests go into the pages' ``integrity``
attributes, so a file changed on disk is refused by the browser, not run. The GraphiQL files are
the very versions strawberry's own page loads from a CDN (same digests).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).parent / "static" / "vendor"
#: Where the app serves ``VENDOR_DIR``.
VENDOR_URL = "/static/vendor"


@dataclass(frozen=True, slots=True)
class VendoredFile:
    name: str
    package: str
    version: str
    #: the file's path inside the package's npm tarball
    source: str
    sha384: str

    @property
    def integrity(self) -> str:
        """The Subresource Integrity value for a ``<script>``/``<link>`` tag."""
        return f"sha384-{self.sha384}"

    @property
    def url(self) -> str:
        return f"{VENDOR_URL}/{self.name}"


VENDORED: tuple[VendoredFile, ...] = (
    VendoredFile(
        "react.production.min.js",
        "react",
        "18.2.0",
        "package/umd/react.production.min.js",
        "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    VendoredFile(
        "react-dom.production.min.js",
        "react-dom",
        "18.2.0",
        "package/umd/react-dom.production.min.js",
        "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    VendoredFile(
        "graphiql.min.js",
        "graphiql",
        "3.8.3",
        "package/graphiql.min.js",
        "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    VendoredFile(
        "graphiql.min.css",
        "graphiql",
        "3.8.3",
        "package/graphiql.min.css",
        "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    VendoredFile(
        "graphiql-plugin-explorer.umd.js",
        "@graphiql/plugin-explorer",
        "1.0.2",
        "package/dist/index.umd.js",
        "2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
    VendoredFile(
        "graphiql-plugin-explorer.css",
        "@graphiql/plugin-explorer",
        "1.0.2",
        "package/dist/style.css",
        "5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
    VendoredFile(
        "graphql-ws.min.js",
        "graphql-ws",
        "5.16.2",
        "package/umd/graphql-ws.min.js",
        "+EVxFEOpy8LWPRQcpntm0FKN2O+BzrMNSL0G3HIgVWFmeb6xqZqjuLivrQUTXZKi",
    ),
)

BY_NAME = {file.name: file for file in VENDORED}
