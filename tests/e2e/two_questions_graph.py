"""Two questions open at once, for race tests: ``python two_questions_graph.py DB THREAD ACTION``.

DB is an SQLite path or a ``postgresql://`` URL (schema from ``BRANCHLINE_PG_SCHEMA``).
``x`` and ``y`` run in one step and each asks a question; ``done`` runs after both are
answered and appends a line to ``BRANCHLINE_TEST_ACTED``. Actions: ``start``;
``answer NODE VALUE ACTOR GO_FILE`` (answers NODE's question once GO_FILE exists);
``finish`` (runs what is pending). Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any, TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    CompiledStateGraph,
    StateGraph,
    interrupt,
)


def _merge(old: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    return {**old, **new}


class Review(TypedDict, total=False):
    answers: Annotated[dict[str, str], _merge]
    done: bool


def build(db: str) -> CompiledStateGraph:
    """Compile the graph on the store at ``db``."""

    def ask(name: str) -> Any:
        def node(state: Review) -> dict[str, Any]:
            return {"answers": {name: interrupt(f"{name}?")}}

        return node

    def done(state: Review) -> dict[str, Any]:
        with open(os.environ["BRANCHLINE_TEST_ACTED"], "a") as log:
            log.write(json.dumps(state["answers"], sort_keys=True) + "\n")
        return {"done": True}

    builder = StateGraph(Review)
    builder.add_node("x", ask("x"))
    builder.add_node("y", ask("y"))
    builder.add_node("done", done)
    builder.add_edge(START, "x")
    builder.add_edge(START, "y")
    builder.add_edge(["x", "y"], "done")
    builder.add_edge("done", END)
    return builder.compile(
        checkpointer=CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db})
    )


def main(db: str, thread: str, action: str, *args: str) -> None:
    """Run one action and print the outcome as JSON."""
    graph = build(db)
    config: dict[str, Any] = {"configurable": {"thread_id": thread}}
    if action == "start":
        graph.invoke({"answers": {}}, config)
    elif action == "answer":
        node, value, actor, go = args
        config["configurable"]["actor"] = actor
        asked = {i.value: i.id for i in graph.get_state(config).interrupts}
        while not Path(go).exists():
            time.sleep(0.001)
        try:
            graph.invoke(Command(resume={asked[f"{node}?"]: value}), config)
        except Exception as error:  # reported, so the test can say what went wrong
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
            return
    elif action == "finish":
        graph.invoke(None, config)
    snapshot = graph.get_state(config)
    print(json.dumps({"values": snapshot.values, "next": list(snapshot.next)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
