"""A chat agent whose state is LangChain messages, paused at its tool call in one process
and resumed by ``branchline resume --graph`` in another (issue 17's done-when)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_process import branchline

SCRIPT = Path(__file__).with_name("chat_graph.py")
GRAPH = "chat_graph:build"


def chat(db: Path, action: str) -> Any:
    """Run the chat graph's script in a process of its own; what it printed, as JSON."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(db), "refund-7", action],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


HUMAN = {"class": "HumanMessage", "content": "Refund order A-7", "tool_calls": [], "answers": None}
CALL = {"class": "AIMessage", "content": "", "tool_calls": ["call-1"], "answers": None}


def test_a_chat_paused_at_a_tool_call_is_read_by_another_process(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    (asked,) = chat(db, "start")

    assert asked["value"]["tool_call"]["args"] == {"order": "A-7", "amount": 5}
    assert chat(db, "show") == {"next": ["tools"], "messages": [HUMAN, CALL]}


def test_branchline_resume_runs_the_approved_tool_call_in_a_new_process(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    (asked,) = chat(db, "start")
    answer = json.dumps({"action": "approve"})

    branchline(
        "resume", "refund-7", "--interrupt", asked["id"], "--value", answer,
        "--actor", "dana", "--graph", GRAPH, db=db, cwd=SCRIPT.parent,
    )  # fmt: skip

    done = "refunded 5 EUR on A-7"
    assert chat(db, "show") == {
        "next": [],
        "messages": [
            HUMAN,
            CALL,
            {"class": "ToolMessage", "content": done, "tool_calls": [], "answers": "call-1"},
            {"class": "AIMessage", "content": f"Done: {done}.", "tool_calls": [], "answers": None},
        ],
    }


def test_the_cli_shows_the_state_of_a_chat_thread(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    chat(db, "start")

    state = json.loads(branchline("state", "refund-7", "--json", db=db))

    assert [m["content"] for m in state["values"]["messages"]] == ["Refund order A-7", ""]
