"""The web app for an ASGI server run by a process manager:
``uvicorn --factory upwell.web.asgi:app`` (settings from the ``UPWELL_*`` environment).

Reads: the settings. Writes nothing itself. See docs/deploy.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from upwell.config import Settings
from upwell.web.app import create_app


def app() -> FastAPI:
    """A new app on the environment's settings (uvicorn calls it once per process)."""
    return create_app(Settings())
