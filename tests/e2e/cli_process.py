"""Run the ``branchline`` command line as a user does: a real process on a real file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def branchline(*args: str, db: Path, expect: int = 0) -> str:
    """Run ``branchline ARGS`` on ``db``; return what it printed, checking its exit code."""
    env = {**os.environ, "BRANCHLINE_DB": str(db), "COLUMNS": "250"}
    done = subprocess.run(
        [sys.executable, "-m", "branchline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stdout + done.stderr
