"""The three-node chain the time-travel tests replay and fork, with run counters."""

from __future__ import annotations

import operator
from collections import Counter
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, StateGraph, interrupt


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    topic: str
    answer: str


def counted(runs: Counter[str], name: str) -> Any:
    """A node that counts its runs and logs its name."""

    def node(state: State) -> dict[str, Any]:
        runs[name] += 1
        return {"log": [name]}

    return node


def asking(runs: Counter[str]) -> Any:
    """Node ``b`` that asks ``interrupt("ok?")`` and records the answer."""

    def b(state: State) -> dict[str, Any]:
        runs["b"] += 1
        return {"log": ["b"], "answer": interrupt("ok?")}

    return b


def chain(store: CheckpointStore, runs: Counter[str], *, ask: bool = False) -> Any:
    """START -> a -> b -> c -> END; with ``ask``, b asks ``interrupt("ok?")`` first."""
    builder = StateGraph(State)
    builder.add_node("a", counted(runs, "a"))
    builder.add_node("b", asking(runs) if ask else counted(runs, "b"))
    builder.add_node("c", counted(runs, "c"))
    for start, end in ((START, "a"), ("a", "b"), ("b", "c"), ("c", END)):
        builder.add_edge(start, end)
    return builder.compile(checkpointer=store)


def at_step(graph: Any, config: dict[str, Any], step: int) -> Any:
    """The oldest snapshot of the thread at ``step`` (the original branch's)."""
    return [s for s in graph.get_state_history(config) if s.metadata["step"] == step][-1]
