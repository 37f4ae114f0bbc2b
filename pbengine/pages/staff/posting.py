"""What every staff form's POST does alike, so that each handler says only what differs.

A staff form is read only once `staff_form` has shown that this site's page, in this
session, sent it; the work it asks for then runs off the event loop, since it waits on the
database. Its answer is either the same page again, with what was typed and each refusal
beside its field (4xx), or, once the change holds, on to the next page (303): so the pages
work with JavaScript off, and a reload never posts the form twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from anyio import to_thread
from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from pbengine.pages.staff.session import staff_form
from pbengine.service.sign_in import StaffSession

Answer = Template | Redirect
T = TypeVar("T")


async def on_form(
    request: Request[Any, Any, Any], staff: StaffSession, work: Callable[[FormMultiDict], T]
) -> T:
    """`work` done on the posted form, once the form has shown where it came from."""
    form = await staff_form(request, staff)
    return await to_thread.run_sync(work, form)


def refused_or_on(outcome: tuple[int, object], again: Callable[..., Template], then: str) -> Answer:
    """The page again, `again(errors=..., status=...)`, when `outcome` (status, errors) holds
    any errors; else on to `then`."""
    status, errors = outcome
    if errors:
        return again(errors=errors, status=status)
    return Redirect(then, status_code=303)
