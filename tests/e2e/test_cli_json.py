"""``--json``: what each command shows, as one JSON document a script can read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_process import branchline, branchline_json

from branchline import CheckpointStore, Command
from branchline.cli.demo_graph import build

CONFIG: dict[str, Any] = {"configurable": {"thread_id": "t"}}


@pytest.fixture
def forked(paused: Path) -> tuple[Path, str, str]:
    """The paused thread 't' answered ("approve", by ivy), then forked by erin from its
    first question with an edited proposal: the database, the old and the new head."""
    with CheckpointStore.sqlite(paused) as store:
        graph = build(store)
        ivy = {"configurable": {"thread_id": "t", "actor": "ivy"}}
        graph.invoke(Command(resume={"action": "approve"}), ivy)
        approved = graph.get_state(CONFIG).config["configurable"]["checkpoint_id"]
        asked = [s for s in graph.get_state_history(CONFIG) if s.next == ("human_review",)][-1]
        edit = {"proposal": {"name": "issue_refund", "args": {"order": "A-1042", "amount": 5}}}
        erin = {"configurable": {**asked.config["configurable"], "actor": "erin"}}
        fork = graph.update_state({**erin, "metadata": {"branch": "small"}}, edit)
    return paused, approved, fork["configurable"]["checkpoint_id"]


def test_state_json_is_get_state_with_its_question_as_an_object(paused: Path) -> None:
    with CheckpointStore.sqlite(paused) as store:
        snap = build(store).get_state(CONFIG)
    shown = branchline_json("state", "t", db=paused)
    [asked] = snap.interrupts
    assert shown["checkpoint_id"] == snap.config["configurable"]["checkpoint_id"]
    assert shown["next"] == ["human_review"] and shown["values"] == json.loads(
        json.dumps(snap.values)
    )
    assert shown["interrupts"] == [{"id": asked.id, "value": asked.value}]
    [task] = shown["tasks"]
    assert task["name"] == "human_review" and task["interrupts"] == shown["interrupts"]


def test_pending_json_lists_each_question_with_its_id(paused: Path) -> None:
    [row] = branchline_json("pending", db=paused)
    assert row["thread_id"] == "t" and row["node"] == "human_review"
    assert row["value"]["question"] == "Run this tool call?"
    assert len(row["interrupt_id"]) == 32 and row["asked_at"].endswith("+00:00")


def test_threads_json_lists_each_thread_with_its_head(paused: Path) -> None:
    [row] = branchline_json("threads", db=paused)
    head = branchline_json("state", "t", db=paused)["checkpoint_id"]
    assert row["thread_id"] == "t" and row["head_checkpoint"] == head
    assert row["next"] == ["human_review"] and isinstance(row["step"], int)


def test_history_json_is_the_state_history_newest_first(forked: tuple[Path, str, str]) -> None:
    db, _, _ = forked
    with CheckpointStore.sqlite(db) as store:
        expected = [
            s.config["configurable"]["checkpoint_id"]
            for s in build(store).get_state_history(CONFIG)
        ]
    listed = branchline_json("history", "t", db=db)
    assert [c["checkpoint_id"] for c in listed] == expected
    finished = [t for c in listed for t in c["tasks"] if t["name"] == "agent"]
    assert finished and all(isinstance(t["result"], dict) for t in finished)
    assert all(isinstance(c["metadata"]["step"], int) for c in listed)


def test_branches_and_diff_json_name_the_fork(forked: tuple[Path, str, str]) -> None:
    db, approved, fork = forked
    first, second = branchline_json("branches", "t", db=db)
    assert second["name"] == "small" and second["created_by"] == "erin"
    assert second["head_checkpoint"] == fork and first["head_checkpoint"] == approved
    compared = branchline_json("diff", "t", approved, fork, db=db)
    assert compared["ancestor"] == second["from_checkpoint"]
    assert compared["second"]["since"][0]["actors"] == ["erin"]
    assert compared["values"]["proposal"]["second"]["args"]["amount"] == 5
    assert compared["values"]["result"] == {"first": "refunded 120 EUR on order A-1042"}


def test_audit_json_holds_the_decisions_and_the_chain(forked: tuple[Path, str, str]) -> None:
    db, _, _ = forked
    trail = branchline_json("audit", "t", db=db)
    answered, edited = trail["decisions"]
    assert (answered["actor"], answered["decision"], answered["value"]) == (
        "ivy",
        "resume",
        {"action": "approve"},
    )
    assert (edited["actor"], edited["decision"]) == ("erin", "update")
    assert trail["chain"]["intact"] is True and trail["chain"]["events"] > 0


def test_json_output_is_one_document_even_when_nothing_is_found(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    branchline("db", "init", db=db)
    assert branchline_json("threads", db=db) == []
    assert branchline_json("pending", db=db) == []
    assert branchline_json("audit", "--all", "--verify", db=db) == []
