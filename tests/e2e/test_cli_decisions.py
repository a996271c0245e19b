"""Answering and editing from the command line, on a thread paused by another process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_process import TERMINAL_80, branchline, stored_events

from branchline import CheckpointStore, Command
from branchline.cli.demo_graph import build
from branchline.domain.model.events import Resumed


def test_pending_lists_the_paused_review(paused: Path) -> None:
    out = branchline("pending", db=paused)
    assert "human_review" in out and "issue_refund" in out


def test_resume_with_the_graph_finishes_the_run_as_the_actor(paused: Path) -> None:
    out = branchline(
        "resume",
        "t",
        "--value",
        json.dumps({"action": "approve"}),
        "--actor",
        "ivy",
        "--graph",
        "branchline.cli.demo_graph:build",
        db=paused,
    )
    assert "refunded 120 EUR" in out
    audit = branchline("audit", "t", db=paused)
    assert "ivy" in audit and "resume" in audit
    assert "human_review" not in branchline("pending", db=paused)


def test_resume_without_the_graph_records_the_answer_for_the_app_to_continue(paused: Path) -> None:
    out = branchline(
        "resume", "t", "--value", json.dumps({"action": "approve"}), "--actor", "ivy", db=paused
    )
    assert "recorded: ivy answered" in out
    with CheckpointStore.sqlite(paused) as store:
        result = build(store).invoke(None, {"configurable": {"thread_id": "t"}})
    assert result["result"] == "refunded 120 EUR on order A-1042"


def test_resume_twice_names_the_first_decision(paused: Path) -> None:
    branchline("resume", "t", "--value", '"approve"', "--actor", "ivy", db=paused)
    out = branchline("resume", "t", "--value", '"approve"', "--actor", "jo", db=paused, expect=1)
    assert "already answered by ivy" in out


def test_resume_with_bad_json_is_a_clear_error_and_writes_nothing(paused: Path) -> None:
    with CheckpointStore.sqlite(paused) as store:
        before = len(list(store.events("t")))
    out = branchline("resume", "t", "--value", "{oops", "--actor", "ivy", db=paused, expect=1)
    assert "--value is not valid JSON" in out
    with CheckpointStore.sqlite(paused) as store:
        assert len(list(store.events("t"))) == before


def test_update_edits_the_state_as_the_actor(paused: Path) -> None:
    edit = json.dumps(
        {"proposal": {"name": "issue_refund", "args": {"order": "A-1042", "amount": 5}}}
    )
    out = branchline(
        "update",
        "t",
        "--values",
        edit,
        "--actor",
        "kim",
        "--graph",
        "branchline.cli.demo_graph:build",
        db=paused,
    )
    assert "updated as kim" in out
    audit = branchline("audit", "t", db=paused)
    assert "kim" in audit and "update" in audit and "superseded" in audit


def test_update_without_a_graph_assigns_the_values_and_keeps_what_was_pending(
    paused: Path,
) -> None:
    edit = json.dumps(
        {"proposal": {"name": "issue_refund", "args": {"order": "A-1042", "amount": 7}}}
    )
    out = branchline("update", "t", "--values", edit, "--actor", "kim", db=paused)
    assert "updated as kim" in out
    with CheckpointStore.sqlite(paused) as store:
        graph = build(store)
        state = graph.get_state({"configurable": {"thread_id": "t"}})
        assert state.next == ("human_review",)
        assert state.values["proposal"]["args"]["amount"] == 7
        asked = graph.invoke(None, {"configurable": {"thread_id": "t"}})["__interrupt__"][0]
    assert asked.value["tool_call"]["args"]["amount"] == 7


def test_update_with_as_node_but_no_graph_is_refused(paused: Path) -> None:
    out = branchline(
        "update", "t", "--values", "{}", "--as-node", "agent", "--actor", "kim", db=paused, expect=1
    )
    assert "--as-node needs --graph" in out


def test_fork_without_a_graph_branches_from_a_past_checkpoint(paused: Path) -> None:
    with CheckpointStore.sqlite(paused) as store:
        graph = build(store)
        first = list(graph.get_state_history({"configurable": {"thread_id": "t"}}))[-2]
    edit = json.dumps({"messages": []})
    out = branchline(
        "fork",
        "t",
        "--checkpoint",
        first.config["configurable"]["checkpoint_id"],
        "--values",
        edit,
        "--actor",
        "lee",
        "--name",
        "empty",
        db=paused,
    )
    assert "forked as lee" in out
    branches = branchline("branches", "t", db=paused)
    assert "empty" in branches and "lee" in branches


def test_resume_on_an_unknown_thread_is_a_clear_error(paused: Path) -> None:
    out = branchline("resume", "nope", "--value", "1", "--actor", "ivy", db=paused, expect=1)
    assert "no thread 'nope'" in out


def test_approved_in_process_shows_in_the_audit(paused: Path) -> None:
    with CheckpointStore.sqlite(paused) as store:
        config = {"configurable": {"thread_id": "t"}, "metadata": {"actor": "lee"}}
        build(store).invoke(Command(resume={"action": "approve"}), config)
    assert "lee" in branchline("audit", "t", db=paused)


def test_update_with_values_that_are_not_an_object_is_refused_and_writes_nothing(
    paused: Path,
) -> None:
    with CheckpointStore.sqlite(paused) as store:
        before = len(list(store.events("t")))
    out = branchline("update", "t", "--values", "[1, 2]", "--actor", "kim", db=paused, expect=1)
    assert "must be an object of state keys, got [1, 2]" in out
    with CheckpointStore.sqlite(paused) as store:
        assert len(list(store.events("t"))) == before


# An answer reaches only the question named with --interrupt ---------------------------------

CUT_ELSEWHERE = "3b73a1241ae71f4b…"  # the cut form `branchline pending` once printed
GRAPH = ("--graph", "branchline.cli.demo_graph:build")


def _asked(db: Path) -> str:
    with CheckpointStore.sqlite(db) as store:
        [question] = build(store).get_state({"configurable": {"thread_id": "t"}}).interrupts
    return question.id


def test_pending_shows_the_whole_interrupt_id_in_an_80_column_terminal(paused: Path) -> None:
    out = branchline("pending", db=paused, env=TERMINAL_80)
    assert _asked(paused) in out


def test_resume_with_an_id_cut_by_an_ellipsis_answers_that_question(paused: Path) -> None:
    asked = _asked(paused)
    out = branchline(
        "resume", "t", "--interrupt", asked[:16] + "…", "--value", "false", "--actor", "ivy",
        db=paused,
    )  # fmt: skip
    assert f"recorded: ivy answered {asked} (human_review) with false" in out
    [answer] = [e for e in stored_events(paused) if isinstance(e, Resumed)]
    assert (answer.interrupt_id, answer.value) == (asked, False)


@pytest.mark.parametrize("graph", [(), GRAPH], ids=["recorded", "with-graph"])
@pytest.mark.parametrize("interrupt", [CUT_ELSEWHERE, "approve"])
def test_resume_naming_no_pending_question_is_refused_and_writes_nothing(
    paused: Path, graph: tuple[str, ...], interrupt: str
) -> None:
    before = stored_events(paused)
    out = branchline(
        "resume", "t", "--interrupt", interrupt, "--value", "false", "--actor", "ivy", *graph,
        db=paused, expect=1,
    )  # fmt: skip
    assert (
        f"error: interrupt {interrupt!r} is unknown on thread 't'; pending now: "
        f"[{_asked(paused)!r}]" in out
    )
    assert stored_events(paused) == before


@pytest.mark.parametrize("graph", [(), GRAPH], ids=["recorded", "with-graph"])
def test_resume_with_a_prefix_too_short_to_name_a_question_is_refused(
    paused: Path, graph: tuple[str, ...]
) -> None:
    before = stored_events(paused)
    short = _asked(paused)[:3]
    out = branchline(
        "resume", "t", "--interrupt", short, "--value", "false", "--actor", "ivy", *graph,
        db=paused, expect=1,
    )  # fmt: skip
    assert f"interrupt {short!r} is too short to name a question: give at least 6" in out
    assert stored_events(paused) == before


def test_resume_with_the_graph_and_a_unique_prefix_runs_the_answered_question(
    paused: Path,
) -> None:
    asked = _asked(paused)
    answer = json.dumps({"action": "approve"})
    out = branchline(
        "resume", "t", "--interrupt", asked[:8], "--value", answer, "--actor", "ivy", *GRAPH,
        db=paused,
    )  # fmt: skip
    assert "refunded 120 EUR" in out
    [recorded] = [e for e in stored_events(paused) if isinstance(e, Resumed)]
    assert (recorded.interrupt_id, recorded.actor) == (asked, "ivy")
