"""Checkpoint ids as people type them, and history a page at a time."""

from __future__ import annotations

import json
import operator
import subprocess
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from cli_process import branchline, branchline_json, command, environment, stored_events

from branchline import END, START, CheckpointStore, StateGraph

STEPS = 120  # more than a page of `history`


class Count(TypedDict):
    n: Annotated[int, operator.add]


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Thread 't': a loop that ran STEPS times, so its history spans several pages."""
    builder = StateGraph(Count)
    builder.add_node("inc", lambda state: {"n": 1})
    builder.add_edge(START, "inc")
    builder.add_conditional_edges("inc", lambda state: END if state["n"] >= STEPS else "inc")
    db = tmp_path_factory.mktemp("ids") / "count.db"
    with CheckpointStore.sqlite(db) as store:
        config = {"configurable": {"thread_id": "t"}, "recursion_limit": 1000}
        builder.compile(checkpointer=store).invoke({"n": 0}, config)
    return db


def _ids(db: Path) -> list[str]:
    return [c["checkpoint_id"] for c in branchline_json("history", "t", "--limit", "1000", db=db)]


def _prefix(whole: str, ids: list[str]) -> str:
    """The shortest start of ``whole`` that no other id shares."""
    return next(whole[:n] for n in range(1, 37) if sum(i.startswith(whole[:n]) for i in ids) == 1)


def test_a_unique_prefix_names_the_same_checkpoint_as_the_whole_id(counted: Path) -> None:
    ids = _ids(counted)
    target = ids[7]
    short = _prefix(target, ids)
    assert len(short) < len(target)
    for given in (short, short + "…", short.replace("-", "").upper(), target):
        shown = branchline_json("state", "t", "--checkpoint", given, db=counted)
        assert shown["checkpoint_id"] == target


def test_diff_and_replay_take_prefixes(counted: Path) -> None:
    ids = _ids(counted)
    older, newer = _prefix(ids[5], ids), _prefix(ids[2], ids)
    compared = branchline_json("diff", "t", older, newer, db=counted)
    assert (compared["first"]["checkpoint_id"], compared["second"]["checkpoint_id"]) == (
        ids[5],
        ids[2],
    )
    replayed = branchline("replay", "t", "--from", newer, "--mode", "values", db=counted)
    assert len(replayed.strip().splitlines()) == 3  # ids[2], ids[1] and the head


def test_an_ambiguous_prefix_lists_what_it_starts_and_writes_nothing(counted: Path) -> None:
    before = stored_events(counted)
    out = branchline(
        "fork", "t", "--checkpoint", "0000", "--values", '{"n": 1}', "--actor", "ivy",
        db=counted, expect=1,
    )  # fmt: skip
    assert f"--checkpoint '0000' starts {STEPS + 2} checkpoints of thread 't'" in out
    assert f"and {STEPS + 2 - 5} more); give more of the id" in out
    assert stored_events(counted) == before


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("ffff", "--checkpoint 'ffff' names no checkpoint of thread 't'"),
        ("not-an-id", "--checkpoint 'not-an-id' is not a checkpoint id"),
        ("00000000-0000-0001-0000-000000000000", "does not belong to thread 't'"),
    ],
)
def test_a_prefix_of_no_checkpoint_is_an_error_naming_it(
    counted: Path, given: str, said: str
) -> None:
    out = branchline("state", "t", "--checkpoint", given, db=counted, expect=1)
    assert said in out and "branchline history" in out


def test_fork_from_a_prefix_branches_from_that_checkpoint(tmp_path: Path, counted: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(counted.read_bytes())
    ids = _ids(db)
    out = branchline(
        "fork", "t", "--checkpoint", _prefix(ids[3], ids), "--values", '{"n": 100}',
        "--actor", "ivy", db=db,
    )  # fmt: skip
    assert "forked as ivy" in out
    [_, branch] = branchline_json("branches", "t", db=db)
    assert branch["from_checkpoint"] == ids[3] and branch["created_by"] == "ivy"


def test_history_pages_from_the_newest_and_says_where_the_next_page_starts(
    counted: Path,
) -> None:
    every = _ids(counted)
    pages: list[str] = []
    args = ("history", "t", "--limit", "50")
    while True:
        done = subprocess.run(
            command(*args, "--json"), capture_output=True, text=True, env=environment(counted)
        )
        page = [c["checkpoint_id"] for c in json.loads(done.stdout)]
        pages += page
        if not done.stderr:
            break
        assert done.stderr.split() == [
            "showing", "the", "newest", "50;", "for", "older", "ones:",
            "branchline", "history", "t", "--before", page[-1],
        ]  # fmt: skip
        args = ("history", "t", "--limit", "50", "--before", page[-1][:19])
    assert pages == every and len(every) == STEPS + 2


def test_history_shows_a_hundred_checkpoints_unless_told(counted: Path) -> None:
    table = branchline("history", "t", db=counted)
    newest = _ids(counted)[:101]
    assert table.count("loop") == 100 and newest[99] in table and newest[100] not in table
    assert (
        f"showing the newest 100; for older ones: branchline history t --before {newest[99]}"
        in table
    )


def test_state_at_a_checkpoint_is_that_entry_of_the_history(counted: Path) -> None:
    listed = branchline_json("history", "t", "--limit", "1000", db=counted)
    entry: dict[str, Any] = listed[9]
    shown = branchline_json("state", "t", "--checkpoint", entry["checkpoint_id"], db=counted)
    assert shown == {"thread_id": "t", **entry}
