"""``/docs``: Swagger UI for the JSON API, with its script and stylesheet served by the app.

FastAPI's own ``/docs`` loads Swagger UI from a CDN, which the app's Content-Security-Policy
refuses (and a closed network cannot reach): the page stayed blank. Here the files come from the
``fastapi-offline`` package (its static folder only), mounted at ``/static/swagger-ui``, and the
page is FastAPI's documented self-hosting recipe (``get_swagger_ui_html``). Its one inline
script (Swagger UI's start-up call) is allowed by its SHA-256 hash in this page's own policy;
every other page keeps the strict one. ReDoc and Swagger's OAuth2 redirect page are off: ReDoc
needs inline styles, and the API signs in with the session cookie, not OAuth2.

Reads: nothing but the app's OpenAPI URL. Writes: nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from upwell.web.policies import policy

#: Swagger UI 5 (script, stylesheet, favicon) as the package ships it.
ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/static/swagger-ui"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(html: str) -> list[str]:
    """CSP source expressions (``'sha256-...'``) for each inline script of ``html``."""
    return ["'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in _INLINE_SCRIPT.findall(html)]


def docs_page(openapi_url: str, title: str, csp: str) -> tuple[str, str]:
    """The Swagger UI page and the policy that lets exactly its own inline script run."""
    html = bytes(get_swagger_ui_html(
        openapi_url=openapi_url, title=f"{title} API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=None,
        # No badge from validator.swagger.io: nothing loads from outside the app.
        swagger_ui_parameters={"validatorUrl": None}).body).decode()
    hashes = " ".join(script_hashes(html))
    assert "script-src 'self';" in csp, "the base policy must name script-src 'self'"
    return html, csp.replace("script-src 'self';", f"script-src 'self' {hashes};")


def add_docs(app: FastAPI, csp: str) -> None:
    """Mount the assets and serve ``/docs`` (before the app's own ``/static`` mount, which
    would otherwise answer for ``/static/swagger-ui``)."""
    assert app.openapi_url is not None
    html, page_csp = docs_page(app.openapi_url, app.title, csp)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    @policy("public")
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": page_csp})
