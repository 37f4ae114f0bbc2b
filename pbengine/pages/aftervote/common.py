"""What the after-vote pages share: the posted form read as text, a refused field's id and
message, and the phase in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from litestar.datastructures import FormMultiDict
from pydantic import ValidationError

from pbengine.pages.council.refusals import FORM, message_for
from pbengine.pages.council.review import anchor
from pbengine.pages.i18n import Language

__all__ = ["FORM", "anchor", "day", "first_field", "read", "shown", "whole"]


def read(form: FormMultiDict, names: Iterable[str]) -> dict[str, str]:
    """Each named field as typed, trimmed; an absent one is empty."""
    return {name: str(form.get(name) or "").strip() for name in names}


def first_field(exc: ValidationError) -> str | None:
    first = exc.errors()[0]
    return str(first["loc"][0]) if first["loc"] else None


def shown(
    field: str | None,
    problem: str,
    *,
    fields: Mapping[str, str],
    messages: Mapping[str, str],
    language: Language,
) -> dict[str, str]:
    """A refusal as the page shows it: beside the form's control for `field` (its id in
    `fields`), else at the top of the page."""
    key = fields.get(field or "", FORM)
    return {key: message_for(field, problem, messages, language)}


def day(language: Language, text: str | None) -> str:
    """An ISO date as the language writes it (a date the page cannot read, as stored)."""
    if not text:
        return ""
    try:
        return language.date(date.fromisoformat(text))
    except ValueError:
        return text


def whole(text: str) -> int:
    """A form's whole number, or 0 (which no count, milestone or sign-up is): digits only,
    ASCII (`"²".isdigit()` holds, yet int() refuses it), and few enough for a database id."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0
