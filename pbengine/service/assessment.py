"""Co-assessment: residents assess delivered projects; the council answers in public.

In phase `assessment` a resident holding a voter code of the round, or a code the
council issued for the assessment, assesses each delivered project against the outcome
priorities it was meant to serve (core/assessment.py). One assessment per code and
project: a second one is refused, and the resident revises theirs instead (`revise`)
until the phase ends. Assessments are
logged under an assessor key of their own, never the ballot's voter key, so the record
does not tell how a voter judged what they voted for. docs/co-assessment.md.
"""

from __future__ import annotations

import json
import secrets

from sqlmodel import Session

from pbengine.core import assessment as core
from pbengine.core.phases import Phase
from pbengine.service.access import config_of, get_round, own_round, phase_of, require_known
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
from pbengine.service.assessment_view import AfterVote, after_vote, assessment_view
from pbengine.service.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    Principal,
    UnauthorizedError,
)
from pbengine.store.assessments import assessor_digest, new_assessor_key
from pbengine.store.tables import AssessorRow, RoundRow
from pbengine.store.tokens import new_voter_code
from pbengine.store.unit_of_work import UnitOfWork

CODES_ISSUED_IN = (Phase.DELIVERY, Phase.ASSESSMENT)
SHOWN_IN = (Phase.ASSESSMENT, Phase.ARCHIVED)


class AssessmentService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def issue_codes(
        self, principal: Principal, round_id: int, order: AssessmentCodesIn
    ) -> AssessmentCodes:
        """Codes for residents to assess with, returned once and stored only as digests."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            if phase_of(row) not in CODES_ISSUED_IN:
                raise ConflictError(
                    "assessment codes are issued in phases delivery and assessment; the round "
                    f"is in '{row.phase}'",
                    "phase",
                )
            if order.district is not None:
                names = [d.name for d in config_of(uow.rounds, row).districts]
                require_known("district", "districts", [order.district], names, "district")
            codes = [new_voter_code() for _ in range(order.count)]
            rows = [
                AssessorRow(
                    round_id=round_id,
                    code_digest=assessor_digest(code),
                    assessor_key=new_assessor_key(),
                    district=order.district,
                    source="assessment",
                )
                for code in codes
            ]
            uow.assessments.add_assessors(rows)
            keys = [r.assessor_key for r in rows]
            payload = {"count": len(keys), "district": order.district, "assessors": keys}
            uow.log.append(row, core.ISSUED, payload)
            uow.commit()
            return AssessmentCodes(
                round=round_id, count=len(codes), district=order.district, codes=codes
            )

    def assess(
        self,
        principal: Principal,
        round_id: int,
        project: str,
        given: AssessmentIn,
        *,
        revise: bool = False,
    ) -> Assessed:
        """A resident's assessment of a delivered project, or (`revise`) its revision.

        Assessing twice is refused rather than silently replacing: a resident who meant to
        change their answer says so, and a shared code cannot overwrite unnoticed."""
        with self.uow as uow:
            row = get_round(uow.rounds, round_id, for_change=True)
            _check_assessor(principal, row)
            if phase_of(row) is not Phase.ASSESSMENT:
                raise ConflictError(
                    f"assessments are taken in phase 'assessment'; the round is in '{row.phase}'",
                    "phase",
                )
            state = after_vote(uow, row)
            _check_assessable(state, project)
            try:
                answers = core.check_answers(given.model_dump(), state.serves[project])
                comment = core.checked_text(given.comment, "comment", core.COMMENT, required=False)
            except core.AssessmentError as exc:
                raise InvalidError(exc.problem, exc.field) from None
            assessor = _assessor(uow, principal, row)
            earlier = state.assessments.live.get((assessor.assessor_key, project))
            _check_revision(project, earlier is not None, revise=revise)
            salt = secrets.token_hex(16)
            payload = {
                "assessor": assessor.assessor_key,
                "source": assessor.source,
                "district": assessor.district,
                "project": project,
                **answers,
                "comment": core.comment_digest(salt, comment) if comment else None,
                "replaces": None if earlier is None else earlier.hash,
            }
            # The check replay makes, made here first: what is logged always replays.
            core.apply(
                state.assessments,
                core.ASSESSED,
                payload,
                event_hash="",
                assessable=state.assessable,
                funded=state.serves,
            )
            event = uow.log.append(row, core.ASSESSED, payload)
            if comment:
                assert row.id is not None
                uow.assessments.add_comment(row.id, event.hash, salt, comment)
            uow.commit()
            mine = AssessmentOut(
                project=project, assessor=assessor.assessor_key, **answers, comment=comment or None
            )
            return _assessed(round_id, mine, replaced=earlier is not None)

    def mine(self, principal: Principal, round_id: int) -> list[AssessmentOut]:
        """The caller's own live assessments, to revise them."""
        with self.uow as uow:
            row = get_round(uow.rounds, round_id)
            _check_assessor(principal, row)
            assert principal.assessor is not None
            assert row.id is not None
            found = uow.assessments.assessor(principal.assessor)
            if found is None:
                return []
            comments = uow.assessments.comments(row.id)
            return [
                AssessmentOut(
                    project=a.project,
                    assessor=a.assessor,
                    happened=a.happened,
                    used=a.used,
                    helped=a.helped,
                    comment=c.text if (c := comments.get(a.hash)) else None,
                )
                for a in after_vote(uow, row).assessments.live.values()
                if a.assessor == found.assessor_key
            ]

    def answer(
        self, principal: Principal, round_id: int, project: str, given: AnswerIn
    ) -> Answered:
        """The council's public answer to a project's assessment (a new one replaces it)."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            if phase_of(row) is not Phase.ASSESSMENT:
                raise ConflictError(
                    f"the council answers in phase 'assessment'; the round is in '{row.phase}'",
                    "phase",
                )
            state = after_vote(uow, row)
            if project not in state.delivery:
                raise NotFoundError(f"project {project!r} was not funded in this round", "project")
            try:
                text = core.checked_text(given.text, "text", core.ANSWER, required=True)
            except core.AssessmentError as exc:
                raise InvalidError(exc.problem, exc.field) from None
            replaced = project in state.assessments.answers
            uow.log.append(row, core.ANSWERED, {"project": project, "text": text})
            uow.commit()
            return Answered(round=round_id, project=project, answer=text, replaced=replaced)

    def view(self, round_id: int) -> AssessmentView:
        """Every project's assessment summed up, and each outcome priority's (public)."""
        with self.uow as uow:
            row = get_round(uow.rounds, round_id)
            if phase_of(row) not in SHOWN_IN:
                raise ConflictError(
                    "the assessment is shown from phase 'assessment' on; the round is in "
                    f"'{row.phase}'",
                    "phase",
                )
            return assessment_view(uow, row)


def _assessed(round_id: int, assessment: AssessmentOut, *, replaced: bool) -> Assessed:
    message = (
        "this replaces your earlier assessment of the project"
        if replaced
        else "thank you: your assessment is recorded; you may revise it until the assessment ends"
    )
    return Assessed(round=round_id, replaced=replaced, message=message, assessment=assessment)


def _check_assessor(principal: Principal, row: RoundRow) -> None:
    if principal.role is None:
        raise UnauthorizedError(
            "assessing needs a voter code or an assessment code: send "
            "'Authorization: Bearer <code>'",
            "authorization",
        )
    if principal.assessor is None:
        raise ForbiddenError("residents assess, with their own code", "authorization")
    if principal.round_id != row.id:
        raise ForbiddenError("this code is for another round", "authorization")


def _check_revision(project: str, earlier: bool, *, revise: bool) -> None:
    if earlier and not revise:
        raise ConflictError(
            f"you have already assessed project {project!r}: revise that assessment "
            "(PUT) instead of sending a second one",
            "project",
        )
    if revise and not earlier:
        raise NotFoundError(
            f"you have not assessed project {project!r} yet: there is nothing to revise",
            "project",
        )


def _check_assessable(state: AfterVote, project: str) -> None:
    if project not in state.delivery:
        raise NotFoundError(f"project {project!r} was not funded in this round", "project")
    if project not in state.assessable:
        raise ConflictError(
            f"project {project!r} was not delivered (it is {state.delivery[project].state}): "
            "only delivered projects are assessed",
            "project",
        )


def _assessor(uow: UnitOfWork, principal: Principal, row: RoundRow) -> AssessorRow:
    """The caller's assessor pseudonym; a voter code gets one on its first assessment, with
    its district (its other attributes stay with the ballot)."""
    assert principal.assessor is not None
    assert row.id is not None
    found = uow.assessments.assessor(principal.assessor)
    if found is not None:
        return found
    assert principal.voter_key is not None  # an assessment code's row exists from its issue
    voter = uow.ballots.voter_by_key(row.id, principal.voter_key)
    assert voter is not None
    district = json.loads(voter.attributes_json).get("district")
    made = AssessorRow(
        round_id=row.id,
        code_digest=principal.assessor,
        assessor_key=new_assessor_key(),
        district=district,
        source="voter",
    )
    uow.assessments.add_assessors([made])
    return made
