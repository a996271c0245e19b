"""A database this process may not write can still be inspected, and a write to it is
a clear error that writes nothing.

The commands run as an unprivileged user: root writes through any file mode, so in CI
(root) the process drops to ``nobody`` with ``setpriv``; a developer who is not root is
already stopped by the modes. The database sits in a directory of its own under /tmp,
which ``nobody`` may enter (pytest's own temporary directories are private to root); a
checkout or virtualenv inside a directory private to root (``mktemp -d``) is opened to
``nobody`` for the module's run, so that it can import Branchline at all.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import branchline as package
from tests.e2e.cli_process import branchline

NOBODY = 65534


@pytest.fixture(scope="module", autouse=True)
def _importable_by_nobody() -> Iterator[None]:
    """Let ``nobody`` pass through the directories above the virtualenv and the sources
    (a clone in a 0700 ``mktemp -d`` directory would stop it), then close them again."""
    opened: list[tuple[Path, int]] = []
    if os.geteuid() == 0:
        for place in (Path(sys.prefix), Path(package.__file__).parent):
            for folder in (place, *place.parents):
                mode = folder.stat().st_mode
                if not mode & stat.S_IXOTH:
                    folder.chmod(mode | stat.S_IXOTH)
                    opened.append((folder, mode))
    yield
    for folder, mode in reversed(opened):
        folder.chmod(mode)


def _unprivileged(*command: str) -> list[str]:
    if os.geteuid() != 0:
        return list(command)
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]


def _run_read_only(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _unprivileged(sys.executable, "-m", "branchline", *args),
        capture_output=True,
        text=True,
        env={**os.environ, "BRANCHLINE_DB": str(db), "COLUMNS": "250", "HOME": str(db.parent)},
        timeout=60,
    )


@pytest.fixture
def read_only_db() -> Iterator[tuple[Path, str]]:
    """A demo database in a directory of mode 0555, the file 0444; and its thread id."""
    folder = Path(tempfile.mkdtemp(prefix="branchline-ro-"))
    try:
        db = folder / "demo.db"
        branchline("demo", db=db)
        thread = re.search(r"ticket-\d+", branchline("threads", db=db))
        assert thread is not None
        for views in folder.glob("*.views.db"):
            views.unlink()  # the inspection must do without a views file it may write
        db.chmod(0o444)
        folder.chmod(0o555)
        yield db, thread[0]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_inspection_commands_work_on_a_database_the_process_may_not_write(
    read_only_db: tuple[Path, str],
) -> None:
    db, thread = read_only_db
    before = sorted(p.name for p in db.parent.iterdir()), db.read_bytes()
    shows = {
        ("threads",): thread,
        ("pending",): "question",
        ("history", thread): "checkpoint",
        ("state", thread): "refunded",
        ("audit", thread): "erin@support",
    }
    for command, shown in shows.items():
        done = _run_read_only(*command, db=db)
        assert done.returncode == 0, (command, done.stderr)
        assert shown in done.stdout.lower(), (command, done.stdout)
    assert (sorted(p.name for p in db.parent.iterdir()), db.read_bytes()) == before


def test_get_state_works_in_python_on_a_database_the_process_may_not_write(
    read_only_db: tuple[Path, str],
) -> None:
    db, thread = read_only_db
    code = (
        "from branchline import CheckpointStore, StateGraph\n"
        "from typing import TypedDict\n"
        "class S(TypedDict): x: int\n"
        "b = StateGraph(S); b.add_node('n', lambda s: {}); b.set_entry_point('n')\n"
        f"g = b.compile(checkpointer=CheckpointStore.sqlite({str(db)!r}))\n"
        f"c = {{'configurable': {{'thread_id': {thread!r}}}}}\n"
        "head = g.get_state(c).config['configurable']['checkpoint_id']\n"
        "print(len(list(g.get_state_history(c))), head)\n"
    )
    done = subprocess.run(
        _unprivileged(sys.executable, "-c", code),
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(db.parent)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    count, head = done.stdout.split()
    assert int(count) > 1 and re.fullmatch(r"[0-9a-f-]{36}", head)


def test_a_write_to_a_read_only_database_is_a_clear_error_that_writes_nothing(
    read_only_db: tuple[Path, str],
) -> None:
    db, thread = read_only_db
    before = db.read_bytes()
    done = _run_read_only("update", thread, "--values", '{"x": 1}', "--actor", "dana", db=db)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: cannot write to {str(db)!r}: this process may only")
    assert "fix its permissions" in done.stderr
    assert db.read_bytes() == before


def test_a_new_database_in_a_directory_the_process_may_not_write_is_named(
    read_only_db: tuple[Path, str],
) -> None:
    db, _ = read_only_db
    new = db.parent / "new.db"
    done = _run_read_only("db", "init", db=new)
    assert done.returncode == 1
    assert done.stderr == (
        f"error: cannot create the database {str(new)!r}: its directory "
        f"{str(db.parent)!r} is not writable by this user; change its permissions or give "
        "another path\n"
    )
    assert not new.exists()
