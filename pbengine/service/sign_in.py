"""Signing staff and auditors in to the pages: a token in, a session out.

The pages cannot send an Authorization header from a plain form, so a staff
member types their token once and the browser keeps a session cookie. The
session acts with the token's role and council, for as long as both last.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlmodel import Session

from pbengine.service.errors import ForbiddenError, Principal, UnauthorizedError
from pbengine.service.identity import token_principal
from pbengine.store.tokens import is_token
from pbengine.store.unit_of_work import UnitOfWork

SESSION_SECONDS = 12 * 3600
"""A working day: long enough for an evening of paper ballots, short enough that a
browser left signed in at a library desk does not stay signed in for the week."""


@dataclass(frozen=True)
class StaffSession:
    """Who a session acts as, and the token its forms must carry."""

    principal: Principal
    csrf_token: str

    def check_form(self, sent: str | None) -> None:
        """A form posted in this session must carry its CSRF token (a constant-time compare)."""
        if not sent or not hmac.compare_digest(sent.encode(), self.csrf_token.encode()):
            raise ForbiddenError(
                "this form is out of date or came from another site; open the page again",
                "csrf",
            )


@dataclass(frozen=True)
class Grant:
    """A new session: `secret` goes in the cookie and is never shown again."""

    secret: str
    session: StaffSession
    max_age: int


class SignInService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def sign_in(self, token: str) -> Grant:
        token = token.strip()
        with self.uow as uow:
            row = uow.tokens.find(token) if is_token(token) else None
            if row is None:
                # The same answer for a voter code, a typo or a revoked token.
                raise UnauthorizedError("this is not a valid staff or auditor token", "token")
            uow.staff_sessions.close_expired()
            uow.tokens.used(row)
            secret, opened = uow.staff_sessions.open(row, SESSION_SECONDS)
            uow.commit()
            return Grant(
                secret, StaffSession(token_principal(row), opened.csrf_token), SESSION_SECONDS
            )

    def session(self, secret: str) -> StaffSession | None:
        """The session the cookie names, if it is still open."""
        with self.uow as uow:
            found = uow.staff_sessions.find(secret)
            if found is None:
                return None
            return StaffSession(token_principal(found.token), found.csrf_token)

    def sign_out(self, secret: str) -> None:
        with self.uow as uow:
            uow.staff_sessions.close(secret)
            uow.commit()
