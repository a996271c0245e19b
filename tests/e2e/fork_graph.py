"""A graph for the cross-process fork tests: ``python fork_graph.py DB THREAD ACTION [ARGS]``.

Actions, each printing one JSON line:

- ``run``: run START -> a -> b -> c with topic "cats"; print the head's checkpoint id;
- ``fork ACTOR BRANCH TOPIC``: as ACTOR, edit the checkpoint before ``b`` to TOPIC on a
  branch named BRANCH and run it to its end; print the old and new heads' ids;
- ``inspect LEFT RIGHT``: print the thread's branches and the diff of two checkpoints.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import sys
from pathlib import Path
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, CompiledStateGraph, StateGraph


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    topic: str


def step(name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def build(db: Path) -> CompiledStateGraph:
    """Compile the chain on an SQLite file."""
    builder = StateGraph(State)
    for name in ("a", "b", "c"):
        builder.add_node(name, step(name))
    for start, end in ((START, "a"), ("a", "b"), ("b", "c"), ("c", END)):
        builder.add_edge(start, end)
    return builder.compile(checkpointer=CheckpointStore.sqlite(db))


def head_id(graph: CompiledStateGraph, config: dict[str, Any]) -> str:
    return str(graph.get_state(config).config["configurable"]["checkpoint_id"])


def pinned(thread: str, checkpoint: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread, "checkpoint_id": checkpoint}}


def main(db: str, thread: str, action: str, *args: str) -> dict[str, Any]:
    """Run one action and return its outcome."""
    graph = build(Path(db))
    config: dict[str, Any] = {"configurable": {"thread_id": thread}}
    if action == "run":
        graph.invoke({"log": ["in"], "topic": "cats"}, config)
        return {"head": head_id(graph, config)}
    if action == "fork":
        actor, branch, topic = args
        old_head = head_id(graph, config)
        before_b = next(s for s in graph.get_state_history(config) if s.next == ("b",))
        edit = {
            "configurable": {**before_b.config["configurable"], "actor": actor},
            "metadata": {"branch": branch},
        }
        graph.update_state(edit, {"topic": topic})
        graph.invoke(None, config)
        return {"old_head": old_head, "head": head_id(graph, config)}
    left, right = args
    branches = [b._asdict() for b in graph.list_branches(config)]
    diff = dataclasses.asdict(graph.diff(pinned(thread, left), pinned(thread, right)))
    return {"branches": branches, "diff": diff, "head": head_id(graph, config)}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
