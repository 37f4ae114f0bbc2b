"""Routes for co-assessment: residents assess delivered projects, the council answers.

docs/co-assessment.md: who may do what, in which phase, and what is public.
"""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.service.assessment import AssessmentService
from pbengine.service.assessment_replies import (
    Answered,
    AnswerIn,
    Assessed,
    AssessmentCodes,
    AssessmentCodesIn,
    AssessmentIn,
    AssessmentOut,
    AssessmentView,
)


class AssessmentController(Controller):
    path = "/api/v1/rounds/{round_id:int}"
    tags = ("assessment",)
    dependencies = UNIT_OF_WORK

    @post(
        "/assessment-codes",
        sync_to_thread=True,
        summary="Issue codes for residents to assess with (council, in delivery or assessment)",
        description="For residents who hold no voter code of the round. The codes are "
        "shown once; each assesses under a pseudonym of its own.",
    )
    def issue_codes(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[AssessmentCodesIn]
    ) -> AssessmentCodes:
        return AssessmentService(uow).issue_codes(caller, round_id, data)

    @get(
        "/assessment",
        sync_to_thread=True,
        summary="Every project's assessment and each outcome priority's (public, from assessment)",
    )
    def view(self, uow: Work, round_id: FromPath[int]) -> AssessmentView:
        return AssessmentService(uow).view(round_id)

    @get(
        "/my-assessments",
        sync_to_thread=True,
        summary="The caller's own assessments (a resident's voter or assessment code)",
    )
    def mine(self, uow: Work, caller: Caller, round_id: FromPath[int]) -> list[AssessmentOut]:
        return AssessmentService(uow).mine(caller, round_id)

    @post(
        "/assessment/{project:str}",
        sync_to_thread=True,
        summary="Assess a delivered project (resident, in assessment)",
        description="One assessment per code and project: a second one is refused with 409 "
        "`project`; revise the first with PUT.",
    )
    def assess(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[AssessmentIn],
    ) -> Assessed:
        return AssessmentService(uow).assess(caller, round_id, project, data)

    @put(
        "/assessment/{project:str}",
        sync_to_thread=True,
        summary="Revise your assessment of a project (resident, until the assessment ends)",
        description="404 `project` if the caller has not assessed it yet.",
    )
    def revise(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[AssessmentIn],
    ) -> Assessed:
        return AssessmentService(uow).assess(caller, round_id, project, data, revise=True)

    @post(
        "/assessment/{project:str}/answer",
        sync_to_thread=True,
        status_code=200,
        summary="The council's public answer to a project's assessment (council, in assessment)",
    )
    def answer(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[AnswerIn],
    ) -> Answered:
        return AssessmentService(uow).answer(caller, round_id, project, data)
