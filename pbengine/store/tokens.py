"""Secrets: API tokens for staff and auditors, voter codes for residents.

Only their SHA-256 digests are stored; each secret is shown once, when it is
made. Voter codes are short enough to print on a polling card and type in,
and long enough (80 bits) that guessing one is hopeless (docs/security.md).

A token works until it expires (90 days unless its maker says otherwise) or
is revoked; its last use is kept, to the nearest few minutes, so a council can
see which tokens are still needed.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from pbengine.store.tables import TokenRow

ROLES = ("council", "auditor")
TOKEN_PREFIX = "pbe_"
# No 0/O, 1/I: codes are read off paper.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 4
DEFAULT_LIFETIME_DAYS = 90
LAST_USE_PRECISION = 300
"""Seconds: a token's last use is written at most this often, not on every request."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def is_active(token: TokenRow, now: int) -> bool:
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def active_clause(now: int) -> ColumnElement[bool]:
    """`is_active` as a WHERE clause, for queries that join tokens."""
    return and_(
        col(TokenRow.revoked_at).is_(None),
        or_(col(TokenRow.expires_at).is_(None), col(TokenRow.expires_at) > now),
    )


class TokenRepository:
    """Staff and auditors' tokens, found by the digest of the secret they send."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self, *, role: str, council: str, label: str = "", days: int = DEFAULT_LIFETIME_DAYS
    ) -> str:
        """Store a new token and return it: the only time it is ever seen."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if not council.strip():
            raise ValueError("council must not be empty")
        if days <= 0:
            raise ValueError("a token must last at least one day")
        secret = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
        self.session.add(
            TokenRow(
                token_hash=digest(secret),
                role=role,
                council=council.strip(),
                label=label.strip(),
                expires_at=int(time.time()) + days * 86_400,
            )
        )
        return secret

    def find(self, secret: str) -> TokenRow | None:
        """The token, if it is neither expired nor revoked."""
        row = self.session.exec(
            select(TokenRow).where(TokenRow.token_hash == digest(secret))
        ).first()
        return row if row is not None and is_active(row, int(time.time())) else None

    def used(self, token: TokenRow) -> bool:
        """Note that `token` was used now; True if that changed the row (the caller commits)."""
        now = int(time.time())
        if token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION:
            return False
        token.last_used_at = now
        self.session.add(token)
        return True

    def listing(self, council: str | None = None) -> list[TokenRow]:
        query = select(TokenRow).order_by(col(TokenRow.id))
        if council is not None:
            query = query.where(TokenRow.council == council)
        return list(self.session.exec(query))

    def revoke(self, token_id: int) -> TokenRow | None:
        """Revoke the token with this id (it and its staff sessions stop working at once)."""
        row = self.session.get(TokenRow, token_id)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = int(time.time())
            self.session.add(row)
        return row


def create_token(
    session: Session, *, role: str, council: str, label: str = "", days: int = DEFAULT_LIFETIME_DAYS
) -> str:
    """A new token in the caller's transaction (the caller commits); see TokenRepository."""
    return TokenRepository(session).create(role=role, council=council, label=label, days=days)


def find_token(session: Session, secret: str) -> TokenRow | None:
    return TokenRepository(session).find(secret)


def is_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX)


def new_voter_code() -> str:
    """'K7QX-M2PD-9HTF-4RWA'."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4 * CODE_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def voter_code_digest(code: str) -> str:
    """The digest of a code as typed: case, spaces and dashes do not matter."""
    normal = "".join(c for c in code.upper() if c.isalnum())
    return digest(f"voter-code:{normal}")


def new_voter_key() -> str:
    """The pseudonym a ballot is stored under."""
    return f"v-{secrets.token_hex(8)}"
