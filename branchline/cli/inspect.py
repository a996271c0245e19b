"""Read-only commands: threads, history, state."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    app,
    as_json,
    console,
    errors,
    latest,
    open_store,
    say_none,
    states,
    table,
    views_of,
    when,
)
from branchline.cli.checkpoint_ids import resolve_checkpoint
from branchline.cli.json_output import plain, print_json, snapshot
from branchline.cli.travel import print_tree
from branchline.domain.model.ids import checkpoint_id
from branchline.domain.model.thread import Thread
from branchline.runner.snapshots import snapshot_of

HISTORY_PAGE = 100  # checkpoints `history` shows unless told otherwise


@app.command(short_help="Every thread: status, step, head checkpoint, metadata.")
def threads(db: DbOption = DEFAULT_DB, as_json_document: JsonOption = False) -> None:
    """List threads, most recently updated first."""
    with open_store(db) as store:
        found = views_of(store).list_threads()
    if as_json_document:
        print_json(found)
        return
    if not found:
        say_none(f"threads in {db!r} yet")
        return
    columns = ("thread", "status", "step", "head checkpoint", "updated (UTC)", "metadata")
    listed = table(*columns, ids={"head checkpoint"})
    for row in found:
        listed.add_row(
            row.thread_id,
            row.status,
            str(row.step),
            row.head_checkpoint or "",
            when(row.updated_at),
            as_json(row.metadata),
        )
    console.print(listed)


@app.command(short_help="A thread's checkpoints, newest first, or its tree.")
def history(
    thread: str,
    db: DbOption = DEFAULT_DB,
    as_json_document: JsonOption = False,
    tree: Annotated[
        bool, typer.Option("--tree", help="Draw the checkpoint tree with its branches.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show at most this many checkpoints.")
    ] = HISTORY_PAGE,
    before: Annotated[
        str | None,
        typer.Option(
            "--before", help="Start below this checkpoint (an id or a unique prefix of one)."
        ),
    ] = None,
) -> None:
    """The checkpoints of a thread, newest first, a page at a time (--limit, --before);
    or, with --tree, the whole checkpoint tree with its branches."""
    with open_store(db) as store:
        if tree:
            states(store, thread)
            print_tree(store, thread)
            return
        latest(store, thread)
        below = None if before is None else resolve_checkpoint(store, thread, before, "--before")
        page = store.recent_states(thread, limit + 1, below)
    shown, more = page[:limit], len(page) > limit
    if as_json_document:
        print_json([snapshot(snapshot_of(state, live=False)) for state in shown])
    else:
        _print_checkpoints(thread, shown)
    if more:
        last = checkpoint_id(thread, _version(shown[-1]))
        errors.print(
            f"showing the newest {limit:,}; for older ones: "
            f"branchline history {thread} --before {last}"
        )


def _version(state: Thread) -> int:
    assert state.head is not None
    return state.head.version


def _print_checkpoints(thread: str, shown: list[Thread]) -> None:
    checkpoints = table("checkpoint", "step", "source", "next", "created (UTC)", ids={"checkpoint"})
    for state in shown:
        head = state.head
        assert head is not None
        checkpoints.add_row(
            checkpoint_id(thread, head.version),
            str(head.step),
            head.source,
            ", ".join(head.next) or "-",
            when(head.created_at),
        )
    console.print(checkpoints)


@app.command(short_help="A thread's values, next nodes and questions.")
def state(
    thread: str,
    db: DbOption = DEFAULT_DB,
    checkpoint: Annotated[
        str | None,
        typer.Option(help="A checkpoint id or a unique prefix of one (default: the head)."),
    ] = None,
    as_json_document: JsonOption = False,
) -> None:
    """The values, next nodes and metadata of a thread (now, or at a checkpoint)."""
    with open_store(db) as store:
        if checkpoint is None:
            snap = snapshot_of(latest(store, thread), live=True)
        else:
            latest(store, thread)
            version = resolve_checkpoint(store, thread, checkpoint, "--checkpoint")
            snap = snapshot_of(store.checkpoint(thread, checkpoint_id(thread, version)), live=False)
    if as_json_document:
        print_json({"thread_id": thread, **snapshot(snap)})
        return
    head_id = snap.config["configurable"]["checkpoint_id"]
    console.print(
        Text.assemble(("thread", "bold"), f" {thread}  ", ("checkpoint", "bold"), f" {head_id}")
    )
    console.print(
        Text.assemble(
            ("next", "bold"),
            f" {list(snap.next)}  ",
            ("metadata", "bold"),
            f" {as_json(snap.metadata)}",
        )
    )
    for asked in snap.interrupts:
        console.print(
            Text.assemble(("waiting for an answer", "bold"), f" {asked.id}: {as_json(asked.value)}")
        )
    console.print_json(as_json(plain(snap.values)))
