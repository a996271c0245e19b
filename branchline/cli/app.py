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
import sys
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from branchline import __version__
from branchline.bootstrap import open_views
from branchline.domain.model.errors import BranchlineError
from branchline.domain.model.thread import Thread
from branchline.domain.store.backends import is_postgres
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.storage_faults import STORAGE_FAULTS
from branchline.projections import Views
from branchline.runner.builder import StateGraph
from branchline.runner.compiled import CompiledStateGraph
from branchline.runner.config import namespace_segments

app = typer.Typer(
    no_args_is_help=True,
    # Plain help: paragraphs rewrapped to the terminal, options without <bool> tags.
    rich_markup_mode=None,
)


def _print_version(asked: bool) -> None:
    if asked:
        print(f"branchline {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Durable agent threads: inspect them, answer their interrupts, run the demo."""


UNCUT_WIDTH = 1_000_000  # not a terminal: a line as wide as it needs, for grep and scripts


def _console(*, stderr: bool = False) -> Console:
    """The output of every command: literal text (no markup, no emoji codes); when it is
    not a terminal (a pipe, a file) lines are never wrapped or cut, whatever COLUMNS says."""
    out = Console(markup=False, emoji=False, stderr=stderr)
    if not out.is_terminal:
        out.width = UNCUT_WIDTH
    return out


console = _console()
errors = _console(stderr=True)  # where errors, warnings and progress bars go

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
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one JSON document (shapes in the README's Command line section)."
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


def views_of(store: CheckpointStore) -> Views:
    """The store's read models, caught up. Events they had to pass over (a log damaged or
    edited by hand) are named on stderr: every other thread is shown as usual."""
    views = open_views(store)
    caught_up(views, store, "catching up the views")
    for event in views.skipped_events():
        whose = f"thread {event.thread_id!r}" if event.thread_id else "a thread it cannot name"
        errors.print(
            f"warning: the event at log position {event.position} ({whose}) is not shown: "
            f"{event.reason}. Check the log with `branchline audit --all --verify`"
        )
    return views


def caught_up(views: Views, store: CheckpointStore, what: str) -> int:
    """Catch ``views`` up with ``store``; on a terminal, with a progress bar on stderr that
    goes away when done (piped output stays as it was)."""
    if not errors.is_terminal:
        return views.catch_up(store)
    with Progress(console=errors, transient=True) as bar:
        task = bar.add_task(what, total=views.backlog(store) or None)
        return views.catch_up(store, lambda rows: bar.advance(task, rows))


def states(store: CheckpointStore, thread_id: str) -> list[Thread]:
    """Every checkpoint of a thread, or a clear error if there is no such thread."""
    found = store.checkpoint_states(thread_id)
    if not found:
        raise _no_thread(store, thread_id)
    return found


def latest(store: CheckpointStore, thread_id: str) -> Thread:
    """A thread at its head, read without its whole timeline; an error if there is none."""
    found = store.load(thread_id)
    if found is None or found.head is None:
        raise _no_thread(store, thread_id)
    return found


def _no_thread(store: CheckpointStore, thread_id: str) -> typer.Exit:
    return fail(
        f"no thread {thread_id!r} in {str(store.path)!r}; list them with `branchline threads`"
    )


def say_none(what: str) -> None:
    """Say that a listing found nothing (a table of headers alone reads as a failure)."""
    console.print(f"no {what}")


def when(moment: datetime) -> str:
    """A timestamp for tables: seconds, no time zone noise (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def node_path(node: str | None, namespace: str) -> str:
    """Where a question or an edit was, for tables: the node, or its path down through
    subgraphs (``"sub/ask"``), task ids left out."""
    names = [segment.partition(":")[0] for segment in namespace_segments(namespace)]
    if node is not None and (not names or names[0] != node):
        names.append(node)
    return "/".join(names)


def as_json(value: Any) -> str:
    """Compact JSON for display (anything unusual shown as text)."""
    return json.dumps(value, default=str, ensure_ascii=False)


SHORT = 80  # characters of a value echoed back: enough to recognise it, never a whole file


def parse_json(option: str, text: str) -> Any:
    """Parse a JSON option value, or fail saying which option and why.

    ``@PATH`` reads the JSON from a file and ``-`` from stdin, for values too big for a
    command line; a file that cannot be read or holds no valid JSON is an error naming it.
    """
    source, text = _read_source(option, text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(f"{option}{source} is not valid JSON ({error.msg}): {_cut(text)}") from None


def _read_source(option: str, text: str) -> tuple[str, str]:
    """Where an option's JSON comes from (for messages) and its text."""
    if text == "-":
        return " from stdin", sys.stdin.read()
    if not text.startswith("@"):
        return "", text
    path = Path(text[1:])
    try:
        return f" file {str(path)!r}", path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise fail(
            f"{option} cannot read file {str(path)!r} ({reason}); "
            "give @PATH of a readable JSON file, - for stdin, or the JSON itself"
        ) from None


def short(value: Any) -> str:
    """A value for a confirmation line: its JSON whole if short, else the start and size."""
    return _cut(as_json(value))


def _cut(text: str) -> str:
    if len(text) <= SHORT:
        return text
    return f"{text[:SHORT]}… ({len(text):,} characters)"


def print_state(values: dict[str, Any]) -> None:
    """A thread's values after a run, one key a line, each value in its short form."""
    for key, value in values.items():
        console.print(f"  {key}: {short(value)}")


def load_graph(spec: str, store: CheckpointStore) -> CompiledStateGraph:
    """Compile the graph named ``module:attribute`` on ``store``.

    The attribute may be a StateGraph builder or a function taking the store. The
    module may live in the current directory, as it would for ``python -m``: the
    console script alone would not look there.
    """
    module_name, _, attribute = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
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
