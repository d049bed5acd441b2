"""GraphiQL served by the server itself: its page and its pinned assets.

Strawberry's own GraphiQL page loads React, GraphiQL and the explorer plugin
from a CDN, so without internet it stays at "Loading...". These are the same
files at the same versions, taken once from the npm registry and kept in
``ide/static/`` (their licences are in ``ide/static/THIRD_PARTY_NOTICES.txt``).
The page names each with its sha384 Subresource Integrity hash, so a browser
runs only these bytes, and sends a Content-Security-Policy that lets it load
nothing from anywhere but this server. docs/graphiql.md says how to update them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

#: Where the assets are served (the page itself is GET /graphql).
PREFIX = "/graphiql"
#: The ``package`` of the files that are this project's own.
OWN = "visitplan"


@dataclass(frozen=True)
class Asset:
    """One vendored file: its name in ``ide/static/``, its origin and its hash.

    Attributes:
        name: the file name; a vendored file's carries its version, so it can
            be cached for good.
        package: the npm package and version it was taken from.
        source: its path inside that package.
        sha384: the Subresource Integrity value of its bytes.
    """

    name: str
    package: str
    source: str
    sha384: str

    @property
    def media_type(self) -> str:
        """The Content-Type it is served with."""
        if self.name.endswith(".css"):
            return "text/css; charset=utf-8"
        return "text/javascript; charset=utf-8"

    @property
    def cache_control(self) -> str:
        """Vendored files carry their version in their name and never change."""
        if self.package == OWN:
            return "no-cache"
        return "public, max-age=31536000, immutable"

    @property
    def url(self) -> str:
        """Where the server serves it."""
        return f"{PREFIX}/{self.name}"

    def tag(self) -> str:
        """The ``<script>`` or ``<link>`` element that loads it, with its hash."""
        url, integrity = html.escape(self.url), html.escape(self.sha384)
        if self.name.endswith(".css"):
            return f'<link rel="stylesheet" href="{url}" integrity="{integrity}" />'
        return f'<script src="{url}" integrity="{integrity}"></script>'


#: In the order the page loads them (React first; the start script last).
ASSETS = (
    Asset(
        "react-18.2.0.production.min.js",
        "react@18.2.0",
        "umd/react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        "react-dom-18.2.0.production.min.js",
        "react-dom@18.2.0",
        "umd/react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        "graphiql-3.8.3.min.css",
        "graphiql@3.8.3",
        "graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        "plugin-explorer-1.0.2.css",
        "@graphiql/plugin-explorer@1.0.2",
        "dist/style.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
    Asset(
        "graphiql-3.8.3.min.js",
        "graphiql@3.8.3",
        "graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        "plugin-explorer-1.0.2.umd.js",
        "@graphiql/plugin-explorer@1.0.2",
        "dist/index.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
    Asset(
        "start.js",
        OWN,
        "ide/static/start.js",
        "sha384-M5B02KyuEOCaSwPtbsQdMnZVQfC7aPwAu4ZQQ3mCerUSiIuN/9Xbu6r4IEln9gUY",
    ),
)

_BY_NAME = {asset.name: asset for asset in ASSETS}

#: Everything the page may load or call: this server only. Emotion and React set
#: inline styles; GraphiQL's fonts are data: URLs inside its CSS.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src data:; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>visitplan GraphiQL</title>
    <link rel="icon" href="data:," />
    <style>
      body {{ height: 100%; margin: 0; width: 100%; overflow: hidden; }}
      #graphiql {{ height: 100vh; display: flex; }}
    </style>
    {styles}
  </head>
  <body>
    <div id="graphiql" class="graphiql-container">Loading...</div>
    {scripts}
  </body>
</html>
"""


def page() -> str:
    """The GraphiQL page, every asset named with its integrity hash."""
    styles = [a.tag() for a in ASSETS if a.name.endswith(".css")]
    scripts = [a.tag() for a in ASSETS if not a.name.endswith(".css")]
    return _PAGE.format(styles="\n    ".join(styles), scripts="\n    ".join(scripts))


def read(asset: Asset) -> bytes:
    """The bytes of ``asset`` as installed with the package."""
    return (resources.files(__package__) / "static" / asset.name).read_bytes()


def page_response() -> HTMLResponse:
    """The page, with the policy that keeps it on this server."""
    return HTMLResponse(
        page(),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-cache",
        },
    )


async def _serve(request: Request) -> Response:
    asset = _BY_NAME.get(request.path_params["name"])
    if asset is None:  # only the listed files, never a path into the package
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(
        read(asset),
        media_type=asset.media_type,
        headers={
            "Cache-Control": asset.cache_control,
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes() -> list[Route]:
    """The route serving the assets (development only: production has no IDE)."""
    return [Route(PREFIX + "/{name}", _serve, methods=["GET", "HEAD"])]
