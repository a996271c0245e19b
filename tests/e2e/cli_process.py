"""Run the ``branchline`` command line as a user does: a real process on a real file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from branchline import CheckpointStore

# Output to a terminal 80 columns wide (rich reads TTY_COMPATIBLE), colourless.
TERMINAL_80 = {"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": "80"}
_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def branchline(
    *args: str,
    db: Path,
    expect: int = 0,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
) -> str:
    """Run ``branchline ARGS`` on ``db``; return what it printed, checking its exit code.

    Its output is piped; ``env`` adds variables (``TERMINAL_80``: as to a terminal,
    whose styles are then taken out of what it printed); ``stdin`` is what it reads;
    ``cwd`` is where it runs, as the installed console script (not ``python -m``, which
    would put the directory on the import path by itself).
    """
    done = subprocess.run(
        command(*args, script=cwd is not None),
        capture_output=True,
        text=True,
        env=environment(db, env),
        input=stdin,
        cwd=cwd,
        timeout=60,
    )
    assert done.returncode == expect, done.stdout + done.stderr
    return plain(done.stdout + done.stderr)


def branchline_json(*args: str, db: Path) -> Any:
    """Run ``branchline ARGS --json`` on ``db``: the one JSON document it printed on stdout
    (a note on stderr, such as where the next page starts, is not part of it)."""
    done = subprocess.run(
        command(*args, "--json"), capture_output=True, text=True, env=environment(db), timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def command(*args: str, script: bool = False) -> list[str]:
    """The argv of ``branchline ARGS``: ``python -m branchline``, or the console script."""
    if script:
        return [str(Path(sys.executable).with_name("branchline")), *args]
    return [sys.executable, "-m", "branchline", *args]


def environment(db: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of a ``branchline`` process on ``db``: ours, plus ``env``."""
    return {**os.environ, "BRANCHLINE_DB": str(db), "COLUMNS": "250", **(env or {})}


def plain(printed: str) -> str:
    """What a process printed, its terminal styles taken out."""
    return _STYLE.sub("", printed)


def stored_events(db: Path, thread: str = "t") -> list[object]:
    """The events a thread holds in ``db`` (to show that a command wrote nothing)."""
    with CheckpointStore.sqlite(db) as store:
        return list(store.events(thread))
