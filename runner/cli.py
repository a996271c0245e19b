"""The ``branchline`` command line: inspect threads and run the demo."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from domain.errors import BranchlineError
from domain.ids import checkpoint_id
from domain.store import CheckpointStore
from domain.thread import Thread
from runner.snapshots import snapshot_of
from runner.views import views_for

app = typer.Typer(help="Durable agent threads: inspect, and run the demo.", no_args_is_help=True)
console = Console()

DbOption = Annotated[
    Path,
    typer.Option("--db", envvar="BRANCHLINE_DB", help="SQLite file of the threads."),
]


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _open(db: Path, *, must_exist: bool = True) -> CheckpointStore:
    if must_exist and not db.exists():
        raise _fail(
            f"no database at {str(db)!r}; pass --db PATH or set BRANCHLINE_DB "
            "(run `branchline demo` to create one)"
        )
    return CheckpointStore.sqlite(db, lenient=True)


def _states(store: CheckpointStore, thread_id: str) -> list[Thread]:
    states = store.checkpoint_states(thread_id)
    if not states:
        raise _fail(
            f"no thread {thread_id!r} in {str(store.path)!r}; list them with `branchline threads`"
        )
    return states


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


@app.command()
def threads(db: DbOption = Path("branchline.db")) -> None:
    """List threads, most recently updated first."""
    with _open(db) as store:
        views = views_for(store)
        table = Table("thread", "status", "step", "head checkpoint", "updated at", "metadata")
        for row in views.list_threads():
            table.add_row(
                row.thread_id,
                row.status,
                str(row.step),
                row.head_checkpoint or "",
                row.updated_at.isoformat(timespec="seconds"),
                _json(row.metadata),
            )
        console.print(table)


@app.command()
def history(
    thread: str,
    db: DbOption = Path("branchline.db"),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The checkpoints of a thread, newest first."""
    with _open(db) as store:
        states = list(reversed(_states(store, thread)))
    if as_json:
        for state in states:
            snap = snapshot_of(state, live=False)
            print(
                _json(
                    {
                        "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
                        **snap._asdict(),
                    }
                )
            )
        return
    table = Table("checkpoint", "step", "source", "next", "created at")
    for state in states:
        head = state.head
        assert head is not None
        table.add_row(
            checkpoint_id(thread, head.version),
            str(head.step),
            head.source,
            ", ".join(head.next) or "-",
            head.created_at.isoformat(timespec="seconds"),
        )
    console.print(table)


@app.command()
def state(
    thread: str,
    db: DbOption = Path("branchline.db"),
    checkpoint: Annotated[
        str | None, typer.Option(help="A checkpoint id (default: the head).")
    ] = None,
) -> None:
    """The values, next nodes and metadata of a thread (now, or at a checkpoint)."""
    with _open(db) as store:
        states = _states(store, thread)
        chosen = states[-1]
        if checkpoint is not None:
            matches = [
                s for s in states if s.head and checkpoint_id(thread, s.head.version) == checkpoint
            ]
            if not matches:
                raise _fail(
                    f"no checkpoint {checkpoint!r} in thread {thread!r}; "
                    f"see `branchline history {thread}`"
                )
            chosen = matches[0]
        else:
            chosen = store.load(thread) or chosen
        snap = snapshot_of(chosen, live=checkpoint is None)
    head_id = snap.config["configurable"]["checkpoint_id"]
    console.print(f"[bold]thread[/bold] {thread}  [bold]checkpoint[/bold] {head_id}")
    console.print(
        f"[bold]next[/bold] {list(snap.next)}  [bold]metadata[/bold] {_json(snap.metadata)}"
    )
    console.print_json(_json(snap.values))


@app.command()
def demo(db: DbOption = Path("branchline.db")) -> None:
    """Run the demo support agent on an SQLite file and show what was recorded."""
    from runner.demo import build

    with CheckpointStore.sqlite(db) as store:
        graph = build(store)
        config = {
            "configurable": {"thread_id": f"ticket-{os.getpid()}"},
            "metadata": {"customer": "ada"},
        }
        console.print(f"[bold]Running the support agent on {str(db)!r}[/bold]")
        for update in graph.stream({"message": "I would like a refund, please."}, config):
            for node, writes in update.items():
                console.print(f"  [cyan]{node}[/cyan] wrote {_json(writes)}")
        final = graph.get_state(config)
        console.print(f"[bold]reply:[/bold] {final.values['reply']}")
        table = Table("step", "source", "checkpoint", "next")
        for snap in graph.get_state_history(config):
            meta = snap.metadata or {}
            checkpoint = snap.config["configurable"]["checkpoint_id"]
            table.add_row(
                str(meta["step"]), meta["source"], checkpoint, ", ".join(snap.next) or "-"
            )
        console.print(table)
    console.print(f"Inspect it: branchline history {config['configurable']['thread_id']} --db {db}")


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except BranchlineError as error:
        console.print(f"[red]error:[/red] {error}")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
