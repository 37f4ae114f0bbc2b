"""A service's refusal as staff read it: in their language, tied to the field at fault; and
where a form's answer leads when it is fetched again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from litestar import Request

from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.service.errors import ServiceError
from pbengine.service.rounds import RoundView

FORM = "form"
"""The key of an error that belongs to no one field: shown at the top of the page."""

# Refusals a page does not handle itself: sign-in, permission and "no such round" are
# pages of their own (pbengine/pages/errors.py), never a field's error.
NOT_MINE = (401, 403, 404)

UNEXPLAINED = N_("This was refused: %(problem)s")


def back(request: Request[Any, Any, Any], page: str) -> str:
    """`page`, keeping the language asked for: where a form's answer leads when fetched."""
    language = request.query_params.get("lang")
    return f"{page}?{urlencode({'lang': language})}" if language else page


def raise_unless_shown(exc: ServiceError) -> None:
    if exc.status in NOT_MINE:
        raise exc


def in_phase(message: str, view: RoundView, language: Language) -> str:
    """`message` with the round's phase, each phase named as the pages name it."""
    return language.translate(message, phase=language.translate(PHASES[view.phase]))


def message_for(
    field: str | None, problem: str, messages: Mapping[str, str], language: Language
) -> str:
    """The page's own words for a refused field, else the service's (in English)."""
    if field is not None and field in messages:
        return language.translate(messages[field])
    return language.translate(UNEXPLAINED, problem=problem.removeprefix("Value error, "))
