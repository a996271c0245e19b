"""Run the ``branchline`` command line as a user does: a real process on a real file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# Output to a terminal 80 columns wide (rich reads TTY_COMPATIBLE), colourless.
TERMINAL_80 = {"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": "80"}
_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def branchline(*args: str, db: Path, expect: int = 0, env: Mapping[str, str] | None = None) -> str:
    """Run ``branchline ARGS`` on ``db``; return what it printed, checking its exit code.

    Its output is piped; ``env`` adds variables (``TERMINAL_80``: as to a terminal,
    whose styles are then taken out of what it printed).
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
    return _STYLE.sub("", done.stdout + done.stderr)
