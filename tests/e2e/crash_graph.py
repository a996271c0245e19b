"""A worker to be killed: ``python crash_graph.py DB FIRST [DURABILITY]``.

Runs threads ``crash-FIRST``, ``crash-FIRST+1``, ... of a 12-node chain one after the
other until it is killed. Each node appends its name to ``log``; ``n5`` also sleeps a
little, so kills land inside nodes as well as in appends and between steps.
DB is an SQLite path or a ``postgresql://`` URL (schema from ``BRANCHLINE_PG_SCHEMA``);
DURABILITY is the ``invoke`` mode (default ``sync``). Prints ``ready``, then
``finished THREAD`` each time ``invoke`` returns.
"""

from __future__ import annotations

import operator
import os
import sys
import time
from itertools import count
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, CompiledStateGraph, StateGraph

NODES = [f"n{i:02d}" for i in range(12)]


class Chain(TypedDict):
    log: Annotated[list[str], operator.add]


def build(store: CheckpointStore) -> CompiledStateGraph:
    """START -> n00 -> ... -> n11 -> END."""

    def step(name: str) -> Any:
        def node(state: Chain) -> dict[str, Any]:
            if name == "n05":
                time.sleep(0.003)
            return {"log": [name]}

        return node

    builder = StateGraph(Chain)
    for name in NODES:
        builder.add_node(name, step(name))
    for source, target in zip([START, *NODES], [*NODES, END], strict=True):
        builder.add_edge(source, target)
    return builder.compile(checkpointer=store)


def main(db: str, first: str, durability: str = "sync") -> None:
    graph = build(CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}))
    print("ready", flush=True)
    for number in count(int(first)):
        config = {"configurable": {"thread_id": f"crash-{number}"}}
        graph.invoke({"log": []}, config, durability=durability)  # type: ignore[arg-type]
        print(f"finished crash-{number}", flush=True)  # what invoke said: checked afterwards


if __name__ == "__main__":
    main(*sys.argv[1:])
