"""The command line, as a user runs it: a real process on a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TypedDict

import pytest
import typer
from cli_process import branchline

from branchline import START, CheckpointStore, StateGraph, __version__
from branchline.cli import app


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
    listed = json.loads(branchline("history", thread, "--json", db=demo_db))
    steps = [checkpoint["metadata"]["step"] for checkpoint in listed]
    # Both branches, newest first: the rejected-then-approved fork, then the first approval.
    assert steps == [6, 5, 4, 3, 2, 3, 2, 1, 0, -1]


def test_history_table_names_sources_and_next_nodes(demo_db: Path) -> None:
    out = branchline("history", _thread_of(demo_db), db=demo_db)
    assert "input" in out and "loop" in out and "human_review" in out


def test_state_shows_values_at_the_head_and_at_a_checkpoint(demo_db: Path) -> None:
    thread = _thread_of(demo_db)
    assert "refunded 60 EUR" in branchline("state", thread, db=demo_db)
    first = json.loads(branchline("history", thread, "--json", db=demo_db))[-1]["checkpoint_id"]
    out = branchline("state", thread, "--checkpoint", first, db=demo_db)
    assert "__start__" in out and "refunded" not in out


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    out = branchline("threads", db=tmp_path / "nope.db", expect=1)
    assert "no database at" in out and "nope.db" in out
    assert not (tmp_path / "nope.db").exists()


def test_unknown_checkpoint_is_a_clear_error(demo_db: Path) -> None:
    out = branchline("state", _thread_of(demo_db), "--checkpoint", "abc", db=demo_db, expect=1)
    assert "--checkpoint 'abc' names no checkpoint of thread" in out


def test_demo_prints_the_audit_trail_with_the_approver(demo_db: Path) -> None:
    out = branchline("audit", _thread_of(demo_db), db=demo_db)
    assert "dana@support" in out and "resume" in out and "approve" in out


def test_demo_shows_the_tree_and_the_diff_of_the_two_outcomes(demo_db: Path) -> None:
    thread = _thread_of(demo_db)
    tree = branchline("history", thread, "--tree", db=demo_db)
    assert "replay by erin@support 'rejected'" in tree and "← head" in tree
    branches = branchline("branches", thread, db=demo_db)
    assert "rejected" in branches and "erin@support" in branches


def test_the_tree_hangs_each_branch_from_the_checkpoint_it_grew_from(demo_db: Path) -> None:
    lines = branchline("history", _thread_of(demo_db), "--tree", db=demo_db).splitlines()

    def depth(text: str) -> int:
        [line] = [line for line in lines if text in line]
        return len(line) - len(line.lstrip("│├└─ "))

    fork_point = next(line for line in lines if "dana@support answered" in line)
    original = next(line for line in lines if "branch: as first run" in line)
    rejected = next(line for line in lines if "branch 'rejected': replay by erin@support" in line)
    assert depth(original) == depth(rejected) > depth(fork_point)
    assert depth("← head") > depth(rejected)  # the fork's steps sit inside its branch
    assert lines.index(fork_point) < lines.index(original) < lines.index(rejected)


def test_help_is_plain_text_without_type_tags() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "branchline", "resume", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        timeout=60,
    )
    assert done.returncode == 0
    assert "<bool>" not in done.stdout and "│" not in done.stdout
    assert "an error, never part of the answer" in " ".join(done.stdout.split())


def test_the_command_list_gives_each_command_a_whole_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "branchline", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        timeout=60,
    )
    listed = done.stdout.split("Commands:")[1].splitlines()
    assert len([line for line in listed if line.strip()]) == 17
    assert not [line for line in listed if line.rstrip().endswith("...")]


def test_version_prints_the_installed_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "branchline", "--version"], capture_output=True, text=True
    )
    assert (done.returncode, done.stdout) == (0, f"branchline {__version__}\n")


def test_empty_listings_say_that_nothing_was_found(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    branchline("db", "init", db=db)
    assert branchline("threads", db=db) == f"no threads in {str(db)!r} yet\n"
    assert branchline("pending", db=db) == "no questions are waiting for an answer\n"
    assert branchline("audit", "--all", "--verify", db=db) == (
        f"no threads in {str(db)!r} to verify\n"
    )


class Plain(TypedDict):
    x: int


def test_a_thread_without_decisions_says_so(tmp_path: Path) -> None:
    db = tmp_path / "plain.db"
    with CheckpointStore.sqlite(db) as store:
        builder = StateGraph(Plain)
        builder.add_node("a", lambda state: {"x": 1})
        builder.add_edge(START, "a")
        builder.compile(checkpointer=store).invoke({"x": 0}, {"configurable": {"thread_id": "p"}})
    assert branchline("audit", "p", db=db) == "no human decisions recorded on thread 'p' yet\n"


def test_the_readme_gives_the_json_shape_of_every_command_that_has_json() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    group = typer.main.get_command(app)
    with_json = sorted(
        name
        for name, command in group.commands.items()  # type: ignore[attr-defined]
        if any("--json" in option.opts for option in command.params)
    )
    assert with_json == ["audit", "branches", "diff", "history", "pending", "state", "threads"]
    assert all(f"| `{name}" in readme for name in with_json)
