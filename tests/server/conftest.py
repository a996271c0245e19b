"""A real ``branchline serve`` process on a real SQLite file, and tokens made by the real
``branchline token create``: the tests talk to it with ``langgraph-sdk``, as users do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from branchline import CheckpointStore

HERE = Path(__file__).parent
START_TIMEOUT = 30  # seconds for the server to answer /ok


@dataclass(frozen=True)
class Server:
    """A server under test: its URL, its database (a file, or a PostgreSQL URL whose
    schema ``env`` names), and a token for ``ana``."""

    url: str
    db: Path | str
    token: str
    env: dict[str, str] = field(default_factory=dict)

    def token_for(self, actor: str, *roles: str) -> str:
        """A new token for ``actor`` (``branchline token create``)."""
        made = ("token", "create", "--actor", actor, *_roles(roles))
        return branchline_cli(*made, db=self.db, env=self.env)


def hidden_field(page: str, name: str) -> str:
    """The value of the hidden form field ``name`` in an inbox page."""
    return page.split(f'name="{name}" value="')[1].split('"')[0]


def _roles(roles: tuple[str, ...]) -> list[str]:
    return [arg for role in roles for arg in ("--role", role)]


def branchline_cli(*args: str, db: Path | str, env: dict[str, str] | None = None) -> str:
    """Run ``python -m branchline ARGS --db DB``; what it printed on stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "branchline", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=HERE,
        env={**os.environ, **(env or {})},
    )
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(db: Path | str, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``branchline serve`` on ``db``; yield its URL once it answers; stop it."""
    port = _free_port()
    graph = ("--graph", "refunds=refund_graph:builder", "--graph", "slow=slow_graph:builder")
    graph += ("--graph", "finance=refund_graph:finance_builder")
    graph += ("--graph", "inbox=refund_graph:inbox_builder", "--graph", "chat=chat_graph:builder")
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
        env={**os.environ, "PYTHONPATH": str(HERE), **(env or {})},
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


@pytest.fixture(scope="module")
def pg_servers(pg_dsn: str) -> Iterator[tuple[Server, Server]]:
    """Two server processes on one PostgreSQL schema of their own (dropped afterwards),
    as two workers behind a load balancer."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    env = {"BRANCHLINE_PG_SCHEMA": schema}
    CheckpointStore.postgres(pg_dsn, schema=schema, create_tables=True).close()
    try:
        token = branchline_cli("token", "create", "--actor", "ana", db=pg_dsn, env=env)
        for first in serve(pg_dsn, env=env):
            for second in serve(pg_dsn, env=env):
                yield Server(first, pg_dsn, token, env), Server(second, pg_dsn, token, env)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


CHROMIUM = "/usr/bin/chromium"
# As the machine's notes advise: no background networking (this network refuses it).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), driven by Playwright. Without it the browser tests
    skip, saying how to get it; in CI (``CI`` set) they fail instead."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {CHROMIUM} is missing")
        pytest.skip(f"browser tests skipped: no {CHROMIUM}; install it: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
