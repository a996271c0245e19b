"""Human-in-the-loop across real processes on one SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("approval_graph.py")


def command(db: Path, *args: str) -> list[str]:
    return [sys.executable, str(SCRIPT), str(db), "req-1", *args]


def run(db: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        command(db, *args), capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_pause_in_one_process_inspect_in_a_second_resume_in_a_third(tmp_path: Path) -> None:
    db = tmp_path / "approvals.db"
    started = run(db, "start")
    assert started["next"] == ["approve"]

    seen = run(db, "show")
    assert seen["interrupts"] == started["interrupts"]
    assert seen["interrupts"][0]["value"] == {"approve?": "delete the staging database"}

    finished = run(db, "resume", "erin", "erin")
    assert finished["next"] == []
    assert finished["values"]["done"] == "delete the staging database"
    assert (tmp_path / "approvals.db.acted").read_text() == "erin\n"


def test_two_racing_resumes_of_one_interrupt_resume_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "approvals.db"
    run(db, "start")
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            command(db, "resume", who, who, str(go)), stdout=subprocess.PIPE, text=True
        )
        for who in ("frank", "grace")
    ]
    go.touch()
    outcomes = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in racers]

    winners = [o for o in outcomes if "values" in o]
    losers = [o for o in outcomes if "refused" in o]
    assert len(winners) == 1
    assert len(losers) == 1
    winner = winners[0]["values"]["approved_by"]
    assert f"already answered by {winner}" in losers[0]["refused"]
    assert (tmp_path / "approvals.db.acted").read_text() == f"{winner}\n"
