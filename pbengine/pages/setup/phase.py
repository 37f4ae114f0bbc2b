"""Moving a round to its next phase, once staff have confirmed what the move means.

The service decides whether the move is allowed (the phase machine, the
pre-flight check before voting, a reason for a void round); a refusal is
shown on the set-up page beside the button that asked for it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pbengine.core.phases import Phase
from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_
from pbengine.pages.setup import form as setup_form
from pbengine.pages.setup import problems
from pbengine.pages.setup.render import PhaseErrors, setup_page
from pbengine.pages.staff.posting import on_form
from pbengine.pages.staff.session import Staff
from pbengine.service.errors import ConflictError, InvalidError
from pbengine.service.preflight import NotReadyError
from pbengine.service.rounds import RoundService

UNCONFIRMED = N_("Tick the box to confirm that you mean this step.")


class PhasePages(Controller):
    path = "/staff/rounds/{round_id:int}/phase"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def back(self, round_id: FromPath[int]) -> Redirect:
        # A refused move's page was a post's answer; its language links come here.
        return Redirect(f"/staff/rounds/{round_id}/setup", status_code=303)

    @post("/", status_code=303)
    async def move(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template | Redirect:
        def work(form: FormMultiDict) -> Template | Redirect:
            target = str(form.get("target") or "")
            reason = str(form.get("reason") or "")
            confirmed = form.get("confirm") == "yes"
            service = RoundService(uow)
            view = service.own_view(staff.principal, round_id)
            before = view.phase
            refused = PhaseErrors(target, reason=reason)
            status = 422
            try:
                if not confirmed:
                    message = problems.FieldError(language.translate(UNCONFIRMED), "")
                    refused = PhaseErrors(target, {"confirm": message}, reason=reason)
                else:
                    # A reason is given only for a void round (the service refuses it else).
                    why = reason if target == Phase.VOID else None
                    moved = service.change_phase(staff.principal, round_id, target, why)
                    query = urlencode({"moved": f"{before}-{moved.phase}"})
                    return Redirect(f"/staff/rounds/{round_id}?{query}", status_code=303)
            except NotReadyError as exc:
                refused, status = PhaseErrors(target, problems=exc.details), exc.status
            except (InvalidError, ConflictError) as exc:
                errors = problems.from_service(exc, language)
                refused, status = PhaseErrors(target, errors, reason=reason), exc.status
            values = setup_form.of_config(view.config)
            return setup_page(service, language, staff, view, values, moved=refused, status=status)

        return await on_form(request, staff, work)
