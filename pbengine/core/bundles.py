"""Must-fund-together sets closed over overlap: the one definition every rule uses."""

from __future__ import annotations

from collections.abc import Iterable


def bundles(together: Iterable[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """Together sets closed over overlap: [1, 2] and [2, 3] make one bundle, [1, 2, 3].

    Both-or-neither is transitive, so a bundle is what every rule must fund whole.
    Bundles come in the order their first set was declared.
    """
    merged: list[set[str]] = []
    for group in together:
        hits = [i for i, m in enumerate(merged) if m & group]
        if not hits:
            merged.append(set(group))
            continue
        first = merged[hits[0]]
        first |= group
        for i in reversed(hits[1:]):
            first |= merged.pop(i)
    return tuple(frozenset(m) for m in merged)


def bundle_of(pid: str, together: Iterable[frozenset[str]]) -> list[str]:
    """The project, then everything that must be funded with it, in id order."""
    members = next((b for b in bundles(together) if pid in b), frozenset({pid}))
    return [pid, *sorted(members - {pid})]
