"""Pydantic's first complaint, as pbengine reports every refusal: the field and the problem."""

from __future__ import annotations

from pydantic import ValidationError


def first_error(exc: ValidationError, whole: str) -> tuple[str, str]:
    """(field, problem) of the first error; `whole` names the field when the error is about
    the input as a whole. Our own validators' messages reach people without pydantic's
    "Value error, " prefix."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or whole
    return field, str(first["msg"]).removeprefix("Value error, ")
