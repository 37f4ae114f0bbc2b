"""Signed heads: the server's word, under its Ed25519 key, that a round's log reached a point.

A receipt (the reply to a ballot) and a checkpoint (a phase change) are both a
signed head: {kind, round, height, hash, at, key_id, signature}. The hash
chain alone lets whoever runs the database rewrite a round consistently; a
signed head held by someone else pins the log at that height, so a rewrite
below it shows, and the signature means the holder cannot have made it up.

Pure: keys come in as bytes, and nothing here reads a file or the clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pbengine.core.canonical import canonical

ALGORITHM = "Ed25519"
STATEMENT = "pbengine.signed-head/1"
"""Signed along with the head, so that these bytes mean nothing to any other protocol."""
RECEIPT = "receipt"
CHECKPOINT = "checkpoint"
FIELDS = ("kind", "round", "height", "hash", "at", "key_id")


def encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_key_of(private_key: bytes) -> bytes:
    return _loaded(private_key)[1]


@lru_cache(maxsize=8)
def _loaded(private_key: bytes) -> tuple[Ed25519PrivateKey, bytes]:
    """The key ready to sign, and its public half. Kept: loading the key cost every receipt
    twice what signing with it does (bench/intake.py, profiled), and a server signs with
    one key (two while it rotates)."""
    key = Ed25519PrivateKey.from_private_bytes(private_key)
    return key, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    """Names a key by its content, so a key list cannot pass one key off under another's id."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def statement(head: Mapping[str, Any]) -> bytes:
    """The exact bytes a signature covers: the head's fields, canonical JSON."""
    return canonical({"statement": STATEMENT, **{f: head.get(f) for f in FIELDS}}).encode()


def signed_head(
    private_key: bytes, kind: str, *, round_id: int, height: int, hash_: str, at: str
) -> dict[str, Any]:
    """The head of a round's log after `height` events, the last of which hashes to `hash_`."""
    head: dict[str, Any] = {
        "kind": kind,
        "round": round_id,
        "height": height,
        "hash": hash_,
        "at": at,
        "key_id": key_id(public_key_of(private_key)),
    }
    signature = _loaded(private_key)[0].sign(statement(head))
    return {**head, "signature": encode(signature)}


def signature_problem(head: Mapping[str, Any], public_keys: Mapping[str, str]) -> str | None:
    """None when `head` is signed by one of `public_keys` (key id: base64 key); else why not."""
    if not isinstance(head, Mapping) or any(f not in head for f in (*FIELDS, "signature")):
        return f"not a signed head (it needs the fields {', '.join(FIELDS)}, signature)"
    kid = head["key_id"]
    encoded = public_keys.get(kid) if isinstance(kid, str) else None
    if encoded is None:
        return f"it is signed by key {kid}, which is not among the public keys given"
    try:
        public_key, signature = decode(encoded), decode(str(head["signature"]))
    except (binascii.Error, ValueError):
        return "its signature or the public key is not base64"
    if key_id(public_key) != kid:
        return f"the public key listed as {kid} is another key (its id is {key_id(public_key)})"
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, statement(head))
    except (InvalidSignature, ValueError):
        return f"the signature does not match its content under key {kid}: it was forged or altered"
    return None


def key_problem(keys: Any) -> str | None:
    """None when `keys` is a list of {key_id, public_key} whose ids name their keys."""
    if not isinstance(keys, list):
        return "the public keys are not a list"
    for entry in keys:
        try:
            public_key = decode(entry["public_key"])
        except (KeyError, TypeError, AttributeError, binascii.Error, ValueError):
            return "a public key is missing or not base64"
        if key_id(public_key) != entry.get("key_id"):
            return f"public key {entry.get('key_id')} is listed under an id that is not its own"
    return None


def public_key_map(keys: list[Mapping[str, Any]]) -> dict[str, str]:
    return {str(k["key_id"]): str(k["public_key"]) for k in keys}
