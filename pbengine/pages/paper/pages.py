"""`/staff/rounds/{id}/paper`: open a batch, enter it (one ballot per screen), reconcile
the two passes, count it. The paper batch service decides everything; these pages show
its answers, and its refusals next to the field they name."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError

from pbengine.formats.validation_errors import first_error
from pbengine.pages.deps import Lang, Work
from pbengine.pages.i18n import Language
from pbengine.pages.paper.ballots import ballot_of, entry_of, in_words
from pbengine.pages.paper.context import batch_page, batches_page, entry_page
from pbengine.pages.staff.session import Staff, staff_form
from pbengine.service.errors import ServiceError
from pbengine.service.paper_batches import PaperBatchService
from pbengine.service.paper_entries import BatchIn, DecisionIn
from pbengine.service.rounds import RoundService
from pbengine.service.sign_in import StaffSession
from pbengine.store.unit_of_work import UnitOfWork

__all__ = ["PaperPages", "in_words"]


class PaperPages(Controller):
    path = "/staff/rounds/{round_id:int}/paper"
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
    ) -> Template | Redirect:
        form = await staff_form(request, staff)
        label, papers = str(form.get("label") or "").strip(), str(form.get("papers") or "").strip()

        def work() -> Template | Redirect:
            try:
                if papers and not papers.isdigit():
                    raise ValueError(papers)
                order = BatchIn(label=label, papers=int(papers) if papers else None)
                opened = PaperBatchService(uow).open(staff.principal, round_id, order)
            except ValidationError as exc:
                field, problem = first_error(exc, "label")
                return batches_page(uow, language, staff, round_id, error=(field, problem))
            except ServiceError as exc:
                return batches_page(uow, language, staff, round_id, error=(exc.field, exc.problem))
            except ValueError:
                problem = "the number of papers is a whole number, such as 120"
                return batches_page(uow, language, staff, round_id, error=("papers", problem))
            return Redirect(f"/staff/rounds/{round_id}/paper/{opened.id}", status_code=303)

        return await to_thread.run_sync(work)

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
        return batch_page(uow, language, staff, round_id, batch_id)

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
        return entry_page(
            uow, language, staff, round_id, batch_id, saved=saved, corrected=corrected
        )

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
    ) -> Template | Redirect:
        form = await staff_form(request, staff)
        return await to_thread.run_sync(
            _save, uow, language, staff, (round_id, batch_id, None), form
        )

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
        return entry_page(uow, language, staff, round_id, batch_id, correcting=position)

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
    ) -> Template | Redirect:
        form = await staff_form(request, staff)
        return await to_thread.run_sync(
            _save, uow, language, staff, (round_id, batch_id, position), form
        )

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
    ) -> Template | Redirect:
        form = await staff_form(request, staff)

        def work() -> Template | Redirect:
            config = RoundService(uow).own_view(staff.principal, round_id).config
            choice = str(form.get("choice") or "")
            try:
                decision = DecisionIn(
                    position=int(str(form.get("position") or "0")),
                    choice=choice,  # type: ignore[arg-type]
                    ballot=ballot_of(form, config) if choice == "typed" else None,
                    note=str(form.get("note") or ""),
                )
                PaperBatchService(uow).resolve(staff.principal, round_id, batch_id, decision)
            except (ServiceError, ValidationError, ValueError) as exc:
                return batch_page(uow, language, staff, round_id, batch_id, error=exc, form=form)
            return Redirect(f"/staff/rounds/{round_id}/paper/{batch_id}", status_code=303)

        return await to_thread.run_sync(work)

    @post("/{batch_id:int}/count", status_code=200)
    async def count(
        self,
        *,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        batch_id: FromPath[int],
    ) -> Template:
        await staff_form(request, staff)

        def work() -> Template:
            try:
                counted = PaperBatchService(uow).count(staff.principal, round_id, batch_id)
            except ServiceError as exc:
                return batch_page(uow, language, staff, round_id, batch_id, error=exc)
            return batch_page(uow, language, staff, round_id, batch_id, counted=counted)

        return await to_thread.run_sync(work)


def _save(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    where: tuple[int, int, int | None],
    form: FormMultiDict,
) -> Template | Redirect:
    """One paper ballot of the caller's pass: the next one, or the one at a position again.
    Refused: the entry screen again, with what was typed and the refusal next to its field."""
    round_id, batch_id, position = where
    config = RoundService(uow).own_view(staff.principal, round_id).config
    batches = PaperBatchService(uow)
    try:
        if position is None:
            saved = batches.enter(staff.principal, round_id, batch_id, entry_of(form, config))
            done = f"saved={saved.position}"
        else:
            batches.correct(staff.principal, round_id, batch_id, position, ballot_of(form, config))
            done = f"corrected={position}"
    except (ServiceError, ValidationError) as exc:
        return entry_page(
            uow, language, staff, round_id, batch_id, form=form, error=exc, correcting=position
        )
    return Redirect(f"/staff/rounds/{round_id}/paper/{batch_id}/enter?{done}", status_code=303)
