"""The audit page: the log's head for anyone, the record for auditors, the head over the API."""

from __future__ import annotations

import json
import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.audit import AuditService
from pbengine.service.config import BallotSettings
from pbengine.service.errors import OPERATOR
from pbengine.service.identity import principal_for
from pbengine.service.replay import replay
from pbengine.service.voting import BallotIn, VotingService
from tests.pages.rounds import move, new_round, voting_round
from tests.pages.staff import sign_in, token

Client = TestClient[Litestar]


def shown_head(page: str) -> tuple[str, str]:
    entries = re.search(r"<dt>Entries</dt><dd>([\d,]+)</dd>", page)
    fingerprint = re.search(r'<dd class="tracker"><code>([0-9a-f]{64})</code>', page)
    assert entries
    assert fingerprint
    return entries.group(1), fingerprint.group(1)


def test_anyone_sees_the_logs_head_and_it_moves_with_each_change(
    client: Client, engine: Engine
) -> None:
    round_id = new_round(engine)
    first = client.get(f"/rounds/{round_id}/audit")
    assert first.status_code == 200
    height, fingerprint = shown_head(first.text)
    api = client.get(f"/api/v1/rounds/{round_id}/head").json()
    assert (str(api["height"]), api["hash"]) == (height, fingerprint)

    move(engine, round_id, Phase.PROPOSALS)
    later = client.get(f"/api/v1/rounds/{round_id}/head").json()
    assert later["height"] == api["height"] + 1
    assert later["hash"] != api["hash"]
    with Session(engine) as session:
        record = AuditService(session).record(OPERATOR, round_id)
    assert (record.head.height, record.head.hash) == (later["height"], later["hash"])
    # The public is told how to get and check the record, not given it.
    page = client.get(f"/rounds/{round_id}/audit").text
    assert "pbengine replay" in page
    assert "verify-extends" in page
    assert f'href="/staff/sign-in?next=/rounds/{round_id}/audit"' in page
    assert f"/rounds/{round_id}/audit/record.json" not in page
    assert client.get(f"/api/v1/rounds/{round_id + 1000}/head").status_code == 404
    assert client.get(f"/rounds/{round_id + 1000}/audit").status_code == 404


def test_an_auditor_downloads_a_record_that_replays(client: Client, engine: Engine) -> None:
    round_id, projects, codes = voting_round(engine, BallotSettings(type="approval"))
    download = f"/rounds/{round_id}/audit/record.json"
    assert client.get(download, follow_redirects=False).status_code == 303

    sign_in(client, engine, role="auditor", name="Olu")
    page = client.get(f"/rounds/{round_id}/audit").text
    assert f'href="{download}"' in page
    with Session(engine) as session:
        voter = principal_for(session, codes[0])
        VotingService(session).cast(voter, round_id, BallotIn(projects=[projects[0]]))
    # While voting runs the record would show the tally so far: refused, as JSON.
    early = client.get(download)
    assert early.status_code == 409
    assert early.headers["cache-control"] == "no-store"
    assert early.json()["field"] == "phase"
    assert "once voting closes" in early.json()["problem"]
    assert f"/api/v1/rounds/{round_id}/checkpoints" in early.json()["problem"]

    move(engine, round_id, Phase.CLOSED)
    page = client.get(f"/rounds/{round_id}/audit").text
    answer = client.get(download)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "attachment" in answer.headers["content-disposition"]
    record = json.loads(answer.content)
    assert record["round"]["id"] == round_id
    assert record["head"]["hash"] == shown_head(page)[1]
    assert replay(record).ok


def test_staff_of_another_council_cannot_download(client: Client, engine: Engine) -> None:
    round_id = new_round(engine)
    secret = token(engine, council="Elsewhere")
    client.post("/staff/sign-in", data={"token": secret}, follow_redirects=False)
    page = client.get(f"/rounds/{round_id}/audit").text
    assert "only auditors and this round" in page, page[page.find("<main") :]
    assert client.get(f"/rounds/{round_id}/audit/record.json").status_code == 404


def test_the_audit_page_speaks_polish_and_dutch(client: Client, engine: Engine) -> None:
    round_id = new_round(engine)
    assert "Audyt tej edycji" in client.get(f"/rounds/{round_id}/audit?lang=pl").text
    assert "Deze ronde controleren" in client.get(f"/rounds/{round_id}/audit?lang=nl").text
