"""A paper batch's event checked on replay: it names the ballots cast just before it.

The service casts a batch's ballots and appends its `paper_batch.counted` event in one
transaction, with the round locked: so the event follows its ballots' events directly,
in paper order, each entered from paper by the staff member who counted the batch and
replacing no ballot. Two different staff members entered it, and every disagreement
between their passes was decided, by someone, with a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pbengine.core.phases import Phase
from pbengine.service.replay.errors import RecordError

if TYPE_CHECKING:
    from pbengine.service.replay.rebuild import RebuiltRound


def paper_batch_counted(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    if state.phase is not Phase.VOTING:
        raise RecordError(f"{label}: a paper batch counted while the round is in {state.phase}")
    batch = str(p["label"])
    if batch in state.paper_batches:
        raise RecordError(f"{label}: batch {batch!r} was counted before")
    if not p["pass_1"] or not p["pass_2"] or p["pass_1"] == p["pass_2"]:
        raise RecordError(f"{label}: a batch is entered twice, by two different staff members")
    _check_ballots(state, p, label, int(event["height"]))
    decisions = list(p["decisions"])
    if len([d for d in decisions if d["differs"]]) != p["disagreements"]:
        raise RecordError(f"{label}: it counted with disagreements left undecided")
    if any(not str(d["by"]).strip() or not str(d["note"]).strip() for d in decisions):
        raise RecordError(f"{label}: a decision without who made it or a note")
    state.paper_batches.add(batch)


def _check_ballots(state: RebuiltRound, p: Mapping[str, Any], label: str, height: int) -> None:
    trackers = [str(t) for t in p["trackers"]]
    count = len(trackers)
    if p["ballots"] != count or count > p["positions"]:
        raise RecordError(f"{label}: the number of ballots does not match its trackers")
    before = state.cast[len(state.cast) - count :] if count else []
    heights = [h for h, _, _ in before]
    if heights != list(range(height - count, height)) or [t for _, t, _ in before] != trackers:
        raise RecordError(f"{label}: its trackers are not the {count} ballots cast just before it")
    for _, tracker, ballot in before:
        if (ballot["channel"], ballot["staff"], ballot["replaces"]) != (
            "paper",
            p["counted_by"],
            None,
        ):
            raise RecordError(
                f"{label}: ballot {tracker} is not a paper ballot counted by {p['counted_by']} "
                "replacing none"
            )
