"""`/staff/rounds/{id}/codes`: issue voter codes, shown once as slips to print and cut.

The codes exist in clear only in the answer to the form: the service stores their
digests, so the sheet is not a page to come back to (no redirect after the post, and
`Cache-Control: no-store`); reloading it would issue new codes.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict, ResponseHeader
from litestar.params import FromPath
from litestar.response import Template

from pbengine.core.phases import ORDER, Phase
from pbengine.pages.council.refusals import FORM, in_phase, message_for, raise_unless_shown
from pbengine.pages.council.slips import slips, voting_address
from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.staff.posting import on_form
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.config import RoundConfig
from pbengine.service.errors import ServiceError
from pbengine.service.rounds import RoundService, RoundView
from pbengine.service.voting import VoterCodesIn, VotingService
from pbengine.store.unit_of_work import UnitOfWork

PER_SHEET = 500
"""The most codes one sheet shows: more than a browser prints comfortably in one go."""

MESSAGES = {
    "count": N_("Write how many codes to issue: a whole number from 1 to 500."),
    "district": N_("Choose one of the round's districts, or none."),
    "group": N_("Choose one of the groups in the list, or none."),
}
VOTING_OVER = N_(
    "Voting is over, so no more codes can be issued: this round is in the phase: %(phase)s."
)
QR_TITLE = N_("QR code: the voting page with this voter code:")


class CodePages(Controller):
    path = "/staff/rounds/{round_id:int}/codes"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def form(self, uow: Work, language: Lang, staff: Staff, round_id: FromPath[int]) -> Template:
        return _form(uow, language, staff, round_id, values={}, errors={})

    @post(
        "/",
        status_code=200,
        # The one page that ever shows these codes: no cache, shared or the browser's, keeps it.
        response_headers=[ResponseHeader(name="Cache-Control", value="no-store")],
    )
    async def issue(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template:
        address = voting_address(str(request.base_url), round_id)

        def work(form: FormMultiDict) -> Template:
            values = _values(form)
            view = RoundService(uow).own_view(staff.principal, round_id)
            count, errors = _count(values["count"], language)
            attributes = _attributes(view.config, values)
            status = 422
            if count is not None:
                try:
                    order = VoterCodesIn(count=count, attributes=attributes)
                    codes = VotingService(uow).issue_codes(staff.principal, round_id, order)
                except ServiceError as exc:
                    raise_unless_shown(exc)
                    status, errors = exc.status, {_key(exc.field): _refusal(exc, view, language)}
                else:
                    return page(
                        "council/slips.html",
                        language,
                        staff=staff,
                        round=view,
                        phases=PHASES,
                        address=address,
                        attributes=attributes,
                        slips=slips(codes, address, language.translate(QR_TITLE)),
                    )
            return _form(
                uow, language, staff, round_id, values=values, errors=errors, status=status
            )

        return await on_form(request, staff, work)


def _values(form: FormMultiDict) -> dict[str, str]:
    return {
        "count": str(form.get("count") or "").strip(),
        "district": str(form.get("district") or ""),
        "group": str(form.get("group") or ""),
    }


def _count(text: str, language: Language) -> tuple[int | None, dict[str, str]]:
    if text.isdigit() and 1 <= int(text) <= PER_SHEET:
        return int(text), {}
    return None, {"count": language.translate(MESSAGES["count"])}


def group_attribute(config: RoundConfig) -> tuple[str, list[str]] | None:
    """The voter attribute the round's turnout reweighting groups voters by, with its groups,
    when it is not the district (which has a field of its own)."""
    document = config.fairness.document if config.fairness else None
    reweighting = (document or {}).get("reweighting") or {}
    by = reweighting.get("by")
    if not by or by == "district":
        return None
    population = reweighting.get("population")
    groups = (
        list(population) if isinstance(population, dict) else [d.name for d in config.districts]
    )
    return by, groups


def _attributes(config: RoundConfig, values: dict[str, str]) -> dict[str, str]:
    attributes = {"district": values["district"]} if values["district"] else {}
    group = group_attribute(config)
    if group is not None and values["group"]:
        attributes[group[0]] = values["group"]
    return attributes


def _key(field: str | None) -> str:
    if field == "attributes.district":
        return "district"
    return field if field == "count" else FORM


def _refusal(exc: ServiceError, view: RoundView, language: Language) -> str:
    if exc.field == "phase":
        return in_phase(VOTING_OVER, view, language)
    return message_for(_key(exc.field), exc.problem, MESSAGES, language)


def _form(
    uow: UnitOfWork,
    language: Language,
    staff: Staff,
    round_id: int,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    view = RoundService(uow).own_view(staff.principal, round_id)
    count = VotingService(uow).count(round_id)
    over = ORDER.index(view.phase) > ORDER.index(Phase.VOTING)
    return page(
        "council/codes.html",
        language,
        status=status,
        staff=staff,
        round=view,
        phases=PHASES,
        values=values,
        errors=errors,
        issued=count.voter_codes_issued,
        ballots=count.ballots,
        per_sheet=PER_SHEET,
        group=group_attribute(view.config),
        voting_over=in_phase(VOTING_OVER, view, language) if over else None,
    )
