"""A chat agent's tool call, reviewed by a person (an ``interrupt()`` in the tool, or a
breakpoint before the ``tools`` node), paused in one process on SQLite and resumed in
another: by the graph's own script, and by ``branchline resume --graph``. LangGraph gives
the same conversation (checked with the same graph on LangGraph 1.2.22, in one process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_process import branchline

SCRIPT = Path(__file__).with_name("tool_review_graph.py")
QUESTION = (
    "Trying to call `book_hotel` with args {'hotel_name': McKittrick}. "
    "Please approve or suggest edits."
)
HUMAN = {
    "class": "HumanMessage",
    "content": "Book the McKittrick",
    "tool_calls": [],
    "answers": None,
}
CALL = {
    "class": "AIMessage",
    "content": "",
    "tool_calls": [{"hotel_name": "McKittrick"}],
    "answers": None,
}


def agent(db: Path, *args: str) -> Any:
    """Run the agent's script in a process of its own; what it printed, as JSON."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(db), "hotel-1", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def booked(hotel: str) -> list[dict[str, Any]]:
    """The conversation's end once ``hotel`` is booked."""
    answer = f"Successfully booked a stay at {hotel}."
    return [
        {"class": "ToolMessage", "content": answer, "tool_calls": [], "answers": "call-1"},
        {"class": "AIMessage", "content": f"Done: {answer}", "tool_calls": [], "answers": None},
    ]


def test_a_tool_paused_in_one_process_is_shown_in_another(tmp_path: Path) -> None:
    db = tmp_path / "hotel.db"

    (asked,) = agent(db, "start")

    assert asked["value"] == QUESTION
    assert agent(db, "show") == {"next": ["tools"], "messages": [HUMAN, CALL]}


def test_an_edit_given_in_another_process_reaches_the_tool(tmp_path: Path) -> None:
    db = tmp_path / "hotel.db"
    agent(db, "start")

    edit = json.dumps({"type": "edit", "args": {"hotel_name": "the Plaza"}})
    assert agent(db, "resume", edit) == []

    assert agent(db, "show") == {"next": [], "messages": [HUMAN, CALL, *booked("the Plaza")]}


def test_branchline_resume_answers_the_tool_in_a_new_process(tmp_path: Path) -> None:
    db = tmp_path / "hotel.db"
    (asked,) = agent(db, "start")

    branchline(
        "resume", "hotel-1", "--interrupt", asked["id"], "--value", '{"type": "accept"}',
        "--actor", "dana", "--graph", "tool_review_graph:build", db=db, cwd=SCRIPT.parent,
    )  # fmt: skip

    assert agent(db, "show") == {"next": [], "messages": [HUMAN, CALL, *booked("McKittrick")]}


def test_a_breakpoint_before_tools_is_passed_in_another_process(tmp_path: Path) -> None:
    db = tmp_path / "hotel.db"
    assert agent(db, "start", "--breakpoint") == []
    assert agent(db, "show") == {"next": ["tools"], "messages": [HUMAN, CALL]}

    # Past the breakpoint, the tool itself asks; the answer comes from a third process.
    (asked,) = agent(db, "continue", "--breakpoint")
    agent(db, "resume", '{"type": "accept"}', "--breakpoint")

    assert asked["value"] == QUESTION
    assert agent(db, "show") == {"next": [], "messages": [HUMAN, CALL, *booked("McKittrick")]}
