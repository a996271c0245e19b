"""A real ``branchline serve`` process on a real SQLite file, and tokens made by the real
``branchline token create``: the tests talk to it with ``langgraph-sdk``, as users do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent
START_TIMEOUT = 30  # seconds for the server to answer /ok


@dataclass(frozen=True)
class Server:
    """A server under test: its URL, its database, and a token for ``ana``."""

    url: str
    db: Path
    token: str

    def token_for(self, actor: str, *roles: str) -> str:
        """A new token for ``actor`` (``branchline token create``)."""
        return branchline_cli("token", "create", "--actor", actor, *_roles(roles), db=self.db)


def _roles(roles: tuple[str, ...]) -> list[str]:
    return [arg for role in roles for arg in ("--role", role)]


def branchline_cli(*args: str, db: Path) -> str:
    """Run ``python -m branchline ARGS --db DB``; what it printed on stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "branchline", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=HERE,
    )
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(db: Path, *extra: str) -> Iterator[str]:
    """Start ``branchline serve`` on ``db``; yield its URL once it answers; stop it."""
    port = _free_port()
    graph = ("--graph", "refunds=refund_graph:builder", "--graph", "slow=slow_graph:builder")
    graph += ("--graph", "finance=refund_graph:finance_builder")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "branchline",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            *graph,
            *extra,
        ],
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(HERE)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped: {process.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/ok", timeout=1).status_code in (200, 401):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer in time")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a module's tests (each test uses threads of its own)."""
    db = tmp_path_factory.mktemp("server") / "threads.db"
    token = branchline_cli("token", "create", "--actor", "ana", db=db)
    for url in serve(db):
        yield Server(url, db, token)
