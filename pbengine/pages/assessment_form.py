"""A resident's assessment of one delivered project as its form sends it, and its errors.

Every project's form on the page posts the same names, `code`, `project`, `happened`,
`used`, `helped-<outcome priority>` (1 to 5, or empty: "I cannot judge") and `comment`;
the page's ids carry the project's key (`control`), so several forms live on one page. The form is
checked here first, so that every wrong field is shown at once; the service checks it all
again when it records the assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.datastructures import FormMultiDict

from pbengine.core import assessment as core
from pbengine.pages.explain import N_
from pbengine.pages.i18n import Language
from pbengine.service.assessment_replies import AssessmentIn, AssessmentOut

HAPPENED = {"yes": N_("Yes"), "partly": N_("Partly"), "no": N_("No")}
USED = {"yes": N_("Yes"), "partly": N_("Partly"), "no": N_("No"), "dont_know": N_("I don't know")}
SCORES = {
    1: N_("1, not at all"),
    2: N_("2"),
    3: N_("3"),
    4: N_("4"),
    5: N_("5, very much"),
}
CODE_LIMIT = 200
"""Longer than any code; what is longer is not read further."""

MESSAGES: dict[str, str] = {
    "no_code": N_("Type the voter code or the assessment code you were given."),
    "unknown_code": N_("We do not know this code. Check it and type it again."),
    "other_round": N_("This code belongs to another round."),
    "happened": N_("Say whether the project happened."),
    "used": N_("Say whether the project is used."),
    "helped": N_("Choose a score from 1 to 5, or “I cannot judge”."),
    "comment": N_("A comment is at most %(limit)s characters; this one has %(count)s."),
    "project": N_("This project cannot be assessed: it was not delivered."),
    "again": N_(
        "This code has assessed the project already: its answers are shown; save them again "
        "to revise them."
    ),
    "closed": N_("The residents' assessment is not open in this round."),
}


@dataclass
class Answers:
    """One project's answers as a form shows them: what was posted, or saved before."""

    happened: str = ""
    used: str = ""
    helped: dict[str, str] = field(default_factory=dict)
    comment: str = ""

    @classmethod
    def of(cls, saved: AssessmentOut) -> Answers:
        helped = {key: str(score) for key, score in saved.helped.items()}
        return cls(saved.happened, saved.used, helped, saved.comment or "")


def control(project: str, name: str) -> str:
    """The id of a control of a project's form (a project's key may start with a digit)."""
    return f"p{project}-{name}"


def read_code(form: FormMultiDict) -> str:
    return str(form.get("code") or "").strip()[:CODE_LIMIT]


def read_answers(form: FormMultiDict, serves: list[str]) -> Answers:
    helped = {key: str(form.get(f"helped-{key}") or "").strip() for key in serves}
    return Answers(
        happened=str(form.get("happened") or ""),
        used=str(form.get("used") or ""),
        helped={key: value for key, value in helped.items() if value},
        comment=str(form.get("comment") or ""),
    )


def answer_errors(answers: Answers, project: str, language: Language) -> dict[str, str]:
    """What is wrong with these answers, keyed by the control's id."""
    errors: dict[str, str] = {}
    if answers.happened not in HAPPENED:
        errors[control(project, "happened")] = language.translate(MESSAGES["happened"])
    if answers.used not in USED:
        errors[control(project, "used")] = language.translate(MESSAGES["used"])
    for key, value in answers.helped.items():
        if value not in {str(score) for score in SCORES}:
            errors[control(project, f"helped-{key}")] = language.translate(MESSAGES["helped"])
    count = len(answers.comment.strip())
    if count > core.COMMENT:
        errors[control(project, "comment")] = comment_error(count, language)
    return errors


def comment_error(count: int, language: Language) -> str:
    limit, length = language.number(core.COMMENT), language.number(count)
    return language.translate(MESSAGES["comment"], limit=limit, count=length)


def assessment_in(answers: Answers) -> AssessmentIn:
    helped: dict[str, Any] = {key: int(value) for key, value in answers.helped.items()}
    return AssessmentIn(
        happened=answers.happened,
        used=answers.used,
        helped=helped,
        comment=answers.comment.strip() or None,
    )


def refusal_field(project: str, field_name: str | None) -> str:
    """The control a service refusal names: `helped.parks` is `p<project>-helped-parks`."""
    if field_name in ("happened", "used", "comment"):
        return control(project, field_name)
    if field_name and field_name.startswith("helped."):
        return control(project, f"helped-{field_name.removeprefix('helped.')}")
    return control(project, "form")
