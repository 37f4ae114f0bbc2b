"""Staff and auditors sign in with their token and keep a session; nothing else gets in."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, delete, update
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.errors import Principal
from pbengine.service.rounds import RoundService
from pbengine.store.tables import StaffSessionRow, TokenRow
from tests.pages.rounds import CONFIG, codes, move, new_round
from tests.pages.staff import csrf, sign_in, token

Client = TestClient[Litestar]


def test_a_staff_page_sends_a_stranger_to_sign_in_and_back(client: Client, engine: Engine) -> None:
    round_id = new_round(engine)
    page = f"/staff/rounds/{round_id}"
    answer = client.get(page, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/staff/sign-in?next=%2Fstaff%2Frounds%2F{round_id}"

    wrong = client.post(
        "/staff/sign-in", data={"token": "pbe_not-a-token", "next": page}, follow_redirects=False
    )
    assert wrong.status_code == 401
    assert 'id="token-error"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text

    signed = client.post(
        "/staff/sign-in",
        data={"token": token(engine, name="Ana")},
        params={"next": page},
        follow_redirects=False,
    )
    # The form carries `next` in a hidden field; without it the start page is the target.
    assert signed.status_code == 303
    assert signed.headers["location"] == "/staff"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "pbe_staff=" in cookie

    overview = client.get(page)
    assert overview.status_code == 200
    assert "Greenfield 2027" in overview.text
    assert "Signed in as Ana" in overview.text


def test_after_signing_in_staff_return_to_the_page_they_asked_for(
    client: Client, engine: Engine
) -> None:
    round_id = new_round(engine)
    form = client.get(f"/staff/sign-in?next=/staff/rounds/{round_id}").text
    assert f'name="next" value="/staff/rounds/{round_id}"' in form
    answer = client.post(
        "/staff/sign-in",
        data={"token": token(engine), "next": f"/staff/rounds/{round_id}"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/staff/rounds/{round_id}"
    # Only a path on this site: never a redirect to another host.
    for elsewhere in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/staff\r\nSet-Cookie: x=1",
    ):
        answer = client.post(
            "/staff/sign-in",
            data={"token": token(engine), "next": elsewhere},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/staff", elsewhere


def test_staff_see_only_their_own_councils_rounds(client: Client, engine: Engine) -> None:
    ours = new_round(engine)
    with Session(engine) as session:
        theirs = (
            RoundService(session)
            .create(
                Principal(role="council", council="Elsewhere"),
                CONFIG.model_copy(update={"title": "Their round"}),
            )
            .id
        )
    sign_in(client, engine)
    home = client.get("/staff").text
    assert f'href="/staff/rounds/{ours}"' in home
    assert "Their round" not in home
    assert client.get(f"/staff/rounds/{theirs}").status_code == 404


def test_signing_out_needs_the_sessions_form_and_ends_the_session(
    client: Client, engine: Engine
) -> None:
    sign_in(client, engine)
    home = client.get("/staff").text
    # A form without the session's token (as another site's page would post) is refused.
    assert (
        client.post("/staff/sign-out", data={"csrf": "guess"}, follow_redirects=False).status_code
        == 403
    )
    assert client.post("/staff/sign-out", data={}, follow_redirects=False).status_code == 403
    crossed = client.post(
        "/staff/sign-out",
        data={"csrf": csrf(home)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert crossed.status_code == 403
    assert client.get("/staff").status_code == 200

    out = client.post("/staff/sign-out", data={"csrf": csrf(home)}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/"
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_a_deleted_token_or_an_expired_session_signs_the_browser_out(
    client: Client, engine: Engine
) -> None:
    sign_in(client, engine)
    assert client.get("/staff", follow_redirects=False).status_code == 200
    with Session(engine) as session:
        session.exec(update(StaffSessionRow).values(expires_at=0))
        session.commit()
    assert client.get("/staff", follow_redirects=False).status_code == 303

    sign_in(client, engine)
    with Session(engine) as session:
        session.exec(delete(StaffSessionRow))
        session.exec(delete(TokenRow))
        session.commit()
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_a_voter_code_is_not_a_staff_token(client: Client, engine: Engine) -> None:
    round_id = new_round(engine)
    move(engine, round_id, Phase.PROPOSALS)
    code = codes(engine, round_id, 1)[0]
    assert (
        client.post("/staff/sign-in", data={"token": code}, follow_redirects=False).status_code
        == 401
    )


def test_the_staff_pages_speak_the_chosen_language(client: Client, engine: Engine) -> None:
    sign_in(client, engine)
    assert "Twoje edycje" in client.get("/staff", params={"lang": "pl"}).text.replace(
        "twoje", "Twoje"
    )
    assert "Uitloggen" in client.get("/staff", params={"lang": "nl"}).text
