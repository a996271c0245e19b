"""A thread stopped in one process is read and continued by another (real subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("flaky_graph.py")


def run(db: Path, action: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(db), "order-7", action],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_failed_run_is_read_and_finished_by_another_process(tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    assert run(db, "run") == {"error": "payment service unavailable"}

    stopped = run(db, "show")
    assert stopped["next"] == ["charge"]
    assert stopped["tasks"] == [
        {"name": "charge", "error": "ConnectionError('payment service unavailable')"}
    ]
    assert stopped["values"]["total"] == 42

    Path(f"{db}.ok").touch()
    finished = run(db, "resume")
    assert finished["next"] == []
    steps = [entry.split("@")[0] for entry in finished["values"]["log"]]
    assert steps == ["price", "charge", "receipt"]
    pids = {entry.split("@")[1] for entry in finished["values"]["log"]}
    assert len(pids) == 2, "price ran in the first process, charge and receipt in the resuming one"
