"""Read-only commands: threads, history, state."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    app,
    as_json,
    console,
    fail,
    open_store,
    states,
    table,
    views_of,
    when,
)
from branchline.cli.travel import print_tree
from branchline.domain.model.ids import checkpoint_id
from branchline.runner.snapshots import snapshot_of


@app.command()
def threads(db: DbOption = DEFAULT_DB) -> None:
    """List threads, most recently updated first."""
    with open_store(db) as store:
        columns = ("thread", "status", "step", "head checkpoint", "updated (UTC)", "metadata")
        listed = table(*columns, ids={"head checkpoint"})
        for row in views_of(store).list_threads():
            updated = when(row.updated_at)
            listed.add_row(
                row.thread_id,
                row.status,
                str(row.step),
                row.head_checkpoint or "",
                updated,
                as_json(row.metadata),
            )
        console.print(listed)


@app.command()
def history(
    thread: str,
    db: DbOption = DEFAULT_DB,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    tree: Annotated[
        bool, typer.Option("--tree", help="Draw the checkpoint tree with its branches.")
    ] = False,
) -> None:
    """The checkpoints of a thread, newest first (or as a tree of branches)."""
    with open_store(db) as store:
        found = list(reversed(states(store, thread)))
        if tree:
            print_tree(store.timeline(thread), thread)
            return
    if json_lines:
        for state in found:
            snap = snapshot_of(state, live=False)
            print(
                as_json(
                    {
                        "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
                        **snap._asdict(),
                    }
                )
            )
        return
    checkpoints = table("checkpoint", "step", "source", "next", "created (UTC)", ids={"checkpoint"})
    for state in found:
        head = state.head
        assert head is not None
        created = when(head.created_at)
        checkpoints.add_row(
            checkpoint_id(thread, head.version),
            str(head.step),
            head.source,
            ", ".join(head.next) or "-",
            created,
        )
    console.print(checkpoints)


@app.command()
def state(
    thread: str,
    db: DbOption = DEFAULT_DB,
    checkpoint: Annotated[
        str | None, typer.Option(help="A checkpoint id (default: the head).")
    ] = None,
) -> None:
    """The values, next nodes and metadata of a thread (now, or at a checkpoint)."""
    with open_store(db) as store:
        found = states(store, thread)
        if checkpoint is None:
            snap = snapshot_of(store.load(thread) or found[-1], live=True)
        else:
            matches = [
                s for s in found if s.head and checkpoint_id(thread, s.head.version) == checkpoint
            ]
            if not matches:
                raise fail(
                    f"no checkpoint {checkpoint!r} in thread {thread!r}; "
                    f"see `branchline history {thread}`"
                )
            snap = snapshot_of(matches[0], live=False)
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
    console.print_json(as_json(snap.values))
