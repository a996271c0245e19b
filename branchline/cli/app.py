"""The Typer app, its shared options and helpers."""

from __future__ import annotations

import importlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from branchline.domain.model.errors import BranchlineError
from branchline.domain.model.thread import Thread
from branchline.domain.store.backends import is_postgres
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.builder import StateGraph
from branchline.runner.compiled import CompiledStateGraph

app = typer.Typer(
    help="Durable agent threads: inspect them, answer their interrupts, run the demo.",
    no_args_is_help=True,
)
console = Console()

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="BRANCHLINE_DB",
        help="SQLite file of the threads, or a postgresql://USER@HOST/DBNAME URL.",
    ),
]
SchemaOption = Annotated[
    str,
    typer.Option(
        "--schema", envvar="BRANCHLINE_PG_SCHEMA", help="PostgreSQL schema of the tables."
    ),
]
DEFAULT_DB = "branchline.db"


def fail(message: str) -> typer.Exit:
    """Print an error and return the exit to raise."""
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def open_store(db: str, *, lenient: bool = True) -> CheckpointStore:
    """Open an existing database (never create one by accident). A PostgreSQL schema
    comes from ``BRANCHLINE_PG_SCHEMA``, an encryption key from ``BRANCHLINE_ENCRYPTION_KEY``."""
    if not is_postgres(db) and not Path(db).exists():
        raise fail(
            f"no database at {db!r}; pass --db PATH or set BRANCHLINE_DB "
            "(run `branchline demo` to create one)"
        )
    return CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}, lenient=lenient)


def states(store: CheckpointStore, thread_id: str) -> list[Thread]:
    """Every checkpoint of a thread, or a clear error if there is no such thread."""
    found = store.checkpoint_states(thread_id)
    if not found:
        raise fail(
            f"no thread {thread_id!r} in {str(store.path)!r}; list them with `branchline threads`"
        )
    return found


def when(moment: datetime) -> str:
    """A timestamp for tables: seconds, no time zone noise (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def as_json(value: Any) -> str:
    """Compact JSON for display (anything unusual shown as text)."""
    return json.dumps(value, default=str, ensure_ascii=False)


def parse_json(option: str, text: str) -> Any:
    """Parse a JSON option value, or fail saying which option and why."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(f"{option} is not valid JSON ({error.msg}): {text!r}") from None


def load_graph(spec: str, store: CheckpointStore) -> CompiledStateGraph:
    """Compile the graph named ``module:attribute`` on ``store``.

    The attribute may be a StateGraph builder or a function taking the store.
    """
    module_name, _, attribute = spec.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise fail(
            f"cannot load graph {spec!r} ({error}); pass --graph package.module:attribute"
        ) from None
    if isinstance(target, StateGraph):
        return target.compile(checkpointer=store)
    if callable(target):
        graph = target(store)
        if isinstance(graph, CompiledStateGraph):
            return graph
    raise fail(
        f"{spec!r} is neither a StateGraph nor a function that takes a store and "
        "returns a compiled graph"
    )


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except BranchlineError as error:
        console.print(f"[red]error:[/red] {error}")
        raise SystemExit(1) from None
