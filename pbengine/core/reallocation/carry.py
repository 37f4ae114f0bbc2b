"""carry: fund nothing now; the released money goes to the council's next round."""

from __future__ import annotations

from pbengine.core.money import readable
from pbengine.core.reallocation.release import Reallocation, Release, finish, frame_reasons
from pbengine.core.rules import RuleOptions

NAME = "carry"


def carry(release: Release, round_rule: str, options: RuleOptions) -> Reallocation:
    reasons = frame_reasons(release)
    money = readable(release.released)
    for pid in release.unfunded:
        reasons[pid] = (
            f"not funded now: the {money} released is kept for the council's next round, "
            "where this project may be proposed again"
        )
    note = f"{NAME}: {money} carried to the council's next round; nothing is funded now"
    return finish(release, NAME, round_rule, [], reasons, notes=(note,))
