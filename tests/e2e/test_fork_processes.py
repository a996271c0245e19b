"""Time travel across real processes on one SQLite file: fork in one, inspect in another."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).with_name("fork_graph.py")


def run(db: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(db), "trip-1", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture
def inspected(tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Run in one process, fork in a second, list branches and diff in a third."""
    db = tmp_path / "trips.db"
    first = run(db, "run")
    fork = run(db, "fork", "alice", "dogs", "dogs")
    seen = run(db, "inspect", fork["old_head"], fork["head"])
    return first, fork, seen


def test_a_second_process_sees_the_branch_a_first_process_forked(
    inspected: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
) -> None:
    first, fork, seen = inspected

    assert fork["old_head"] == first["head"]
    assert seen["head"] == fork["head"]
    original, forked = seen["branches"]
    assert original["root_config"] is None
    assert original["head_config"]["configurable"]["checkpoint_id"] == first["head"]
    assert forked["head_config"]["configurable"]["checkpoint_id"] == fork["head"]
    assert (forked["name"], forked["created_by"], forked["length"]) == ("dogs", "alice", 3)


def test_a_second_process_diffs_the_forked_branch_against_the_original(
    inspected: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
) -> None:
    _, _, seen = inspected
    diff = seen["diff"]

    assert diff["values"] == {"topic": ["cats", "dogs"]}
    assert diff["ancestor"] == seen["branches"][1]["root_config"]
    assert [(c["source"], c["nodes"]) for c in diff["left"]] == [("loop", ["b"]), ("loop", ["c"])]
    assert [(c["source"], c["nodes"], c["actors"]) for c in diff["right"]] == [
        ("update", ["a"], ["alice"]),
        ("loop", ["b"], []),
        ("loop", ["c"], []),
    ]
