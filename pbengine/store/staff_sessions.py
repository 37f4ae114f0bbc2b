"""Sessions of the pages' signed-in staff and auditors, stored as digests of their secrets."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from pbengine.store.tables import StaffSessionRow, TokenRow
from pbengine.store.tokens import active_clause, digest


@dataclass(frozen=True)
class OpenSession:
    """A session that has not expired, with the token it was opened with."""

    token: TokenRow
    csrf_token: str
    expires_at: int


class StaffSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, token: TokenRow, lifetime_seconds: int) -> tuple[str, OpenSession]:
        """A new session for `token`: its secret (for the cookie, shown once) and itself."""
        assert token.id is not None
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = int(time.time()) + lifetime_seconds
        self.session.add(
            StaffSessionRow(
                session_hash=_digest(secret),
                token_id=token.id,
                csrf_token=csrf,
                expires_at=expires,
            )
        )
        return secret, OpenSession(token=token, csrf_token=csrf, expires_at=expires)

    def find(self, secret: str) -> OpenSession | None:
        found = self.session.exec(
            select(StaffSessionRow, TokenRow)
            .join(TokenRow, col(TokenRow.id) == col(StaffSessionRow.token_id))
            .where(StaffSessionRow.session_hash == _digest(secret))
            .where(StaffSessionRow.expires_at > int(time.time()))
            # A session lasts no longer than its token: revoking the token ends it.
            .where(active_clause(int(time.time())))
        ).first()
        if found is None:
            return None
        row, token = found
        return OpenSession(token=token, csrf_token=row.csrf_token, expires_at=row.expires_at)

    def close(self, secret: str) -> None:
        self.session.exec(
            delete(StaffSessionRow).where(col(StaffSessionRow.session_hash) == _digest(secret))
        )

    def close_expired(self) -> None:
        self.session.exec(
            delete(StaffSessionRow).where(col(StaffSessionRow.expires_at) <= int(time.time()))
        )


def _digest(secret: str) -> str:
    # Another namespace than tokens': a session secret is never accepted as a token.
    return digest(f"staff-session:{secret}")
