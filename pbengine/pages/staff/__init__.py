"""Pages for council staff and auditors, behind a sign-in (docs/pages.md).

Like the residents' pages they call the services and nothing else; the
services decide who may do what, exactly as for the JSON API. Their
messages are the `staff` gettext domain, so that these pages' catalogues
can grow without touching the residents'.
"""

from __future__ import annotations

from litestar import Router

from pbengine.pages.aftervote import AFTERVOTE_PAGES
from pbengine.pages.audit.pages import AuditPages
from pbengine.pages.council import COUNCIL_PAGES
from pbengine.pages.paper.pages import PaperPages
from pbengine.pages.setup import PhasePages, SetupPages
from pbengine.pages.staff.overview import StaffRoundPages
from pbengine.pages.staff.session import STAFF_DEPENDENCIES, NotSignedInError, sign_in_required
from pbengine.pages.staff.sign_in import SignInPages

__all__ = ["staff_router"]


def staff_router() -> Router:
    return Router(
        path="/",
        route_handlers=[
            SignInPages,
            StaffRoundPages,
            AuditPages,
            SetupPages,
            PhasePages,
            *COUNCIL_PAGES,
            PaperPages,
            *AFTERVOTE_PAGES,
        ],
        dependencies={**STAFF_DEPENDENCIES},
        exception_handlers={NotSignedInError: sign_in_required},
        include_in_schema=False,
    )
