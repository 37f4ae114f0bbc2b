"""Replay a round record, offline: verify its chain, rebuild the round from its events, recompute.

Nothing here reads the database: a record (as `AuditService.record` exports
it) is all an auditor needs. The round is rebuilt by folding its events in
order, checking on the way what the service enforced when they happened
(ballots only while voting is open and only from issued voter keys, a
replaced ballot named by its tracker, frozen settings unchanged once voting
opens); every allocation event is recomputed with the same function the
service ran and compared field by field. The first thing that differs is
named; nothing after it is trusted.
"""

from pbengine.service.replay.errors import RecordError
from pbengine.service.replay.record import RECORD_FORMAT, Replay, replay, verify_extends
from pbengine.service.replay.signed import verify_signed_head

__all__ = [
    "RECORD_FORMAT",
    "RecordError",
    "Replay",
    "replay",
    "verify_extends",
    "verify_signed_head",
]
