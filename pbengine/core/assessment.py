"""Residents' assessment of delivered projects, checked and summed up (pure: no I/O).

In phase `assessment` a resident rates each delivered project against the outcome
priorities it serves: did it happen, is it used, did it help each outcome (1 to 5), with an
optional comment. One assessment per assessor and project is live: a second one replaces
it and names the event it replaces, as a revote names the ballot it replaces. The service
checks each assessment with `apply` on the assessments folded so far before it logs it;
replay folds the record's events through the same `apply`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

ISSUED = "assessment_codes.issued"
"""{count, district, assessors}: codes for the assessment only; their assessor keys."""
ASSESSED = "assessment.submitted"
"""{assessor, source, district, project, happened, used, helped, comment, replaces}: an
assessment under the assessor's pseudonym; `comment` is the digest of its free text."""
ANSWERED = "assessment.answered"
"""{project, text}: the council's public answer to a project's assessment."""
KINDS = (ISSUED, ASSESSED, ANSWERED)

HAPPENED = ("yes", "partly", "no")
USED = ("yes", "partly", "no", "dont_know")
SCORES = (1, 2, 3, 4, 5)
SOURCES = ("voter", "assessment")
COMMENT = 2000
ANSWER = 4000
NO_DISTRICT = "(none)"
DIGEST = re.compile(r"[0-9a-f]{64}")


class AssessmentError(ValueError):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True)
class Assessment:
    """The live assessment of one project by one assessor."""

    assessor: str
    district: str | None
    project: str
    happened: str
    used: str
    helped: dict[str, int]
    comment: str | None
    """The digest of the comment (comment_digest), or None without one."""
    hash: str
    """The hash of the event that recorded it: a revision names it."""


@dataclass
class Assessments:
    """A round's assessments so far: the live one per (assessor, project), and answers."""

    live: dict[tuple[str, str], Assessment] = field(default_factory=dict)
    districts: dict[str, str | None] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    """The council's latest public answer to each project's assessment."""

    def of_project(self, project: str) -> list[Assessment]:
        return [a for (_, p), a in self.live.items() if p == project]


def check_answers(payload: Mapping[str, Any], serves: Sequence[str]) -> dict[str, Any]:
    """happened, used and helped as a project serving `serves` takes them, or refused."""
    happened, used = payload.get("happened"), payload.get("used")
    if happened not in HAPPENED:
        raise AssessmentError("happened", f"did it happen: one of {', '.join(HAPPENED)}")
    if used not in USED:
        raise AssessmentError("used", f"is it used: one of {', '.join(USED)}")
    helped = payload.get("helped") or {}
    if not isinstance(helped, Mapping):
        raise AssessmentError("helped", "helped maps outcome priorities to scores 1 to 5")
    for key, score in helped.items():
        if key not in serves:
            served = ", ".join(serves) or "none"
            raise AssessmentError(
                f"helped.{key}",
                f"the project does not serve outcome priority {key!r}; it serves: {served}",
            )
        if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
            raise AssessmentError(f"helped.{key}", "a score is a whole number from 1 to 5")
    return {"happened": happened, "used": used, "helped": dict(sorted(helped.items()))}


def checked_text(value: Any, name: str, limit: int, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise AssessmentError(name, f"{name} is required")
    if len(text) > limit:
        raise AssessmentError(name, f"{name} is at most {limit:,} characters")
    return text


def comment_digest(salt: str, text: str) -> str:
    """What the log keeps of a comment: anyone holding the published salt and text can
    check it; once a comment is erased, its digest confirms no guess."""
    return hashlib.sha256(f"{salt}\n{text}".encode()).hexdigest()


def apply(
    state: Assessments,
    kind: str,
    payload: Mapping[str, Any],
    *,
    event_hash: str,
    assessable: Mapping[str, Sequence[str]],
    funded: Iterable[str],
) -> None:
    """Check one assessment event against the state so far, then make it.

    `assessable`: the delivered projects and the outcome priorities each serves;
    `funded`: every project the delivery holds (a council may answer on any of them).
    """
    if kind == ANSWERED:
        project = str(payload.get("project") or "")
        if project not in set(funded):
            raise AssessmentError("project", f"project {project!r} was not funded in this round")
        state.answers[project] = checked_text(payload.get("text"), "text", ANSWER, required=True)
        return
    if kind != ASSESSED:
        raise AssessmentError("type", f"unknown kind of assessment event {kind!r}")
    project = str(payload.get("project") or "")
    if project not in assessable:
        raise AssessmentError("project", f"project {project!r} was not delivered: not assessed")
    answers = check_answers(payload, assessable[project])
    assessor = str(payload["assessor"])
    district = payload.get("district")
    if state.districts.setdefault(assessor, district) != district:
        raise AssessmentError("district", f"assessor {assessor} changes district")
    earlier = state.live.get((assessor, project))
    if payload.get("replaces") != (None if earlier is None else earlier.hash):
        raise AssessmentError("replaces", "it does not name the assessment it replaces")
    comment = payload.get("comment")
    if comment is not None and not DIGEST.fullmatch(str(comment)):
        raise AssessmentError("comment", "a comment is logged as its digest only")
    state.live[(assessor, project)] = Assessment(
        assessor, district, project, **answers, comment=comment, hash=event_hash
    )


def mean_text(total: int, count: int) -> str | None:
    """A mean score to two decimals ('3.67'), rounded half to even; None without scores."""
    if not count:
        return None
    hundredths = round(Fraction(total * 100, count))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def scores_summary(scores: Sequence[int]) -> dict[str, Any]:
    """How many scored, how many gave each score, and the mean."""
    counts = Counter(scores)
    return {
        "respondents": len(scores),
        "distribution": {str(s): counts[s] for s in SCORES},
        "mean": mean_text(sum(scores), len(scores)),
    }


def by_district(districts: Iterable[str | None]) -> dict[str, int]:
    counts = Counter(d or NO_DISTRICT for d in districts)
    return dict(sorted(counts.items()))


def project_summary(assessments: Sequence[Assessment], serves: Sequence[str]) -> dict[str, Any]:
    """One project's assessments summed up: respondents, answers, scores per outcome."""
    happened = Counter(a.happened for a in assessments)
    used = Counter(a.used for a in assessments)
    return {
        "respondents": len(assessments),
        "happened": {k: happened[k] for k in HAPPENED},
        "used": {k: used[k] for k in USED},
        "helped": {
            key: scores_summary([a.helped[key] for a in assessments if key in a.helped])
            for key in serves
        },
        "by_district": by_district(a.district for a in assessments),
    }


def outcome_summary(assessments: Iterable[Assessment], key: str) -> dict[str, Any]:
    """One outcome priority across the projects serving it: every score given for it, and
    how many residents (assessors) gave one, by district."""
    scored = [a for a in assessments if key in a.helped]
    summary = scores_summary([a.helped[key] for a in scored])
    respondents = {a.assessor: a.district for a in scored}
    return {
        **summary,
        "scores": summary["respondents"],
        "respondents": len(respondents),
        "by_district": by_district(respondents.values()),
    }
