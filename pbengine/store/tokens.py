"""Secrets: API tokens for staff and auditors, voter codes for residents.

Only their SHA-256 digests are stored; each secret is shown once, when it is
made. Voter codes are short enough to print on a polling card and type in,
and long enough (80 bits) that guessing one is hopeless.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from pbengine.store.tables import TokenRow

ROLES = ("council", "auditor")
TOKEN_PREFIX = "pbe_"
# No 0/O, 1/I: codes are read off paper.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 4


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class TokenRepository:
    """Staff and auditors' tokens, found by the digest of the secret they send."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, *, role: str, council: str, label: str = "") -> str:
        """Store a new token and return it: the only time it is ever seen."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if not council.strip():
            raise ValueError("council must not be empty")
        secret = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
        self.session.add(
            TokenRow(
                token_hash=digest(secret), role=role, council=council.strip(), label=label.strip()
            )
        )
        return secret

    def find(self, secret: str) -> TokenRow | None:
        return self.session.exec(
            select(TokenRow).where(TokenRow.token_hash == digest(secret))
        ).first()


def create_token(session: Session, *, role: str, council: str, label: str = "") -> str:
    """A new token in the caller's transaction (the caller commits); see TokenRepository."""
    return TokenRepository(session).create(role=role, council=council, label=label)


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
