"""The command line, as a user runs it: a real process on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_process import branchline


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "branchline.db"
    out = branchline("demo", db=db)
    assert "human_review" in out
    assert "refunded 120 EUR on order A-1042" in out
    return db


def _thread_of(db: Path) -> str:
    line = branchline("history", "x", db=db, expect=1)
    assert "no thread 'x'" in line
    out = branchline("threads", db=db)
    return next(w for w in out.split() if w.startswith("ticket-"))


def test_demo_runs_the_agent_and_prints_its_history(demo_db: Path) -> None:
    assert demo_db.exists()
    assert Path(str(demo_db).replace(".db", ".views.db")).exists()


def test_threads_lists_the_demo_thread_as_done(demo_db: Path) -> None:
    out = branchline("threads", db=demo_db)
    assert "ticket-" in out and "done" in out and "customer" in out


def test_history_json_lists_checkpoints_newest_first(demo_db: Path) -> None:
    thread = _thread_of(demo_db)
    lines = branchline("history", thread, "--json", db=demo_db).strip().splitlines()
    steps = [json.loads(line)["metadata"]["step"] for line in lines]
    # Both branches, newest first: the rejected-then-approved fork, then the first approval.
    assert steps == [6, 5, 4, 3, 2, 3, 2, 1, 0, -1]


def test_history_table_names_sources_and_next_nodes(demo_db: Path) -> None:
    out = branchline("history", _thread_of(demo_db), db=demo_db)
    assert "input" in out and "loop" in out and "human_review" in out


def test_state_shows_values_at_the_head_and_at_a_checkpoint(demo_db: Path) -> None:
    thread = _thread_of(demo_db)
    assert "refunded 60 EUR" in branchline("state", thread, db=demo_db)
    lines = branchline("history", thread, "--json", db=demo_db).strip().splitlines()
    first = json.loads(lines[-1])["checkpoint_id"]
    out = branchline("state", thread, "--checkpoint", first, db=demo_db)
    assert "__start__" in out and "refunded" not in out


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    out = branchline("threads", db=tmp_path / "nope.db", expect=1)
    assert "no database at" in out and "nope.db" in out
    assert not (tmp_path / "nope.db").exists()


def test_unknown_checkpoint_is_a_clear_error(demo_db: Path) -> None:
    out = branchline("state", _thread_of(demo_db), "--checkpoint", "abc", db=demo_db, expect=1)
    assert "no checkpoint 'abc'" in out


def test_demo_prints_the_audit_trail_with_the_approver(demo_db: Path) -> None:
    out = branchline("audit", _thread_of(demo_db), db=demo_db)
    assert "dana@support" in out and "resume" in out and "approve" in out


def test_demo_shows_the_tree_and_the_diff_of_the_two_outcomes(demo_db: Path) -> None:
    thread = _thread_of(demo_db)
    tree = branchline("history", thread, "--tree", db=demo_db)
    assert "replay by erin@support 'rejected'" in tree and "← head" in tree
    branches = branchline("branches", thread, db=demo_db)
    assert "rejected" in branches and "erin@support" in branches
