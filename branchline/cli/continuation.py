"""Running a stored thread on from the command line: ``continue``, and what Ctrl-C keeps.

A thread waits with nodes still to run after a recorded answer (``resume`` without
``--graph``), an edit, a node that failed, or a run stopped by Ctrl-C. ``continue`` runs
it on with ``graph.invoke(None, config)``; a run stopped by Ctrl-C keeps its last
committed checkpoint, and says so with the command that picks it up from there.
"""

from __future__ import annotations

import shlex
from typing import Annotated, Any

import typer

from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    app,
    console,
    fail,
    latest,
    load_graph,
    open_store,
    print_state,
    short,
)
from branchline.domain.model.ids import checkpoint_id
from branchline.domain.model.thread import Thread
from branchline.domain.store.backends import is_postgres
from branchline.domain.store.checkpoint_store import CheckpointStore

INTERRUPTED = 130  # what a shell reports for a process stopped by SIGINT (128 + 2)


def continue_command(thread: str, graph: str | None, actor: str | None, db: str) -> str:
    """The exact ``branchline continue`` line for a thread (a PostgreSQL URL is left out:
    it may hold a password, and the process that ran found it in ``BRANCHLINE_DB``)."""
    words = ["branchline", "continue", thread, "--graph", graph or "MODULE:ATTR"]
    words += ["--actor", actor] if actor else []
    words += [] if is_postgres(db) else ["--db", db]
    return shlex.join(words)


def run_on(
    store: CheckpointStore, spec: str, thread: str, actor: str | None, db: str, start: Any
) -> dict[str, Any]:
    """Invoke the graph on the thread; on Ctrl-C say what was kept, how to go on, exit 130."""
    config = {"configurable": {"thread_id": thread, "actor": actor}}
    try:
        return load_graph(spec, store).invoke(start, config) or {}  # None: nothing ran
    except KeyboardInterrupt:
        kept = store.load(thread)
        console.print(f"stopped by Ctrl-C; kept {_describe(kept)}")
        console.print(f"to continue: {continue_command(thread, spec, actor, db)}")
        raise typer.Exit(code=INTERRUPTED) from None


def _describe(thread: Thread | None) -> str:
    """The last committed checkpoint of a thread and what it still has to run."""
    if thread is None or thread.head is None:
        return "nothing: the thread has no checkpoint yet"
    head = thread.head
    done = f", done since: {list(thread.finished_nodes)}" if thread.finished_nodes else ""
    return (
        f"checkpoint {checkpoint_id(thread.thread_id, head.version)} (step {head.step}), "
        f"the last one committed; to run: {list(thread.pending_nodes)}{done}"
    )


@app.command("continue", short_help="Run on a thread left waiting: answered, edited, failed.")
def continue_(
    thread: str,
    graph: Annotated[
        str,
        typer.Option(
            "--graph",
            help="module:attribute of the graph (a StateGraph, or a function of the store).",
        ),
    ],
    actor: Annotated[
        str | None, typer.Option("--actor", help="Who runs it on (recorded with the run).")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Run a waiting thread on: after a recorded answer, an edit, a failure or Ctrl-C."""
    with open_store(db, lenient=False) as store:
        head = latest(store, thread)
        _refuse_a_question(head, graph)
        if not head.pending_nodes:
            console.print(f"thread {thread!r} is finished: nothing left to run")
            return
        result = run_on(store, graph, thread, actor, db, None)
    console.print(f"continued{f' as {actor}' if actor else ''}; state now:")
    print_state(result)


def _refuse_a_question(head: Thread, graph: str) -> None:
    """A thread waiting for a person's answer is not run on: say which and how to answer."""
    if not head.pending_interrupts:
        return
    asked = head.pending_interrupts[0]
    raise fail(
        f"thread {head.thread_id!r} waits for an answer to interrupt {asked.interrupt_id} "
        f"({asked.node}): {short(asked.value)}; nothing was run. Answer it with "
        f"`branchline resume {shlex.quote(head.thread_id)} --interrupt {asked.interrupt_id} "
        f"--value JSON --actor NAME --graph {graph}`"
    )
