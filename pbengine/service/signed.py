"""Receipts and checkpoints: heads of a round's log signed with the server's key.

The key is the process's (store/signing_keys.py, loaded at start from the
settings); signing happens inside the transaction that appends the event, so
a checkpoint is stored with its phase change or not at all.
"""

from __future__ import annotations

from pbengine.core.audit.chain import Event
from pbengine.core.audit.signing import CHECKPOINT, RECEIPT
from pbengine.service.signed_replies import PublicKeys, SignedHead
from pbengine.store.signing_keys import keyring
from pbengine.store.unit_of_work import UnitOfWork


def signed_receipt(round_id: int, event: Event) -> SignedHead:
    """A ballot's receipt: the head its `ballot.cast` event made, so `hash` is its tracker."""
    return SignedHead(**keyring().sign(RECEIPT, round_id, event))


def add_checkpoint(uow: UnitOfWork, round_id: int, event: Event) -> None:
    """The head a phase change made, signed and kept in the same transaction."""
    uow.checkpoints.add(keyring().sign(CHECKPOINT, round_id, event))


def checkpoints_of(uow: UnitOfWork, round_id: int) -> list[SignedHead]:
    return [SignedHead(**c) for c in uow.checkpoints.of_round(round_id, CHECKPOINT)]


def public_keys() -> PublicKeys:
    return PublicKeys.model_validate(keyring().public())
