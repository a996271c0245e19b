"""Run the ``branchline`` command line as a user does: a real process on a real file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def branchline(*args: str, db: Path, expect: int = 0, env: Mapping[str, str] | None = None) -> str:
    """Run ``branchline ARGS`` on ``db``; return what it printed, checking its exit code.

    Its output is piped; ``env`` adds variables (``FORCE_TERMINAL``, ``COLUMNS``).
    """
    variables = {**os.environ, "BRANCHLINE_DB": str(db), "COLUMNS": "250", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "branchline", *args],
        capture_output=True,
        text=True,
        env=variables,
        timeout=60,
    )
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stdout + done.stderr
