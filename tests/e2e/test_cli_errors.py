"""CLI errors as a user meets them: one line on stderr, a non-zero exit, no traceback,
the offending path named, and nothing written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.cli_process import branchline


def _run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "branchline", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "BRANCHLINE_DB": str(db), "COLUMNS": "250"},
        timeout=60,
    )


def test_an_error_goes_to_stderr_with_a_non_zero_exit(tmp_path: Path) -> None:
    done = _run("state", "t1", db=tmp_path / "none.db")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: no database at ")


def test_a_missing_directory_is_named_with_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "missing" / "x.db"
    done = _run("db", "init", db=db)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"its directory {str(db.parent)!r} does not exist; create it" in done.stderr
    assert not db.parent.exists()


def _demo(tmp_path: Path) -> tuple[Path, str]:
    """``branchline demo`` run into a new file: the file and its thread."""
    db = tmp_path / "demo.db"
    branchline("demo", db=db)
    thread = re.search(r"ticket-\d+", branchline("threads", db=db))
    assert thread is not None
    return db, thread[0]


def test_every_inspection_of_a_damaged_file_is_one_line_on_stderr(tmp_path: Path) -> None:
    db, thread = _demo(tmp_path)
    (tmp_path / "demo.views.db").unlink()
    with db.open("r+b") as file:
        for page in range(1, 10):
            file.seek(4096 * page)
            file.write(b"\xde\xad\xbe\xef" * 8)
    damaged = db.read_bytes()
    for command in (["threads"], ["pending"], ["history", thread], ["state", thread]):
        done = _run(*command, db=db)
        assert done.returncode == 1, command
        assert done.stdout == "", command
        assert done.stderr.startswith(f"error: the database {str(db)!r} is damaged"), command
        assert done.stderr.count("\n") == 1 and "restore it from a backup" in done.stderr
    assert db.read_bytes() == damaged


def test_an_error_suggests_the_cli_command_not_the_python_call(tmp_path: Path) -> None:
    db, thread = _demo(tmp_path)
    before = db.read_bytes()
    done = _run("resume", thread, "--value", "1", "--actor", "x", "--interrupt", "abc", db=db)
    assert done.returncode == 1
    assert done.stderr.startswith("error: interrupt 'abc' is too short")
    assert "List them with `branchline pending`" in done.stderr
    assert "get_state(" not in done.stderr
    assert db.read_bytes() == before


def test_a_checkpoint_id_past_any_version_is_named_with_the_cli_way(tmp_path: Path) -> None:
    db, thread = _demo(tmp_path)
    head = re.search(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-([0-9a-f]{4}-[0-9a-f]{12})",
        branchline("history", thread, db=db),
    )
    assert head is not None
    overflowing = f"ffffffff-ffff-ffff-{head[1]}"  # this thread's tail, a version past any
    before = db.read_bytes()
    for command in (
        ["replay", thread, "--from", overflowing],
        ["state", thread, "--checkpoint", overflowing],
    ):
        done = _run(*command, db=db)
        assert done.returncode == 1, command
        assert overflowing in done.stderr and "`branchline history" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "get_state" not in done.stderr
    assert db.read_bytes() == before
