"""A graph for cross-process tests: ``python flaky_graph.py DB THREAD run|resume|show``.

The ``charge`` node fails until the file ``DB.ok`` exists, so one process can leave
a thread stopped at that node and another can read it and continue it.
"""

from __future__ import annotations

import json
import operator
import os
import sys
from pathlib import Path
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, CompiledStateGraph, StateGraph


class Order(TypedDict):
    """The state: what happened, and who ran each step."""

    log: Annotated[list[str], operator.add]
    total: int


def build(db: Path) -> CompiledStateGraph:
    """Compile the order graph on an SQLite file."""

    def price(state: Order) -> dict[str, Any]:
        return {"total": 42, "log": [f"price@{os.getpid()}"]}

    def charge(state: Order) -> dict[str, Any]:
        if not Path(f"{db}.ok").exists():
            raise ConnectionError("payment service unavailable")
        return {"log": [f"charge@{os.getpid()}"]}

    def receipt(state: Order) -> dict[str, Any]:
        return {"log": [f"receipt@{os.getpid()}"]}

    builder = StateGraph(Order)
    for node in (price, charge, receipt):
        builder.add_node(node)
    builder.add_edge(START, "price")
    builder.add_edge("price", "charge")
    builder.add_edge("charge", "receipt")
    builder.add_edge("receipt", END)
    return builder.compile(checkpointer=CheckpointStore.sqlite(db))


def main(db: str, thread: str, action: str) -> None:
    """Run, resume or show a thread, printing one JSON line."""
    graph = build(Path(db))
    config = {"configurable": {"thread_id": thread}}
    try:
        if action == "run":
            graph.invoke({"log": [], "total": 0}, config)
        elif action == "resume":
            graph.invoke(None, config)
    except ConnectionError as error:
        print(json.dumps({"error": str(error)}))
        return
    snapshot = graph.get_state(config)
    tasks = [{"name": t.name, "error": t.error} for t in snapshot.tasks]
    print(json.dumps({"values": snapshot.values, "next": list(snapshot.next), "tasks": tasks}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
