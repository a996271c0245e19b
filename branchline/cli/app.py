"""The Typer app, its shared options and helpers.

What the commands print comes largely from the store (thread ids, actors, questions,
answers), so the console reads no markup and no emoji codes in what it prints: a value
such as ``[link=http://evil.example]dana[/link]`` or ``:smile:`` shows as it is. Our own
styles are given as ``Text`` parts (``Text.assemble(("ok", "green"), " ", value)``),
never as markup in a string.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from branchline.domain.model.errors import BranchlineError
from branchline.domain.model.thread import Thread
from branchline.domain.store.backends import is_postgres
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.storage_faults import STORAGE_FAULTS
from branchline.runner.builder import StateGraph
from branchline.runner.compiled import CompiledStateGraph

app = typer.Typer(
    help="Durable agent threads: inspect them, answer their interrupts, run the demo.",
    no_args_is_help=True,
)
UNCUT_WIDTH = 1_000_000  # not a terminal: a line as wide as it needs, for grep and scripts


def _console(*, stderr: bool = False) -> Console:
    """The output of every command: literal text (no markup, no emoji codes); when it is
    not a terminal (a pipe, a file) lines are never wrapped or cut, whatever COLUMNS says."""
    out = Console(markup=False, emoji=False, stderr=stderr)
    if not out.is_terminal:
        out.width = UNCUT_WIDTH
    return out


console = _console()
errors = _console(stderr=True)  # where errors go

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
_opened: dict[str, str] = {}  # the database this command opened, named if it fails later


def fail(message: str) -> typer.Exit:
    """Print an error to stderr and return the exit to raise."""
    errors.print(_error(message))
    return typer.Exit(code=1)


def _error(message: str) -> Text:
    return Text.assemble(("error:", "red"), " ", for_the_cli(message))


def table(*headers: str, ids: Collection[str] = (), title: str | None = None) -> Table:
    """A table that never cuts a cell: one too long for the terminal folds onto more
    lines, every character kept. The ``ids`` columns hold ids to copy into a command:
    they stay on one line while the others can give way."""
    made = Table(*headers, title=title)
    for column in made.columns:
        column.overflow = "fold"
        column.no_wrap = column.header in ids
    return made


def open_store(db: str, *, lenient: bool = True) -> CheckpointStore:
    """Open an existing database (never create one by accident). A PostgreSQL schema
    comes from ``BRANCHLINE_PG_SCHEMA``, an encryption key from ``BRANCHLINE_ENCRYPTION_KEY``."""
    if not is_postgres(db) and not Path(db).exists():
        raise fail(
            f"no database at {db!r}; pass --db PATH or set BRANCHLINE_DB "
            "(run `branchline demo` to create one)"
        )
    _opened["db"] = db
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
    """Entry point of the console script: an error is one line on stderr and exit 1, never
    a traceback; a damaged or unopenable database file names the file and what to do."""
    try:
        app()
    except BranchlineError as error:
        errors.print(_error(str(error)))
        raise SystemExit(1) from None
    except STORAGE_FAULTS as error:
        errors.print(_error(_database_error(error)))
        raise SystemExit(1) from None


# An error serves Python and CLI users alike; on the command line its advice names the
# command to run, not the Python call.
_CLI_ADVICE = (
    ("get_state_history(config) or get_state(config).config", "`branchline history THREAD`"),
    ("get_state_history(config)", "`branchline history THREAD`"),
    ("get_state_history() of this thread", "`branchline history THREAD`"),
    ("get_state(config).interrupts", "`branchline pending`"),
    ("Call get_state(config) to list them", "List them with `branchline pending`"),
    ("Call get_state(config) to see where", "Run `branchline state THREAD` to see where"),
    ("reload it with get_state(config) and retry", "run the command again"),
    ("call rebuild(store) or delete the views file", "delete the views file"),
)


def for_the_cli(message: str) -> str:
    """``message`` with its Python-call advice given as the CLI command to run."""
    for python, command in _CLI_ADVICE:
        message = message.replace(python, command)
    return message


def _database_error(error: Exception) -> str:
    """What went wrong with the database, for a person: its file and what to do."""
    db = _opened.get("db") or os.environ.get("BRANCHLINE_DB", DEFAULT_DB)
    cause = str(error).strip() or type(error).__name__
    if "malformed" in cause or "not a database" in cause:
        return (
            f"the database {db!r} is damaged ({cause}); restore it from a backup, and run "
            "`sqlite3 FILE .recover` on a copy to save what can be read"
        )
    return (
        f"cannot use the database {db!r} ({cause}); check that the file and its directory "
        "exist and are readable, and that no other program holds it locked"
    )
