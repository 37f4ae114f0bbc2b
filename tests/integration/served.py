"""`pbengine serve` as a user starts it, in a process group of its own, and a round on it.

For the tests that need the real command: several worker processes, a server
killed with SIGKILL and started again on the same database and port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.conftest import free_port
from tests.integration.http import bearer

EXE = Path(sys.executable).with_name("pbengine")
START_SECONDS = 90.0
"""How long a start may take: workers import the whole stack, on a machine shared by others."""


class Served:
    """One `pbengine serve` on a database, restartable on the same port."""

    def __init__(
        self, database_url: str, folder: Path, workers: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.database_url = database_url
        self.folder = folder
        self.workers = workers
        self.env = env or {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PBENGINE_")}
        # The signing key the test run made (tests/conftest.py), and quiet logs: a line per
        # request would cost the server more than some of the requests do.
        env |= {
            "PBENGINE_DATABASE_URL": self.database_url,
            "PBENGINE_SIGNING_KEY": os.environ["PBENGINE_SIGNING_KEY"],
            "PBENGINE_LOG_LEVEL": "WARNING",
        } | self.env
        self.starts += 1
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"--- start {self.starts}\n")
            log.flush()
            # A session of its own: a crash kills the parent and every worker at once, as
            # a machine or container going down would.
            self.process = subprocess.Popen(
                [str(EXE), "serve", "--port", str(self.port), "--workers", str(self.workers)],
                cwd=self.folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"pbengine serve exited: {self.log_tail()}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.base} did not answer within {START_SECONDS} s")

    def worker_pids(self) -> list[int]:
        """The worker processes uvicorn started under the server (none when it runs alone)."""
        assert self.process is not None
        found = []
        for entry in Path("/proc").iterdir():
            try:
                status = (entry / "status").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
            if int(parent.split()[1]) == self.process.pid and b"spawn_main" in command:
                found.append(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL to the server and its workers: nothing gets to clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._wait_for_group_gone(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._wait_for_group_gone(self.process.pid)

    @staticmethod
    def _wait_for_group_gone(group: int) -> None:
        # The workers are not our children: wait until the kernel has reaped them too, so
        # the next start finds the port free and no old worker still answering on it.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError(f"process group {group} still alive 30 s after being killed")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8").splitlines()[-lines:])


@contextmanager
def serving(
    database_url: str, folder: Path, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Served]:
    served = Served(database_url, folder, workers, env)
    served.start()
    try:
        yield served
    finally:
        served.stop()


class VotingRound:
    """A round open for voting, set up over HTTP as a council would, with tokens made in the
    database (as `pbengine token create` makes them)."""

    PROJECTS = 5

    def __init__(self, base: str, engine: Engine, council: str) -> None:
        self.base = base
        self.staff = bearer(engine, "council", council, name="load test")
        self.auditor = bearer(engine, "auditor", council)
        with httpx.Client(base_url=base, timeout=60) as c:
            config = {
                "title": "Last evening",
                "budget": "100000",
                "ballot": {"type": "approval", "max_length": 3},
            }
            made = _ok(c.post("/api/v1/rounds", json=config, headers=self.staff), 201)
            self.url = f"/api/v1/rounds/{made['id']}"
            self.phase(c, "proposals")
            self.projects = []
            for i in range(self.PROJECTS):
                proposal = {"title": f"p{i}", "cost_estimate": "1000"}
                self.projects.append(
                    _ok(c.post(f"{self.url}/projects", json=proposal, headers=self.staff), 201)[
                        "id"
                    ]
                )
            self.phase(c, "review")
            for project in self.projects:
                review = {"decision": "accept", "cost": "1000"}
                _ok(
                    c.post(f"{self.url}/projects/{project}/review", json=review, headers=self.staff)
                )
            self.phase(c, "voting")

    def phase(self, client: httpx.Client, phase: str) -> None:
        _ok(client.post(f"{self.url}/phase", json={"phase": phase}, headers=self.staff))

    def codes(self, count: int) -> list[str]:
        """Fresh voter codes, issued over HTTP."""
        made: list[str] = []
        with httpx.Client(base_url=self.base, timeout=120) as c:
            while len(made) < count:
                asked = {"count": min(10_000, count - len(made))}
                issued = c.post(f"{self.url}/voter-codes", json=asked, headers=self.staff)
                made += _ok(issued, 201)["codes"]
        return made

    def ballot(self, i: int) -> dict[str, Any]:
        """The i-th of a few different ballots."""
        n = self.PROJECTS
        return {"projects": [self.projects[i % n], self.projects[(i + 2) % n]]}

    def counted(self) -> int:
        with httpx.Client(base_url=self.base, timeout=60) as c:
            return int(_ok(c.get(f"{self.url}/ballots/count"))["ballots"])

    def close_and_export(self) -> dict[str, Any]:
        """Close voting and export the round's record, as an auditor would."""
        with httpx.Client(base_url=self.base, timeout=300) as c:
            self.phase(c, "closed")
            record: dict[str, Any] = _ok(c.get(f"{self.url}/record", headers=self.auditor))
        return record


def cast_trackers(record: dict[str, Any]) -> list[str]:
    """The trackers of every ballot.cast event in the record, in log order."""
    return [e["hash"] for e in record["events"] if e["type"] == "ballot.cast"]


def heights(record: dict[str, Any]) -> list[int]:
    return [int(e["height"]) for e in record["events"]]


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()
