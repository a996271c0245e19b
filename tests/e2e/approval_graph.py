"""A graph for cross-process HITL tests: ``python approval_graph.py DB THREAD ACTION [ARGS]``.

DB is an SQLite path or a ``postgresql://`` URL (schema from ``BRANCHLINE_PG_SCHEMA``).
Actions: ``start``; ``show``; ``resume VALUE ACTOR [GO_FILE]`` (waits for GO_FILE to
exist first, so racing processes start together); ``aresume ACTORS GO_FILE``: each of
the comma-separated ACTORS answers with its name, all at once, from tasks of one event
loop (``ainvoke``). Prints one JSON line. The ``act``
node appends a line to ``BRANCHLINE_TEST_ACTED`` (default ``DB.acted``) each time it
runs, so tests count its runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    CompiledStateGraph,
    InterruptNotPending,
    StateGraph,
    interrupt,
)


class Request(TypedDict, total=False):
    action: str
    approved_by: str
    done: str


def build(db: str) -> CompiledStateGraph:
    """Compile the approval graph on the store at ``db``."""
    acted = os.environ.get("BRANCHLINE_TEST_ACTED", f"{db}.acted")

    def propose(state: Request) -> dict[str, Any]:
        return {"action": "delete the staging database"}

    def approve(state: Request) -> dict[str, Any]:
        answer = interrupt({"approve?": state["action"]})
        return {"approved_by": answer}

    def act(state: Request) -> dict[str, Any]:
        with open(acted, "a") as log:
            log.write(f"{state['approved_by']}\n")
        return {"done": state["action"]}

    builder = StateGraph(Request)
    for node in (propose, approve, act):
        builder.add_node(node)
    builder.add_edge(START, "propose")
    builder.add_edge("propose", "approve")
    builder.add_edge("approve", "act")
    builder.add_edge("act", END)
    return builder.compile(
        checkpointer=CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db})
    )


def main(db: str, thread: str, action: str, *args: str) -> None:
    """Run one action and print its outcome as JSON."""
    graph = build(db)
    config: dict[str, Any] = {"configurable": {"thread_id": thread}}
    if action == "start":
        graph.invoke({}, config)
    elif action == "aresume":
        actors, go = args
        while not Path(go).exists():
            time.sleep(0.001)
        print(json.dumps({"answers": asyncio.run(_answers(graph, thread, actors.split(",")))}))
        return
    elif action == "resume":
        value, actor, *go = args
        config["configurable"]["actor"] = actor
        while go and not Path(go[0]).exists():
            time.sleep(0.001)
        try:
            graph.invoke(Command(resume=value), config)
        except InterruptNotPending as error:
            print(json.dumps({"refused": str(error)}))
            return
    snapshot = graph.get_state(config)
    asked = [{"id": i.id, "value": i.value} for i in snapshot.interrupts]
    print(json.dumps({"values": snapshot.values, "next": list(snapshot.next), "interrupts": asked}))


async def _answers(graph: CompiledStateGraph, thread: str, actors: list[str]) -> list[Any]:
    """Each actor's answer, given at once; what each got: the values, or the refusal."""

    async def answer(actor: str) -> Any:
        config = {"configurable": {"thread_id": thread, "actor": actor}}
        try:
            return {"values": await graph.ainvoke(Command(resume=actor), config)}
        except InterruptNotPending as error:
            return {"refused": str(error)}

    return list(await asyncio.gather(*(answer(a) for a in actors)))


if __name__ == "__main__":
    main(*sys.argv[1:])
