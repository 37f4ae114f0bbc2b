"""Helpers for tests that edit round records."""

from __future__ import annotations

from typing import Any

from pbengine.core.audit.chain import GENESIS, next_event


def relinked(record: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The record with these events chained afresh, in this order: as an honest export of
    that order would be, or as a forger who re-hashes everything would make it."""
    chained, parent = [], GENESIS
    for height, event in enumerate(events):
        linked = next_event(height, parent, event["type"], event["at"], event["payload"])
        chained.append(linked.to_json())
        parent = linked.hash
    # The signed checkpoints name the old hashes: such a record holds none (a forger with the
    # server's key could sign new ones; tests/integration/test_signing.py does).
    head = {"height": len(chained), "hash": parent}
    relinked_record = {**record, "events": chained, "head": head, "checkpoints": []}
    if record.get("openings"):
        # Openings are filed under their ballots' trackers, which the new chain renames.
        renamed = {old.get("hash"): new["hash"] for old, new in zip(events, chained, strict=True)}
        openings = {renamed.get(t, t): o for t, o in record["openings"].items()}
        relinked_record["openings"] = openings
    return relinked_record
