"""The member's web app: FastAPI, server-rendered Jinja2 pages, htmx from our own static files.

Reads: settings and the store. ``create_app`` wires the routers (sign-in, the member's pages,
the org admin's pages, the JSON API), the signed session cookie, security headers and a request
log that names route templates only (never a raw path: invitation tokens live in paths). It
imports the pages; the pages render through :mod:`upwell.web.rendering`, never through the
app. See docs/web.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upwell import __version__
from upwell.config import Settings
from upwell.store.db import Store
from upwell.tasks.metrics import HTTP
from upwell.web import (
    api,
    api_delivery,
    ops,
    pages_admin,
    pages_auth,
    pages_delivery,
    pages_insights,
    pages_member,
    pages_sources,
    pages_team,
)
from upwell.web.api_docs import add_docs
from upwell.web.auth import NotSignedIn, RateLimiter, SecretBox, secret_key
from upwell.web.jobs import ImportJobs
from upwell.web.oidc import SSO
from upwell.web.rendering import render, templates

__all__ = ["FRAMEWORK_ROUTES", "create_app", "render", "templates"]

HERE = Path(__file__).parent
log = logging.getLogger("upwell.web")

#: Framework routes that are not ours to decorate, with their (public) policy.
FRAMEWORK_ROUTES = {"/openapi.json": "public", "/static": "public",
                    "/static/swagger-ui": "public"}

_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'")


class HeadersAndLog:
    """Security headers on every response, and one log record per request naming the route
    template, status and duration only. Plain ASGI (no per-request task or stream, unlike
    ``@app.middleware("http")``): it sits on every page view's path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        static = scope["path"].startswith("/static/")
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", _CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            if not static:
                HTTP.labels(route, str(status)).inc()
            log.info("request", extra={"method": scope["method"],
                                       "route": route,
                                       "status": status,
                                       "ms": round((time.perf_counter() - started) * 1000, 1)})


def create_app(settings: Settings, store: Store | None = None, *,
               secure_cookies: bool | None = None) -> FastAPI:
    """The web app on ``store`` (opened from ``settings`` when not given)."""
    own_store = store is None
    the_store = store or Store(settings)
    key = secret_key(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.jobs.shutdown()
        if own_store:
            the_store.close()

    # /docs is ours (web/api_docs.py: Swagger UI served by the app, allowed by the CSP);
    # FastAPI's own loads it from a CDN. No ReDoc, no OAuth2 redirect page.
    app = FastAPI(title="Upwell", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None,
                  description="Your own coaching from your own mail, chat and calendar. "
                  "Personal routes serve only their owner; see docs/web.md.")
    app.state.settings = settings
    app.state.store = the_store
    app.state.templates = templates()
    app.state.jobs = ImportJobs(the_store, settings)
    app.state.limiter = RateLimiter(settings.web_login_attempts)
    app.state.secret_box = SecretBox(key)
    app.state.sso = SSO(the_store, app.state.secret_box)
    secure = settings.web_secure_cookies if secure_cookies is None else secure_cookies

    for module in (pages_auth, pages_member, pages_sources, pages_delivery, pages_admin,
                   pages_insights, pages_team, api, api_delivery, ops):
        app.include_router(module.router)
    app.include_router(pages_insights.api)
    add_docs(app, _CSP)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "E401 sign in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Sync, so Starlette runs it on the thread pool: rendering looks up the principal.
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=exc.headers)
        return render(request, "error.html", status_code=exc.status_code,
                      status=exc.status_code,
                      detail="Not found." if exc.status_code == 404 else exc.detail)

    app.add_middleware(HeadersAndLog)
    # Added last, so it runs first: the signed cookie holds only a session token and a CSRF
    # token; HttpOnly, SameSite=Lax, and Secure unless turned off for plain loopback http.
    app.add_middleware(SessionMiddleware, secret_key=key.decode(), session_cookie="upwell",
                       max_age=settings.web_session_hours * 3600, same_site="lax",
                       https_only=secure)
    return app
