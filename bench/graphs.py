"""The small graphs of the step, interrupt, history and cold-start workloads.

Each is built the same way on both sides through ``bench.sides``, over one state of
ints (``Counter``); every node adds one to ``count``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from bench.sides import END, START, interrupt_function, state_graph
from bench.workload import Side

QUESTION = "ok?"
ANSWER = "yes"


class Counter(TypedDict):
    """The small state: one int."""

    count: int


def increment(state: Counter) -> dict[str, int]:
    """Every node's work: add one."""
    return {"count": state["count"] + 1}


def config(thread_id: str, recursion_limit: int | None = None) -> dict[str, Any]:
    """A call's config on ``thread_id``, with a recursion limit if given."""
    cfg: dict[str, Any] = {"configurable": {"thread_id": thread_id}}
    if recursion_limit is not None:
        cfg["recursion_limit"] = recursion_limit
    return cfg


def linear(side: Side, nodes: int, saver: Any) -> Any:
    """START -> n0 -> n1 -> ... -> END, compiled with ``saver`` (None: no checkpointer)."""
    builder = state_graph(side, Counter)
    names = [f"n{i}" for i in range(nodes)]
    for name in names:
        builder.add_node(name, increment)
    for source, target in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(source, target)
    return builder.compile(checkpointer=saver)


def asking(side: Side, saver: Any) -> Any:
    """START -> a -> ask -> b -> END, where ``ask`` pauses on ``interrupt("ok?")``."""
    builder = state_graph(side, Counter)
    builder.add_node("a", increment)
    builder.add_node("ask", _ask_node(side))
    builder.add_node("b", increment)
    for source, target in ((START, "a"), ("a", "ask"), ("ask", "b"), ("b", END)):
        builder.add_edge(source, target)
    return builder.compile(checkpointer=saver)


def counting_loop(side: Side, saver: Any, target: int, *, then_ask: bool = False) -> Any:
    """START -> n, then n -> n again until ``count`` reaches ``target``, then END.

    One invoke with input ``{"count": 0}`` runs ``target`` steps, one checkpoint each
    (call it with a ``recursion_limit`` above ``target``). With ``then_ask``, the loop
    ends in ``ask`` (which pauses on ``interrupt``) and then END.
    """
    builder = state_graph(side, Counter)
    builder.add_node("n", increment)
    builder.add_edge(START, "n")
    done = "ask" if then_ask else END
    if then_ask:
        builder.add_node("ask", _ask_node(side))
        builder.add_edge("ask", END)

    def route(state: Counter) -> str:
        return "n" if state["count"] < target else done

    builder.add_conditional_edges("n", route, ["n", done])
    return builder.compile(checkpointer=saver)


def _ask_node(side: Side) -> Callable[[Counter], dict[str, int]]:
    interrupt = interrupt_function(side)

    def ask(state: Counter) -> dict[str, int]:
        if interrupt(QUESTION) != ANSWER:
            raise ValueError(f"expected the answer {ANSWER!r}")
        return increment(state)

    return ask
