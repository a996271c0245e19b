"""Exactly-once resume under real races, on SQLite and on PostgreSQL.

Every racer is its own process; they wait for one go-file, so they start together.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from branchline.domain import CheckpointStore
from branchline.domain.model.events import Resumed

HERE = Path(__file__).parent
RACERS = 8


@dataclass
class Target:
    """Where the racers' threads live, and the environment that points there."""

    db: str
    env: dict[str, str]

    def store(self) -> CheckpointStore:
        return CheckpointStore.from_env({**self.env, "BRANCHLINE_DB": self.db})


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    env = {**os.environ, "BRANCHLINE_TEST_ACTED": str(tmp_path / "acted.log")}
    if request.param == "postgres":
        schema = request.getfixturevalue("pg_schema")
        return Target(request.getfixturevalue("pg_dsn"), {**env, "BRANCHLINE_PG_SCHEMA": schema})
    return Target(str(tmp_path / "races.db"), env)


def launch(target: Target, script: str, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(HERE / script), target.db, "req-1", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=target.env)


def outcome(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def acted(target: Target) -> list[str]:
    return Path(target.env["BRANCHLINE_TEST_ACTED"]).read_text().splitlines()


def test_eight_racing_resumes_of_one_interrupt_resume_exactly_once(
    target: Target, tmp_path: Path
) -> None:
    outcome(launch(target, "approval_graph.py", "start"))
    go = tmp_path / "go"
    names = [f"approver-{n}" for n in range(RACERS)]
    racers = [launch(target, "approval_graph.py", "resume", n, n, str(go)) for n in names]
    go.touch()
    results = [outcome(p) for p in racers]

    winners = [r for r in results if "values" in r]
    losers = [r for r in results if "refused" in r]
    assert len(winners) == 1 and len(losers) == RACERS - 1
    winner = winners[0]["values"]["approved_by"]
    assert all(f"already answered by {winner}" in r["refused"] for r in losers)
    assert acted(target) == [winner]  # the node after the interrupt ran once
    with target.store() as store:
        decisions = [e for e in store.events("req-1") if isinstance(e, Resumed)]
    assert [d.actor for d in decisions] == [winner]


def test_many_tasks_of_many_processes_answering_at_once_resume_exactly_once(
    target: Target, tmp_path: Path
) -> None:
    outcome(launch(target, "approval_graph.py", "start"))
    go = tmp_path / "go"
    teams = [",".join(f"p{p}-t{t}" for t in range(4)) for p in range(4)]
    racers = [launch(target, "approval_graph.py", "aresume", team, str(go)) for team in teams]
    go.touch()
    answers = [a for p in racers for a in outcome(p)["answers"]]

    winners = [a["values"]["approved_by"] for a in answers if "values" in a]
    refused = [a["refused"] for a in answers if "refused" in a]
    assert len(winners) == 1 and len(refused) == 15, answers
    assert all(f"already answered by {winners[0]}" in r for r in refused)
    assert acted(target) == winners  # the node after the interrupt ran once
    with target.store() as store:
        decisions = [e for e in store.events("req-1") if isinstance(e, Resumed)]
    assert [d.actor for d in decisions] == winners


def test_two_actors_answering_two_questions_at_once_both_land(
    target: Target, tmp_path: Path
) -> None:
    outcome(launch(target, "two_questions_graph.py", "start"))
    go = tmp_path / "go"
    racers = [
        launch(target, "two_questions_graph.py", "answer", "x", "yes-x", "alice", str(go)),
        launch(target, "two_questions_graph.py", "answer", "y", "yes-y", "bob", str(go)),
    ]
    go.touch()
    results = [outcome(p) for p in racers]
    assert [r.get("error") for r in results] == [None, None]

    with target.store() as store:
        decisions = {e.actor: e.value for e in store.events("req-1") if isinstance(e, Resumed)}
    assert decisions == {"alice": "yes-x", "bob": "yes-y"}
    final = outcome(launch(target, "two_questions_graph.py", "finish"))
    assert final["next"] == []
    assert final["values"]["answers"] == {"x": "yes-x", "y": "yes-y"}
    assert acted(target) == [json.dumps({"x": "yes-x", "y": "yes-y"})]  # done ran once
