"""Money classes nobody is left in, dropped once they are most of the classes.

Funding a project moves its supporters out of their classes; a class keeps the
voters who did not support the project, and is left empty when all of them
did. Its money is never read again, yet every payment's rescaling multiplied
it: with long ballots and few voters most classes end up empty (Warszawa 2021
Wola's add1 rescaled 12,400 classes a round on average for its 8,647 voters,
which took 44% of its time). Once the empty classes outnumber the others, the
others are renumbered in order and the empty ones dropped; classes are only
labels, so nothing a run decides or reports changes.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pbengine.core.rules.equal_shares_state import State

FEWEST = 64
"""Below this many empty classes, dropping them would cost more than it saves."""


def worth_compacting(state: State) -> bool:
    return state.empty > max(FEWEST, len(state.value) - state.empty)


def compact(state: State) -> None:
    """Drop the empty classes (but 0 and ZERO, whose numbers are fixed) and renumber."""
    keep = [k for k, voters in enumerate(state.voters_in) if voters or k <= state.ZERO]
    number = [-1] * len(state.voters_in)
    for new, old in enumerate(keep):
        number[old] = new
    state.value = [state.value[k] for k in keep]
    state.slope = [state.slope[k] for k in keep]
    state.voters_in = [state.voters_in[k] for k in keep]
    state.empty = 0
    if isinstance(state.held, list):
        state.group_class = array("q", map(number.__getitem__, state.group_class))
        # A project no longer alive keeps stale weights that nothing reads: emptied here.
        state.held = [
            {number[k]: w for k, w in held.items()} if alive else {}
            for held, alive in zip(state.held, state.alive, strict=True)
        ]
    else:
        from pbengine.core.rules.equal_shares_bulk import renumber  # noqa: PLC0415

        renumber(state.group_class, number)
        state.held.forget()
