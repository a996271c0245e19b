"""LangGraph's documented human-in-the-loop patterns, each paused in one process and
resumed in another on one SQLite file (issue 17's done-when). The graphs are in
``hitl_patterns.py``; LangGraph 1.2.22 gives the same values and questions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("hitl_patterns.py")


def run(db: Path, pattern: str, action: str, given: Any) -> Any:
    """One call of ``pattern``'s graph in a process of its own: its values and questions."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(db), pattern, action, json.dumps(given)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_approve_or_reject_routes_where_the_person_decided(tmp_path: Path) -> None:
    db = tmp_path / "hitl.db"
    asked = run(db, "approval", "start", {"action": "wire 5 EUR"})["asked"]
    assert asked == [{"question": "Approve this action?", "action": "wire 5 EUR"}]
    done = run(db, "approval", "resume", "approve")
    assert done == {"values": {"action": "wire 5 EUR", "outcome": "done: wire 5 EUR"}, "asked": []}


def test_a_rejection_takes_the_other_route(tmp_path: Path) -> None:
    db = tmp_path / "hitl.db"
    run(db, "approval", "start", {"action": "wire 5 EUR"})
    assert run(db, "approval", "resume", "reject")["values"]["outcome"] == "cancelled"


def test_review_and_edit_the_state(tmp_path: Path) -> None:
    db = tmp_path / "hitl.db"
    paused = run(db, "edit", "start", {"summary": "cats"})
    assert paused["asked"] == [{"task": "Review the summary", "summary": "draft about cats"}]
    done = run(db, "edit", "resume", "cats, reviewed")
    assert done["values"] == {"summary": "cats, reviewed", "published": "CATS, REVIEWED"}


def test_validate_human_input_asks_again_until_it_is_valid(tmp_path: Path) -> None:
    db = tmp_path / "hitl.db"
    assert run(db, "validate", "start", {})["asked"] == ["What is your age?"]
    again = run(db, "validate", "resume", "forty")
    assert again["asked"] == ["'forty' is not a valid age. What is your age?"]
    assert run(db, "validate", "resume", 40) == {"values": {"age": 40}, "asked": []}


def test_two_questions_asked_at_once_are_answered_in_one_call_by_id(tmp_path: Path) -> None:
    db = tmp_path / "hitl.db"
    paused = run(db, "parallel", "start", {"first": "a", "second": "b"})
    assert sorted(q["text_to_revise"] for q in paused["asked"]) == ["a", "b"]
    order = [q["text_to_revise"] for q in paused["asked"]]
    answers = [f"{text} edited" for text in order]
    done = run(db, "parallel", "resume", {"by_id": answers})
    assert done == {"values": {"first": "a edited", "second": "b edited"}, "asked": []}


def test_tokens_and_the_question_stream_in_one_call_and_the_resume_streams_the_rest(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hitl.db"
    paused = run(db, "streaming", "start", {"messages": [["user", "my parcel never came"]]})
    assert paused == {
        "tokens": ["refund", " ", "five", " ", "euros"],
        "asked": [{"confirm": "refund five euros"}],
    }
    done = run(db, "streaming", "resume", "yes")
    assert done == {"tokens": ["done,", " ", "refunded"], "asked": []}
