"""The event hash made around a payload's ready canonical text is the hash of the whole
envelope encoded afresh, for any payload JSON can hold (store/events.py relies on it)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.audit.chain import next_event, next_event_from_text
from pbengine.core.canonical import canonical

TEXT = st.text(max_size=20)
JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(
    height=st.integers(min_value=0, max_value=10**9),
    parent=st.text(min_size=1, max_size=64),
    type_=TEXT,
    at=TEXT,
    payload=st.dictionaries(TEXT, JSON, max_size=6),
)
def test_the_hash_around_a_ready_text_is_the_hash_of_the_whole(
    height: int, parent: str, type_: str, at: str, payload: dict[str, Any]
) -> None:
    whole = next_event(height, parent, type_, at, payload)
    assembled = next_event_from_text(height, parent, type_, at, payload, text=canonical(payload))
    assert assembled == whole
