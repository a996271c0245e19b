"""Questions asked inside subgraphs, answered from other processes with the command line:
on SQLite and on PostgreSQL, the inbox and the audit trail list each question once, under
the thread people answer, with the subgraph it came from; ``history --tree`` hangs each
subgraph's checkpoints under the parent step that ran them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_process import branchline

SCRIPT = Path(__file__).with_name("subgraph_graph.py")
GRAPH = "subgraph_graph:build"


@pytest.fixture(params=["sqlite", "postgres"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """Where the thread lives (a file, or a PostgreSQL schema) and the variables that say so."""
    if request.param == "sqlite":
        db = str(tmp_path / "claims.db")
        yield db, {"BRANCHLINE_DB": db}
        return
    dsn, schema = request.getfixturevalue("pg_dsn"), request.getfixturevalue("pg_schema")
    yield dsn, {"BRANCHLINE_DB": dsn, "BRANCHLINE_PG_SCHEMA": schema}


def cli(database: tuple[str, dict[str, str]], *args: str) -> str:
    """Run ``branchline ARGS`` on the database, in this folder (where ``--graph`` finds
    the graph's module)."""
    db, env = database
    return branchline(*args, db=Path(db), env=env, cwd=SCRIPT.parent)


def start(database: tuple[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Run the claim graph to its questions in a process of its own."""
    db, env = database
    done = subprocess.run(
        [sys.executable, str(SCRIPT), db, "claim-7", "start"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_questions_of_parallel_and_nested_subgraphs_are_answered_from_other_processes(
    database: tuple[str, dict[str, str]],
) -> None:
    asked = {q["value"]: q["id"] for q in start(database)}
    inbox = json.loads(cli(database, "pending", "--json"))
    threads = [row["thread_id"] for row in json.loads(cli(database, "threads", "--json"))]

    cli(
        database,
        "resume",
        "claim-7",
        "--interrupt",
        asked["finance: approve C-7?"],
        "--value",
        '"yes"',
        "--actor",
        "dana",
        "--graph",
        GRAPH,
    )
    left = json.loads(cli(database, "pending", "--json"))
    cli(
        database,
        "resume",
        "claim-7",
        "--interrupt",
        asked["legal: approve C-7?"],
        "--value",
        '"fine"',
        "--actor",
        "erin",
        "--graph",
        GRAPH,
    )
    state = json.loads(cli(database, "state", "claim-7", "--json"))
    audit = json.loads(cli(database, "audit", "claim-7", "--json"))
    tree = cli(database, "history", "claim-7", "--tree")

    assert threads == ["claim-7"]  # the subgraphs' own threads are not listed as threads
    where = {row["value"]: (row["thread_id"], row["node"], row["namespace"]) for row in inbox}
    assert len(inbox) == 2
    thread, node, namespace = where["legal: approve C-7?"]
    assert (thread, node) == ("claim-7", "legal")
    assert [s.partition(":")[0] for s in namespace.split("|")] == ["legal", "review", "ask"]
    thread, node, namespace = where["finance: approve C-7?"]
    assert (thread, node) == ("claim-7", "finance")
    assert [s.partition(":")[0] for s in namespace.split("|")] == ["finance", "ask"]
    assert [row["value"] for row in left] == ["legal: approve C-7?"]
    assert state["values"]["filed"] is True
    assert sorted(state["values"]["verdicts"]) == ["finance: yes", "legal: fine"]
    answers = [(d["actor"], d["decision"], d["node"], d["value"]) for d in audit["decisions"]]
    assert answers == [("dana", "resume", "finance", "yes"), ("erin", "resume", "legal", "fine")]
    assert [d["namespace"] for d in audit["decisions"]] == [
        where["finance: approve C-7?"][2],
        where["legal: approve C-7?"][2],
    ]
    assert "subgraph finance:" in tree
    assert "subgraph legal:" in tree
    assert "subgraph review:" in tree  # the one inside legal's subgraph, under its step
