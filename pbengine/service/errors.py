"""Who is calling, and the refusals the service answers with (statuses follow HTTP)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: council staff, an auditor, a resident holding a voter code (or an
    "assessor" holding a code issued for the assessment), or the public.

    `role` is None for the public. A resident's principal carries the round
    their code belongs to and their pseudonymous voter key, never the code.
    """

    role: str | None = None
    council: str | None = None
    staff: str | None = None
    round_id: int | None = None
    voter_key: str | None = None
    assessor: str | None = None
    """A resident's or assessor's code as the assessment knows it: a digest of its own
    (store/assessments.py), which the ballots never hold."""

    @property
    def is_resident(self) -> bool:
        return self.role == "resident"


PUBLIC = Principal()
OPERATOR = Principal(role="operator")
"""Whoever runs the database itself (the command line on the server): it could read every
table anyway, so it reads every council's rounds as an auditor would. No token is ever
an operator."""


class ServiceError(Exception):
    status = 400

    def __init__(self, problem: str, field: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field
        self.details: list[dict[str, str]] = []
        """Every problem, when there are several (each {field, problem, fix})."""


class UnauthorizedError(ServiceError):
    status = 401


class ForbiddenError(ServiceError):
    status = 403


class NotFoundError(ServiceError):
    status = 404


class ConflictError(ServiceError):
    status = 409


class InvalidError(ServiceError):
    status = 422
