"""Canonical JSON (RFC 8785 style) and its digest: one text, hence one hash, per value.

Keys sorted, no whitespace, UTF-8. Amounts are carried as exact decimal
strings by the callers, so no float formatting can make two machines disagree.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()
