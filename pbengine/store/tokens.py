"""API tokens: opaque bearer secrets, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from pbengine.store.tables import TokenRow

ROLES = ("council", "auditor")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, *, role: str, council: str) -> str:
    """Store a new token and return it: the only time it is ever seen."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not council.strip():
        raise ValueError("council must not be empty")
    secret = f"pbe_{secrets.token_urlsafe(32)}"
    session.add(TokenRow(token_hash=digest(secret), role=role, council=council.strip()))
    return secret


def find_token(session: Session, secret: str) -> TokenRow | None:
    return session.exec(select(TokenRow).where(TokenRow.token_hash == digest(secret))).first()
