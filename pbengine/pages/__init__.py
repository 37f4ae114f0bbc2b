"""Pages for residents, rendered on the server: one more adapter over the services.

They call the same services as the JSON API (never the API, never the
store), work with script off, and speak every language in locale/
(docs/pages.md). `pages_router` and `template_config` are what an app needs
to serve them; pbengine.web composes them with the API.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from litestar import Router
from litestar.datastructures import ResponseHeader
from litestar.static_files import create_static_files_router

from pbengine.pages.assessment import AssessmentResultsPage, AssessPages
from pbengine.pages.delivery import DeliveryPages
from pbengine.pages.errors import HANDLERS
from pbengine.pages.propose import ProposePages
from pbengine.pages.rounds import RoundPages
from pbengine.pages.staff import staff_router
from pbengine.pages.templating import template_config
from pbengine.pages.vote import VotePages

__all__ = ["pages_router", "template_config"]

# Everything a page uses comes from pbengine itself: the browser is told so, and refuses
# anything from another host even if a template ever slipped one in.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def pages_router() -> Router:
    static = Path(str(resources.files("pbengine.pages") / "static"))
    return Router(
        path="/",
        route_handlers=[
            RoundPages,
            ProposePages,
            VotePages,
            DeliveryPages,
            AssessmentResultsPage,
            AssessPages,
            staff_router(),
            create_static_files_router(path="/static", directories=[static]),
        ],
        exception_handlers=HANDLERS,
        response_headers=[
            ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
            ResponseHeader(name="Referrer-Policy", value="same-origin"),
            # The language of a page follows these two request headers.
            ResponseHeader(name="Vary", value="Accept-Language, Cookie"),
        ],
        include_in_schema=False,
    )
