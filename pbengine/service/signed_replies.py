"""Signed heads as the API answers them: receipts, checkpoints, and the keys that check them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True)


class SignedHead(_Reply):
    """The server's signed word that the round's log reached this point (docs/audit.md).

    Keep it: `pbengine verify-receipt receipt.json record.json` proves a later record
    still holds it; a record rewritten below it does not."""

    kind: str = Field(description="receipt (a ballot's) or checkpoint (a phase change's)")
    round: int
    height: int = Field(description="the number of events in the log, this one the last")
    hash: str = Field(description="the last event's hash (a receipt's: the ballot's tracker)")
    at: str = Field(description="when that event was written (UTC, ISO 8601)")
    key_id: str = Field(description="the signing key: /.well-known/pbengine-keys.json lists it")
    signature: str = Field(description="Ed25519, base64, over the fields above")


class PublicKey(_Reply):
    key_id: str = Field(description="the first 16 hex digits of the key's SHA-256")
    public_key: str = Field(description="the raw Ed25519 public key, base64")
    created: str
    retired: str | None = Field(description="when a newer key replaced it; null: in use")


class PublicKeys(_Reply):
    """Every key the server has signed with: the current one first, then the retired."""

    algorithm: str
    current: str = Field(description="the key id new receipts and checkpoints are signed by")
    keys: list[PublicKey]


class Checkpoints(_Reply):
    round: int
    checkpoints: list[SignedHead] = Field(description="one per phase change, in log order")
