"""Signed heads in the core: every signed field is covered, and a key is named by itself."""

from __future__ import annotations

from typing import Any

import pytest

from pbengine.core.audit.signing import (
    FIELDS,
    RECEIPT,
    encode,
    key_id,
    key_problem,
    public_key_of,
    signature_problem,
    signed_head,
)

PRIVATE = bytes(range(32))
OTHER = bytes(range(1, 33))


def head(private: bytes = PRIVATE) -> dict[str, Any]:
    return signed_head(private, RECEIPT, round_id=3, height=12, hash_="ab" * 32, at="2027-05-04")


def keys(*privates: bytes) -> dict[str, str]:
    return {key_id(public_key_of(p)): encode(public_key_of(p)) for p in privates}


def test_a_signed_head_verifies_under_its_key_and_no_other() -> None:
    assert signature_problem(head(), keys(PRIVATE)) is None
    assert signature_problem(head(), keys(PRIVATE, OTHER)) is None
    assert "not among the public keys" in str(signature_problem(head(), keys(OTHER)))


@pytest.mark.parametrize("name", [f for f in FIELDS if f != "key_id"])
def test_changing_any_signed_field_breaks_the_signature(name: str) -> None:
    changed = {**head(), name: "x"}
    assert "forged or altered" in str(signature_problem(changed, keys(PRIVATE)))


def test_a_key_listed_under_another_keys_id_is_refused() -> None:
    mine, other = public_key_of(PRIVATE), public_key_of(OTHER)
    swapped = {key_id(mine): encode(other)}
    assert "is another key" in str(signature_problem(head(), swapped))
    assert key_problem([{"key_id": key_id(mine), "public_key": encode(other)}]) is not None
    assert key_problem([{"key_id": key_id(mine), "public_key": encode(mine)}]) is None
    assert key_problem([{"key_id": key_id(mine), "public_key": "not base64!"}]) is not None


def test_a_head_missing_a_field_is_not_a_signed_head() -> None:
    partial = {k: v for k, v in head().items() if k != "at"}
    assert "not a signed head" in str(signature_problem(partial, keys(PRIVATE)))
