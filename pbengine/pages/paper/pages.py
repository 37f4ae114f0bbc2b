"""`/staff/rounds/{id}/paper`: open a batch, enter it (one ballot per screen), reconcile
the two passes, count it. The paper batch service decides everything; these pages show
its answers, and its refusals next to the field they name."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError

from pbengine.pages.deps import Lang, Work
from pbengine.pages.i18n import Language
from pbengine.pages.paper.ballots import missing, paper_ballot, paper_entry
from pbengine.pages.paper.context import batch_page, batches_page, entry_page
from pbengine.pages.paper.refusals import own
from pbengine.pages.staff.posting import Answer, on_form
from pbengine.pages.staff.session import Staff
from pbengine.service.errors import NotFoundError, ServiceError
from pbengine.service.paper_batches import PaperBatchService
from pbengine.service.paper_entries import BatchIn, DecisionIn
from pbengine.service.rounds import RoundService
from pbengine.service.sign_in import StaffSession
from pbengine.store.unit_of_work import UnitOfWork

BASE = "/staff/rounds/{round_id:int}/paper"


class PaperPages(Controller):
    path = BASE
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def batches(self, uow: Work, language: Lang, staff: Staff, round_id: FromPath[int]) -> Template:
        return batches_page(uow, language, staff, round_id)

    @post("/", status_code=303)
    async def open_batch(
        self,
        *,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Answer:
        return await on_form(request, staff, partial(_open, uow, language, staff, round_id))

    @get("/{batch_id:int}", sync_to_thread=True)
    def batch(
        self,
        *,
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
    ) -> Template:
        return batch_page(uow, language, staff, (round_id, batch_id))

    @get(["/{batch_id:int}/resolve", "/{batch_id:int}/count"], sync_to_thread=False)
    def back_to_batch(self, round_id: FromPath[int], batch_id: FromPath[int]) -> Redirect:
        """A refused decision or count shown again in another language: the batch's page."""
        return Redirect(f"/staff/rounds/{round_id}/paper/{batch_id}", status_code=303)

    @get("/{batch_id:int}/enter", sync_to_thread=True)
    def enter_form(
        self,
        *,
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
        saved: FromQuery[int | None] = None,
        corrected: FromQuery[int | None] = None,
    ) -> Template:
        done = ("saved", saved) if saved else (("corrected", corrected) if corrected else None)
        return entry_page(uow, language, staff, (round_id, batch_id), done=done)

    @post("/{batch_id:int}/enter", status_code=303)
    async def enter(
        self,
        *,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
    ) -> Answer:
        where = (round_id, batch_id, None)
        return await on_form(request, staff, partial(_save, uow, language, staff, where))

    @get("/{batch_id:int}/enter/{position:int}", sync_to_thread=True)
    def correct_form(
        self,
        *,
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
        position: FromPath[int],
    ) -> Template:
        mine = PaperBatchService(uow).entries(staff.principal, round_id, batch_id)
        if all(e.position != position for e in mine):
            raise NotFoundError(f"your pass has no ballot at position {position}", "position")
        return entry_page(uow, language, staff, (round_id, batch_id), correcting=position)

    @post("/{batch_id:int}/enter/{position:int}", status_code=303)
    async def correct(
        self,
        *,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
        position: FromPath[int],
    ) -> Answer:
        where = (round_id, batch_id, position)
        return await on_form(request, staff, partial(_save, uow, language, staff, where))

    @post("/{batch_id:int}/resolve", status_code=303)
    async def resolve(
        self,
        *,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
    ) -> Answer:
        ids = (round_id, batch_id)
        return await on_form(request, staff, partial(_resolve, uow, language, staff, ids))

    @post("/{batch_id:int}/count", status_code=303)
    async def count(
        self,
        *,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
    ) -> Answer:
        def work(_: FormMultiDict) -> Answer:
            try:
                PaperBatchService(uow).count(staff.principal, round_id, batch_id)
            except ServiceError as exc:
                _raise_unless_shown(exc)
                ids = (round_id, batch_id)
                return batch_page(uow, language, staff, ids, refusal=exc, counting=True)
            # The batch's page, counted, says how many ballots count and gives its event.
            return Redirect(f"/staff/rounds/{round_id}/paper/{batch_id}", status_code=303)

        return await on_form(request, staff, work)


def _raise_unless_shown(exc: ServiceError) -> None:
    """A round or batch that is not the caller's is the 404 page, never a field's error."""
    if isinstance(exc, NotFoundError) and exc.field != "position":
        raise exc


def _open(
    uow: UnitOfWork, language: Language, staff: StaffSession, round_id: int, form: FormMultiDict
) -> Answer:
    label, papers = str(form.get("label") or "").strip(), str(form.get("papers") or "").strip()
    if papers and not papers.isdigit():
        return batches_page(
            uow, language, staff, round_id, refusal=own("papers", "papers", language), form=form
        )
    try:
        order = BatchIn(label=label, papers=int(papers) if papers else None)
        opened = PaperBatchService(uow).open(staff.principal, round_id, order)
    except (ServiceError, ValidationError) as exc:
        if isinstance(exc, ServiceError):
            _raise_unless_shown(exc)
        return batches_page(uow, language, staff, round_id, refusal=exc, form=form)
    return Redirect(f"/staff/rounds/{round_id}/paper/{opened.id}", status_code=303)


def _save(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    where: tuple[int, int, int | None],
    form: FormMultiDict,
) -> Answer:
    """One paper ballot of the caller's pass: the next one, or the one at a position again.
    Refused: the entry screen again, with what was typed and the refusal next to its field."""
    round_id, batch_id, position = where
    ids = (round_id, batch_id)
    lacking = missing(form)
    if lacking is not None:
        field = "voter_code" if lacking == "no_code" else "projects"
        refusal = own(field, lacking, language)
        return entry_page(
            uow, language, staff, ids, form=form, refusal=refusal, correcting=position
        )
    config = RoundService(uow).own_view(staff.principal, round_id).config
    batches = PaperBatchService(uow)
    try:
        if position is None:
            saved = batches.enter(staff.principal, *ids, paper_entry(form, config))
            done = f"saved={saved.position}"
        else:
            batches.correct(staff.principal, *ids, position, paper_ballot(form, config))
            done = f"corrected={position}"
    except (ServiceError, ValidationError) as exc:
        if isinstance(exc, ServiceError):
            _raise_unless_shown(exc)
        return entry_page(uow, language, staff, ids, form=form, refusal=exc, correcting=position)
    return Redirect(f"/staff/rounds/{round_id}/paper/{batch_id}/enter?{done}", status_code=303)


def _resolve(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    ids: tuple[int, int],
    form: FormMultiDict,
) -> Answer:
    """A decision on one disagreement, after looking at the paper."""
    config = RoundService(uow).own_view(staff.principal, ids[0]).config
    choice = str(form.get("choice") or "")
    lacking = missing(form) if choice == "typed" else None
    if lacking is not None:
        field = "voter_code" if lacking == "no_code" else "projects"
        refusal = own(field, lacking, language)
        return batch_page(uow, language, staff, ids, refusal=refusal, form=form)
    try:
        decision = DecisionIn(
            position=int(str(form.get("position") or "0")),
            choice=choice,  # type: ignore[arg-type]
            ballot=paper_ballot(form, config) if choice == "typed" else None,
            note=str(form.get("note") or "").strip(),
        )
        PaperBatchService(uow).resolve(staff.principal, *ids, decision)
    except (ServiceError, ValidationError) as exc:
        if isinstance(exc, ServiceError):
            _raise_unless_shown(exc)
        return batch_page(uow, language, staff, ids, refusal=exc, form=form)
    except ValueError:
        raise NotFoundError("no such ballot in this batch", "position") from None
    round_id, batch_id = ids
    return Redirect(
        f"/staff/rounds/{round_id}/paper/{batch_id}#d-{decision.position}", status_code=303
    )
