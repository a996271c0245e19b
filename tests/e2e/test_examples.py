"""The examples run as a user runs them, and do what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), str(tmp_path / f"{name}.db")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def test_approval_pauses_before_the_transfer_then_finishes(tmp_path: Path) -> None:
    out = run_example("approval", tmp_path)
    assert "paused before: ('transfer',)" in out
    assert "transferred 250 EUR" in out
    assert "finished: True" in out


def test_editing_sends_the_corrected_draft(tmp_path: Path) -> None:
    out = run_example("editing", tmp_path)
    assert "sent: Dear Ms Lovelace, your order ships tomorrow." in out
    assert "sources, newest first: ['loop', 'update', 'loop', 'loop', 'input']" in out


def test_input_is_written_as_the_human_input_node(tmp_path: Path) -> None:
    out = run_example("input", tmp_path)
    assert "next after the answer: ('plan',)" in out
    assert "plan: Booking a trip to Lisbon." in out


@pytest.mark.parametrize(
    ("thread", "result"),
    [("approve", "120"), ("edit", "80"), ("reject", "60")],
)
def test_tool_review_approve_edit_and_reject(tmp_path: Path, thread: str, result: str) -> None:
    out = run_example("tool_review", tmp_path)
    assert f"[{thread}] result: refunded {result} EUR on order A-1042" in out
