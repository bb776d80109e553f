"""The web console's built files, served at ``/`` beside the API.

The console (``console/``, built by Vite into ``console/dist``) is a client
of the public API like any other; the gateway only hands out its files.
Paths that are not files fall back to ``index.html`` so the single-page
app's own routes survive a reload. Only page loads (``Accept: text/html``)
fall back: ``/api/`` paths never do, and a client asking for JSON at a wrong
URL keeps getting a JSON 404 problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, request, send_file
from werkzeug.security import safe_join

from crm_shared.context import public
from crm_shared.errors import NotFound

# Vite names every file under assets/ by its content hash: safe to keep forever.
IMMUTABLE = "public, max-age=31536000, immutable"
# The shell names the current hashes, so it is checked on every load.
REVALIDATE = "no-cache"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Vue's transitions and ECharts set style attributes.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM</title></head>
<body><main>
<h1>The CRM API is running</h1>
<p>The web console has not been built. It needs Node.js 20 or newer
(<a href="https://nodejs.org/">nodejs.org</a>, or <code>apt-get install nodejs npm</code>);
then run <code>make console</code>
(or <code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code>)
and reload this page. <code>CRM_CONSOLE_DIR</code> names another build.</p>
<p>The API is under <a href="/api/v1/openapi.json">/api/v1/</a>.</p>
</main></body></html>
"""


def default_console_dir() -> Path | None:
    """The repository's ``console/dist`` when this code runs from a checkout."""
    candidate = Path(__file__).resolve().parents[2] / "console" / "dist"
    return candidate if candidate.is_dir() else None


def console_dir(setting: str | None) -> Path | None:
    """Where the built console is: ``CRM_CONSOLE_DIR``, else the checkout's build."""
    if setting:
        return Path(setting)
    return default_console_dir()


def _headers(response: Response, cache: str) -> Response:
    response.headers["Cache-Control"] = cache
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _navigation() -> bool:
    """A browser loading a page (not a client expecting JSON from a wrong URL)."""
    accept = request.accept_mimetypes
    return accept.accept_html and accept["text/html"] >= accept["application/json"]


def install_console(app: Flask, root: Path | None) -> None:
    """Serve the console in ``root`` at ``/`` (or a page saying how to build it)."""

    def index() -> Response:
        if root is None or not (root / "index.html").is_file():
            return _headers(Response(NOT_BUILT, mimetype="text/html"), REVALIDATE)
        return _headers(send_file(root / "index.html", max_age=0), REVALIDATE)

    def asset(path: str) -> Any:
        if path == "api" or path.startswith("api/"):
            raise NotFound(f"no API resource at /{path}")
        if root is not None:
            found = safe_join(str(root), path)
            if found is not None and Path(found).is_file():
                cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
                return _headers(send_file(found, max_age=None), cache)
        if path.startswith("assets/") or not _navigation():
            raise NotFound(f"nothing at /{path}")
        return index()  # one of the app's own routes, e.g. /leads/<id>

    # Public: the files hold no data; the API checks every call.
    public(index)
    public(asset)
    app.add_url_rule("/", "console_index", index, methods=["GET", "HEAD"])
    app.add_url_rule("/<path:path>", "console_asset", asset, methods=["GET", "HEAD"])
    app.extensions["crm.console_dir"] = root
