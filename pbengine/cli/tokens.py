"""How `pbengine token list` shows a token: one line each, nothing secret (only digests exist)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pbengine.store.tables import TokenRow

TOKEN_HEADER = (
    f"{'id':>4}  {'role':<8} {'council':<20} {'name':<20} {'expires':<16} {'last used':<16} state"
)


def token_line(token: TokenRow, now: int) -> str:
    if token.revoked_at is not None:
        state = f"revoked {_when(token.revoked_at)}"
    elif token.expires_at is not None and token.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    expires = _when(token.expires_at) if token.expires_at is not None else "never"
    used = _when(token.last_used_at) if token.last_used_at is not None else "never"
    return (
        f"{token.id:>4}  {token.role:<8} {_cut(token.council):<20} "
        f"{_cut(token.label or '-'):<20} {expires:<16} {used:<16} {state}"
    )


def _when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")


def _cut(text: str) -> str:
    return text if len(text) <= 20 else text[:19] + "…"
