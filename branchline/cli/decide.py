"""Commands for the people in the loop: the inbox, answers, edits and the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    app,
    as_json,
    console,
    fail,
    latest,
    load_graph,
    node_path,
    open_store,
    parse_json,
    print_state,
    say_none,
    short,
    table,
    views_of,
    when,
)
from branchline.cli.continuation import continue_command, run_on
from branchline.cli.json_output import print_json
from branchline.runner.resume import Addressed
from branchline.runner.stored_threads import record_answers, record_edit
from branchline.runner.types import Command

ActorOption = Annotated[
    str, typer.Option("--actor", help="Who decides (recorded with the decision).")
]
GraphOption = Annotated[
    str | None,
    typer.Option(
        "--graph", help="module:attribute of the graph (a StateGraph, or a function of the store)."
    ),
]

VALUES_HELP = "The values to write, as a JSON object; @FILE reads a file, - stdin."


@app.command(short_help="The inbox: questions waiting for an answer, oldest first.")
def pending(db: DbOption = DEFAULT_DB, as_json_document: JsonOption = False) -> None:
    """The inbox: interrupts waiting for an answer, across every thread, oldest first."""
    with open_store(db) as store:
        found = views_of(store).pending_interrupts()
    if as_json_document:
        print_json(found)
        return
    if not found:
        say_none("questions are waiting for an answer")
        return
    columns = ("thread", "node", "interrupt", "since (UTC)", "question")
    inbox = table(*columns, ids={"interrupt"})
    for row in found:
        inbox.add_row(
            row.thread_id,
            node_path(row.node, row.namespace),
            row.interrupt_id,
            when(row.asked_at),
            as_json(row.value),
        )
    console.print(inbox)


@app.command(short_help="Answer a pending question as ACTOR; --graph runs on.")
def resume(
    thread: str,
    value: Annotated[
        str, typer.Option("--value", help="The answer, as JSON; @FILE reads a file, - stdin.")
    ],
    actor: ActorOption,
    interrupt: Annotated[
        str | None,
        typer.Option(
            "--interrupt",
            help="The interrupt to answer: its id, or a unique prefix of 6+ characters.",
        ),
    ] = None,
    graph: GraphOption = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Answer a pending interrupt as ACTOR; with --graph, also run the thread on.

    --interrupt always names a question: an id that is not pending is an error, never
    part of the answer.
    """
    answer = parse_json("--value", value)
    resume_value = answer if interrupt is None else Addressed({interrupt: answer})
    with open_store(db, lenient=graph is None) as store:
        latest(store, thread)
        if graph is None:
            for event in record_answers(store, thread, resume_value, actor):
                console.print(
                    f"recorded: {actor} answered {event.interrupt_id} ({event.node}) "
                    f"with {short(event.value)}"
                )
            console.print(
                "The run continues when your application calls graph.invoke(None, config), "
                f"or with: {continue_command(thread, None, actor, db)}"
            )
            return
        result = run_on(store, graph, thread, actor, db, Command(resume=resume_value))
    console.print(f"resumed as {actor}; state now:")
    print_state(result)


@app.command(short_help="Edit a thread's state as ACTOR: a new checkpoint.")
def update(
    thread: str,
    values: Annotated[str, typer.Option("--values", help=VALUES_HELP)],
    actor: ActorOption,
    graph: GraphOption = None,
    as_node: Annotated[
        str | None, typer.Option("--as-node", help="Write as if this node returned the values.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Edit a thread's state as ACTOR (a new checkpoint, source "update").

    With --graph it is update_state (reducers apply, --as-node routes); without, the values
    are assigned as given and what was pending stays pending.
    """
    written = parse_json("--values", values)
    if graph is None and as_node is not None:
        raise fail("--as-node needs --graph, to know what runs after the node")
    with open_store(db, lenient=graph is None) as store:
        latest(store, thread)
        if graph is None:
            new = record_edit(store, thread, written, actor=actor)
        else:
            config = {"configurable": {"thread_id": thread, "actor": actor}}
            new = load_graph(graph, store).update_state(config, written, as_node=as_node)
    console.print(f"updated as {actor}: new checkpoint {new['configurable']['checkpoint_id']}")
