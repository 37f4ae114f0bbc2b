from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import IO, Any

import pytest

from pbengine.cli import main
from pbengine.demo.rounds import load_demo
from pbengine.store.database import make_engine, upgrade
from tests.conftest import FIXTURES, free_port

ASSEN = FIXTURES / "Netherlands_Assen_2024.pb"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_allocate_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "allocate", str(ASSEN), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["rule"] == "equalshares/add1"
    assert result["budget"] == 100000
    assert sorted(result["selected"], key=int) == ["2", "3", "5", "6", "9", "11", "12", "13", "14"]
    assert result["total_cost"] == sum(
        {
            "3": 7200,
            "9": 21000,
            "2": 10000,
            "11": 15000,
            "13": 1000,
            "14": 5000,
            "5": 5000,
            "6": 11000,
            "12": 1500,
        }[p]
        for p in result["selected"]
    )
    assert [p["id"] for p in result["projects"]] == [
        str(i) for i in (3, 9, 8, 2, 11, 1, 13, 10, 14, 5, 6, 7, 12, 4)
    ]
    assert all(isinstance(p["funded"], bool) and p["explanation"] for p in result["projects"])


def test_allocate_with_another_rule_and_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "allocate", str(ASSEN), "--rule", "greedy")
    assert code == 0
    assert out.startswith("rule greedy: funded")
    assert "+ 3: funded: 43 votes, 1st highest" in out


def test_allocate_resolves_poznan_greedy_custom(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "Poland_Poznan_2024_6_-_Ogrody_Solacz_Winiary_Wola__small.pb"
    code, out, _ = run_cli(capsys, "allocate", str(path), "--json")
    assert code == 0
    assert json.loads(out)["rule"] == "greedy-reserve"


def test_allocate_bundled_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "allocate", "demo")
    assert code == 0
    assert out.startswith("rule equalshares/add1: funded")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("allocate", str(ASSEN), "--rule", "bogus"), "unknown rule 'bogus'"),
        (("allocate", "missing.pb"), "missing.pb: no such file"),
        (("allocate", str(ASSEN), "--tie-break", "luck"), "unknown tie-breaking criterion"),
        (("verify", "nowhere"), "nowhere: no such file or directory"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1


def test_malformed_file_names_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;lots\n")
    code, _, err = run_cli(capsys, "allocate", str(bad))
    assert code == 2
    assert "line 6" in err
    assert "'lots'" in err


def test_verify_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "verify", str(FIXTURES), "--quiet")
    assert code == 0
    assert out.strip().splitlines()[-1] == "5 matched, 0 differ, 0 skipped"


def test_verify_reports_a_difference(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = ASSEN.read_text(encoding="utf-8").replace(
        "\n7;12000;10;RuBox;0;", "\n7;12000;10;RuBox;1;"
    )
    (tmp_path / "tampered.pb").write_text(text, encoding="utf-8")
    shutil.copy(FIXTURES / "Poland_Katowice_2023_Zarzecze.pb", tmp_path)
    code, out, _ = run_cli(capsys, "verify", str(tmp_path), "--json")
    assert code == 1
    report = json.loads(out)
    assert (report["matched"], report["differ"], report["skipped"]) == (1, 1, 0)
    tampered = next(f for f in report["files"] if f["file"].endswith("tampered.pb"))
    assert tampered["status"] == "differ"
    assert tampered["missing"] == ["7"]


def test_verify_skips_with_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "unknown.pb").write_text(
        "META\nkey;value\nbudget;10\nrule;unknown\nPROJECTS\nproject_id;cost;selected\na;5;1\n"
    )
    code, out, _ = run_cli(capsys, "verify", str(tmp_path), "--json")
    assert code == 0
    assert json.loads(out)["files"][0]["reason"].startswith("declared rule 'unknown'")


def test_console_script_is_installed() -> None:
    # The script sits beside the interpreter of the environment the package is installed in.
    exe = Path(sys.executable).with_name("pbengine")
    assert exe.exists(), (
        f"no pbengine console script at {exe}: install the package (pip install -e .)"
    )
    done = subprocess.run(
        [str(exe), "allocate", str(ASSEN), "--rule", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("pbengine: error: unknown rule 'nope'")


def test_allocate_with_fairness_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "allocate", str(ASSEN), "--rules", "threshold-greedy", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["rule"] == "greedy"
    unfunded = [p for p in result["projects"] if "support threshold" in p["explanation"]]
    assert all(not p["funded"] for p in unfunded)


def test_report_on_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = tmp_path / "cap.toml"
    rules.write_text('rule = "greedy"\n[support]\nmin_votes = 100000\n', encoding="utf-8")
    code, out, _ = run_cli(capsys, "report", str(ASSEN), "--fairness", str(rules), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["selected"] == []  # nobody has 100,000 votes in Assen
    assert report["equalities"]["coverage"]["overall"] == "0"
    assert report["equalities"]["effect"]["pushed_out"]
    code, out, _ = run_cli(capsys, "report", str(ASSEN))
    assert code == 0
    assert "voters with a funded project" in out
    assert "priceable: holds" in out


def test_report_refuses_a_bad_fairness_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text('rule = "greedy"\nflavour = "fair"\n', encoding="utf-8")
    code, _, err = run_cli(capsys, "report", str(ASSEN), "--fairness", str(rules))
    assert code == 2
    assert f"{rules}: flavour: Extra inputs are not permitted" in err


def test_report_on_a_round(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("PBENGINE_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    demo = load_demo(engine)
    code, out, _ = run_cli(capsys, "report", str(demo.published_round), "--json")
    assert code == 0
    assert json.loads(out)["equalities"]["voters"] == 60
    code, _, err = run_cli(capsys, "report", "424242")
    assert code == 2
    assert "no round 424242" in err


def test_the_command_line_starts_without_the_server_stack() -> None:
    # `allocate` and `verify` must not pay for Litestar, SQLAlchemy and uvicorn at start.
    code = (
        "import sys, pbengine.cli; "
        "print([m for m in ('litestar', 'sqlalchemy', 'sqlmodel', 'uvicorn', 'alembic') "
        "if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_presets_and_migrations_ship_inside_the_package(tmp_path: Path) -> None:
    presets = resources.files("pbengine.presets")
    assert (presets / "warsaw-greedy.toml").is_file()
    assert (resources.files("pbengine.store.migrations") / "env.py").is_file()
    # From a folder with no rules/ beside it, the console script still finds every preset.
    exe = Path(sys.executable).with_name("pbengine")
    done = subprocess.run(
        [str(exe), "rules"],
        cwd=tmp_path,
        env=_env_without_pbengine_settings(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    shipped = sorted(
        e.name.removesuffix(".toml") for e in presets.iterdir() if e.name.endswith(".toml")
    )
    listed = done.stdout.split("for --fairness):\n", 1)[1]
    assert [line.split()[0] for line in listed.splitlines()] == shipped


def test_presets_from_the_folder_the_environment_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ours.toml").write_text(
        'description = "Our own"\nrule = "greedy"\n[support]\nmin_votes = 100000\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PBENGINE_RULES", str(tmp_path))
    code, out, _ = run_cli(capsys, "rules")
    assert code == 0
    assert out.split("for --fairness):\n", 1)[1].split() == ["ours", "Our", "own"]
    code, out, _ = run_cli(capsys, "allocate", str(ASSEN), "--fairness", "ours", "--json")
    assert code == 0
    assert json.loads(out)["selected"] == []
    code, _, err = run_cli(capsys, "allocate", str(ASSEN), "--fairness", "warsaw-greedy")
    assert code == 2
    assert "no such preset; presets: ours" in err


def test_rules_lists_presets_as_written_and_refuses_unreadable_toml(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The listing reads each preset's description without validating the document (that
    # would load pydantic): one without a description is listed, broken TOML is refused.
    (tmp_path / "bare.toml").write_text('rule = "greedy"\n', encoding="utf-8")
    monkeypatch.setenv("PBENGINE_RULES", str(tmp_path))
    code, out, _ = run_cli(capsys, "rules")
    assert code == 0
    assert out.split("for --fairness):\n", 1)[1].split() == ["bare"]
    (tmp_path / "broken.toml").write_text('rule = "greedy\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "rules")
    assert code == 2
    assert err.startswith(f"pbengine: error: {tmp_path / 'broken.toml'}: (syntax): ")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PBENGINE_MAX_BODY", "lots"),
        ("PBENGINE_LOG_LEVEL", "chatty"),
        ("PBENGINE_DEMO", "perhaps"),
        ("PBENGINE_MIGRATIONS", "/nowhere/at/all"),
    ],
)
def test_an_unusable_setting_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    code, out, err = run_cli(capsys, "rules")
    assert code == 2
    assert out == ""
    assert err.startswith(f"pbengine: error: {variable}={value}: ")
    assert err.count("\n") == 1


def test_token_create_says_which_database_it_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PBENGINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    database = tmp_path / "data" / "pbengine" / "pbengine.sqlite3"
    # From any folder, the default database is the one file in the data folder (a token made
    # in another folder used to land in a new database there), and the command says which.
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        create = ("token", "create", "--role", "council", "--council", "Ours")
        code, out, err = run_cli(capsys, *create)
        assert code == 0
        assert err == f"pbengine: database sqlite:///{database}\n"
        secret = out.strip()
        assert secret
        assert "\n" not in secret
    assert database.is_file()
    assert not list((tmp_path / "one").iterdir())
    listed = run_cli(capsys, "token", "list")[1].splitlines()[1:]
    assert [line.split()[:3] for line in listed] == [
        ["1", "council", "Ours"],
        ["2", "council", "Ours"],
    ]


def test_serve_answers_over_http_and_logs_what_happens(tmp_path: Path) -> None:
    with _server(tmp_path) as (base, demo, log):
        assert _http("GET", f"{base}/health") == (200, {"status": "ok"})
        voting = f"{base}/api/v1/rounds/{demo['voting']}"
        project = _http("GET", f"{voting}/projects")[1][0]["id"]
        ballot = {"projects": [project]}
        assert _http("POST", f"{voting}/ballots", ballot, "not-a-code")[0] == 401
        assert _http("POST", f"{voting}/ballots", ballot, demo["codes"][0])[0] == 201
        council = _token(tmp_path, "Riverside (demo)")
        assert _http("POST", f"{voting}/phase", {"phase": "closed"}, council)[0] == 200
        status, result = _http("POST", f"{voting}/allocation", {}, council)
        assert status == 200
    lines = log.read_text(encoding="utf-8").splitlines()
    # A line per request, with its id, and ours for what a council or an operator must know.
    assert any("INFO pbengine.requests: GET /health 200 " in line for line in lines), lines
    expected = [
        f"WARNING pbengine.api: POST /api/v1/rounds/{demo['voting']}/ballots refused: 401 ",
        f"INFO pbengine.api: round {demo['voting']} is now in phase closed",
        f"INFO pbengine.api: round {demo['voting']} allocated by {result['rule']}; "
        f"projects funded: {len(result['selected'])}",
    ]
    for start in expected:
        assert any(start in line for line in lines), (start, lines)


def test_serve_logs_json_lines_that_hold_no_secret(tmp_path: Path) -> None:
    with _server(tmp_path, PBENGINE_LOG_FORMAT="json") as (base, demo, log):
        voting = f"{base}/api/v1/rounds/{demo['voting']}"
        project = _http("GET", f"{voting}/projects")[1][0]["id"]
        code = demo["codes"][0]
        assert _http("POST", f"{voting}/ballots", {"projects": [project]}, code)[0] == 201
        council = _token(tmp_path, "Riverside (demo)")
        assert _http("POST", f"{voting}/phase", {"phase": "closed"}, council)[0] == 200
        assert _http("POST", f"{voting}/ballots", {"projects": [project]}, "WRNG-CODE")[0] == 401
        request = urllib.request.Request(f"{base}/health", headers={"X-Request-ID": "desk-42"})
        with urllib.request.urlopen(request, timeout=30) as answered:
            assert answered.headers["X-Request-ID"] == "desk-42"
    text = log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]  # every line is JSON
    requests = [line for line in lines if line.get("event") == "request"]
    assert {(r["method"], r["status"]) for r in requests} >= {("POST", 201), ("POST", 401)}
    assert all(r["request_id"] and r["ms"] >= 0 for r in requests)
    assert any(r["request_id"] == "desk-42" and r["path"] == "/health" for r in requests)
    # A refusal's line carries its request's id, so the two can be read together.
    refusal = next(line for line in lines if "refused: 401" in line["message"])
    assert refusal["request_id"] in {r["request_id"] for r in requests if r["status"] == 401}
    # Nothing secret, and nothing of what was voted for, reached the log.
    for secret in (code, council, "WRNG-CODE"):
        assert secret not in text, secret
    # A project id is a short number ("10") that times and process ids contain too: what must
    # not appear is the ballot itself, the id as a JSON string.
    assert f'"{project}"' not in text


def _env_without_pbengine_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PBENGINE_")}


@contextmanager
def _server(folder: Path, **settings: str) -> Iterator[tuple[str, dict[str, Any], Path]]:
    """`pbengine serve` with the demo, as a user starts it, on a free port; stopped after."""
    port = free_port()
    log = folder / "server.log"
    env = {**_env_without_pbengine_settings(), "PBENGINE_DEMO": "1", **settings}
    env["PBENGINE_DATABASE_URL"] = f"sqlite:///{folder / 'served.sqlite3'}"
    exe = Path(sys.executable).with_name("pbengine")
    with (
        log.open("w", encoding="utf-8") as errors,
        subprocess.Popen(
            [str(exe), "serve", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        ) as server,
    ):
        try:
            assert server.stdout is not None
            demo = _demo_banner(server.stdout)
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(f"{base}/health", server)
            yield base, demo, log
        finally:
            server.terminate()
            server.wait(timeout=30)


def _demo_banner(out: IO[str]) -> dict[str, Any]:
    """The rounds and voter codes `serve` prints before it starts listening."""
    banner = [out.readline() for _ in range(9)]
    assert banner[0].startswith("pbengine 0.1.0 on database sqlite:///"), banner
    voting = banner[3].split()[2]
    return {"voting": int(voting), "codes": [line.strip() for line in banner[4:9]]}


def _wait_until_up(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "pbengine serve exited"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 60 s")


def _http(method: str, url: str, body: Any = None, bearer: str = "") -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _token(folder: Path, council: str) -> str:
    exe = Path(sys.executable).with_name("pbengine")
    env = {**_env_without_pbengine_settings()}
    env["PBENGINE_DATABASE_URL"] = f"sqlite:///{folder / 'served.sqlite3'}"
    done = subprocess.run(
        [str(exe), "token", "create", "--role", "council", "--council", council],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()
