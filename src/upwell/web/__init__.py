"""The member's web app (FastAPI + server-rendered pages). See docs/web.md."""

from __future__ import annotations

from upwell.web.app import create_app

__all__ = ["create_app"]
