"""``branchline continue``, graphs found in the current directory, and what Ctrl-C keeps."""

from __future__ import annotations

import importlib.util
import json
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from cli_process import branchline, command, environment, plain, stored_events

from branchline import CheckpointStore
from branchline.domain.model.ids import checkpoint_id

DEMO = ("--graph", "branchline.cli.demo_graph:build")
MINE = ("--graph", "my_graph:graph")


def test_resume_without_a_graph_names_the_command_that_continues(paused: Path) -> None:
    out = branchline("resume", "t", "--value", '{"action": "approve"}', "--actor", "ivy", db=paused)
    assert f"or with: branchline continue t --graph MODULE:ATTR --actor ivy --db {paused}" in out


def test_continue_runs_a_recorded_answer_on(paused: Path) -> None:
    branchline("resume", "t", "--value", '{"action": "approve"}', "--actor", "ivy", db=paused)
    out = branchline("continue", "t", *DEMO, "--actor", "ivy", db=paused)
    assert "continued as ivy" in out and "refunded 120 EUR" in out


def test_continue_on_a_finished_thread_says_so(paused: Path) -> None:
    branchline(
        "resume", "t", "--value", '{"action": "approve"}', "--actor", "ivy", *DEMO, db=paused
    )
    before = stored_events(paused)
    out = branchline("continue", "t", *DEMO, db=paused)
    assert "thread 't' is finished: nothing left to run" in out
    assert stored_events(paused) == before


def test_continue_on_an_unanswered_question_says_how_to_answer_and_runs_nothing(
    paused: Path,
) -> None:
    before = stored_events(paused)
    out = branchline("continue", "t", *DEMO, db=paused, expect=1)
    assert "error: thread 't' waits for an answer to interrupt" in out
    assert "nothing was run. Answer it with `branchline resume t --interrupt" in out
    assert stored_events(paused) == before


# A graph of the current directory, stopped by Ctrl-C and continued ------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory holding my_graph.py and a database with thread 't' asking its question."""
    shutil.copy(Path(__file__).with_name("waiting_graph.py"), tmp_path / "my_graph.py")
    spec = importlib.util.spec_from_file_location("my_graph", tmp_path / "my_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with CheckpointStore.sqlite(tmp_path / "app.db") as store:
        module.graph.compile(checkpointer=store).invoke({}, {"configurable": {"thread_id": "t"}})
    return tmp_path


def _stop_while_waiting(project: Path, *args: str) -> tuple[int, str]:
    """Run ``branchline ARGS`` in the project, Ctrl-C it once its node waits."""
    running = subprocess.Popen(
        command(*args, script=True),
        cwd=project,
        env=environment(project / "app.db"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    while not (project / "started").exists():
        assert running.poll() is None, running.communicate()[0]
        time.sleep(0.01)
    running.send_signal(signal.SIGINT)
    out, _ = running.communicate(timeout=60)
    return running.returncode, plain(out)


def test_a_graph_module_of_the_current_directory_is_found(project: Path) -> None:
    (project / "go").touch()
    out = branchline(
        "resume", "t", "--value", '"yes"', "--actor", "ivy", *MINE,
        db=project / "app.db", cwd=project,
    )  # fmt: skip
    assert 'ran: ["ask", "wait", "finish"]' in out


def test_ctrl_c_during_resume_says_what_was_kept_and_how_to_continue(project: Path) -> None:
    code, out = _stop_while_waiting(
        project, "resume", "t", "--value", '"yes"', "--actor", "ivy", *MINE
    )
    assert code == 130 and "Traceback" not in out
    assert f"stopped by Ctrl-C; kept checkpoint {_head_id(project)} (step 1)" in out
    assert "the last one committed; to run: ['wait']" in out
    db = project / "app.db"
    assert f"to continue: branchline continue t --graph my_graph:graph --actor ivy --db {db}" in out


def test_continue_stopped_by_ctrl_c_then_continued_finishes_the_run(project: Path) -> None:
    db = project / "app.db"
    branchline("resume", "t", "--value", '"yes"', "--actor", "ivy", db=db)
    code, out = _stop_while_waiting(project, "continue", "t", *MINE, "--actor", "ivy")
    assert code == 130 and "Traceback" not in out and "to run: ['wait']" in out
    (project / "go").touch()
    out = branchline("continue", "t", *MINE, "--actor", "ivy", db=db, cwd=project)
    assert json.dumps(["ask", "wait", "finish"]) in out


def _head_id(project: Path) -> str:
    """The id of thread 't''s head, which still has ``wait`` to run."""
    with CheckpointStore.sqlite(project / "app.db") as store:
        thread = store.load("t")
    assert thread is not None and thread.head is not None
    assert thread.pending_nodes == ("wait",)
    return checkpoint_id("t", thread.head.version)


# The status of a thread that waits to continue: "ready", not the inbox's "pending" ---------


def _status_of_t(db: Path) -> str:
    lines = branchline("threads", db=db).splitlines()
    [cells] = [[c.strip() for c in line.split("│")] for line in lines if "│ t " in line]
    return cells[2]


def test_threads_shows_an_answered_thread_as_ready_to_continue(paused: Path) -> None:
    assert _status_of_t(paused) == "interrupted"
    branchline("resume", "t", "--value", '{"action": "approve"}', "--actor", "ivy", db=paused)
    assert _status_of_t(paused) == "ready"


def test_a_views_file_that_says_pending_is_rebuilt_to_say_ready(paused: Path) -> None:
    branchline("resume", "t", "--value", '{"action": "approve"}', "--actor", "ivy", db=paused)
    assert _status_of_t(paused) == "ready"
    views = paused.with_suffix(".views.db")
    assert views.exists()
    with sqlite3.connect(views) as old:
        old.execute("UPDATE threads SET status = 'pending', run_status = 'pending'")
        old.execute("PRAGMA user_version = 2")
    old.close()
    assert _status_of_t(paused) == "ready"
