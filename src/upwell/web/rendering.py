"""Server-rendered pages: the Jinja environment (filters, globals) and :func:`render`.

Reads: the package's templates and the request's principal and CSRF token. Pages import this
module, never the app (``web/app.py`` builds the app and imports the pages), so the web
package's modules import each other without a circle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from upwell import __version__
from upwell.deliver.formatting import number
from upwell.web.auth import csrf_token, principal

TEMPLATES = Path(__file__).parent / "templates"
HTMX = "htmx-2.0.4.min.js"


def templates() -> Jinja2Templates:
    """The app's template environment (one per app, kept on ``app.state.templates``)."""
    t = Jinja2Templates(directory=str(TEMPLATES))
    # ``upwell_version``, not ``version``: a page's own ``version`` (the consent wording's) would
    # hide it from the footer.
    t.env.globals.update(htmx=HTMX, upwell_version=__version__)
    t.env.filters["num"] = number  # counts as whole numbers everywhere (deliver/formatting.py)
    t.env.auto_reload = False  # templates ship with the package: no stat() per page view
    return t


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """A page, with the principal and the CSRF token every form needs."""
    tpl: Jinja2Templates = request.app.state.templates
    context.update(me=principal(request), csrf=csrf_token(request))
    return tpl.TemplateResponse(request, name, context, status_code=status_code)
