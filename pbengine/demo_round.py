"""The demo round a newcomer sees first: the bundled demo election, allocated and published."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.service.rounds import Principal, RoundService

DEMO_COUNCIL = "Riverside (demo)"


def load_demo_round(engine: Engine) -> int:
    text = (resources.files("pbengine") / "demo" / "demo.pb").read_text(encoding="utf-8")
    staff = Principal(role="council", council=DEMO_COUNCIL)
    with Session(engine) as session:
        service = RoundService(session)
        row = service.import_pb(staff, text, "Riverside co-commissioning 2026 (demo)")
        assert row.id is not None
        service.allocate(staff, row.id)
        service.change_phase(staff, row.id, "published")
        return row.id
