"""Random operation sequences, as plain data both engines receive identically.

An operation never names a checkpoint or an interrupt id (each engine makes its own):
it picks a checkpoint by its position in the thread's history, and interrupts by their
position among the pending ones sorted by value.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from tests.differential.graphs import GraphSpec, compact_repr


@dataclass(frozen=True, repr=False)
class Op:
    """One call on a thread.

    kinds: ``invoke`` (``values`` as input, None to continue), ``resume`` (a bare
    ``value``; streamed when it has a ``stream_mode``), ``resume_map`` (``picks``:
    positions of the pending interrupts answered), ``update`` (``values``, ``as_node``; at
    history position ``at`` when given: a fork), ``replay`` (``invoke(None)`` at history
    position ``at``), ``stream`` (``invoke`` with ``stream_mode``: ``"values"``,
    ``"updates"``, ``"custom"``, ``"messages"``, or several joined by ``+``, streamed as a
    list of modes), ``stateless`` (the graph compiled without a
    checkpointer, run on ``values``), ``peek`` (``get_state`` at a checkpoint id of no
    checkpoint), ``goto`` (``Command(goto=value)`` as input), ``history``
    (``get_state_history`` with a ``query``: ``limit=2``, ``filter={"source": "loop"}`` or
    ``before`` position ``at``).

    Calls that reach into subgraphs (``subgraph_calls.py``): ``stream`` with ``subgraphs``,
    ``sub_history`` (the history of the subgraph run number ``pick`` among those the
    parent shows: ``query`` ``"live"``, its pending tasks, or ``"past"``, its history's
    tasks), ``sub_update`` (``update_state`` on the config of the paused
    subgraph number ``pick``, or at position ``at`` of its history), ``sub_replay``
    (``invoke(None)`` at position ``at`` of the history of subgraph run ``pick``).
    """

    kind: str
    values: Any = None
    value: Any = None
    picks: tuple[int, ...] = ()
    as_node: str | None = None
    at: int | None = None
    stream_mode: str | None = None
    durability: str | None = None
    strict_probe: bool = False  # send a resume even when nothing is pending
    call_before: tuple[str, ...] = ()  # interrupt_before for this call only
    call_after: tuple[str, ...] = ()  # interrupt_after for this call only
    query: str | None = None  # history: "limit", "filter", "before"; sub_*: "live", "past"
    subgraphs: bool = False  # stream: stream(..., subgraphs=True)
    pick: int | None = None  # sub_*: which subgraph run, by position

    def __repr__(self) -> str:
        return compact_repr(self)


def _input(rng: random.Random, index: int) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.15:
        return {}
    values: dict[str, Any] = {"log": [f"in{index}"]}
    if roll < 0.3:
        values["n"] = 10
    if rng.random() < 0.2:
        values["gate"] = rng.random() < 0.5
    return values


def _edit(rng: random.Random, index: int) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.45:
        return {"gate": True}
    if roll < 0.7:
        return {"log": [f"edit{index}"]}
    if roll < 0.85:
        return {"last": f"e{index}"}
    return {"log": [f"edit{index}"], "gate": True, "n": 5}


def random_operations(rng: random.Random, graph: GraphSpec, length: int) -> list[Op]:
    """``length`` operations on one thread; the first is always an input."""
    ops = [Op("invoke", values={"log": ["start"]})]
    for i in range(1, length):
        ops.append(_random_op(rng, graph, i))
    return ops


def _random_op(rng: random.Random, graph: GraphSpec, i: int) -> Op:
    roll = rng.random()
    as_node = rng.choice([None, None, "__start__", *graph.names])
    if roll < 0.22:
        return Op("resume", value=f"r{i}", strict_probe=rng.random() < 0.05)
    if roll < 0.32:
        return Op(
            "resume_map",
            picks=tuple(sorted(rng.sample(range(3), rng.randint(1, 2)))),
            value=f"m{i}",
        )
    if roll < 0.42:
        return Op("invoke", values=None)
    if roll < 0.52:
        return Op("invoke", values=_input(rng, i), durability=_durability(rng))
    if roll < 0.64:
        return Op("update", values=_edit(rng, i), as_node=as_node)
    if roll < 0.72:
        return Op("update", values=_edit(rng, i), as_node=as_node, at=rng.randrange(12))
    if roll < 0.82:
        return Op("replay", at=rng.randrange(12))
    if roll < 0.9:
        mode = rng.choice(["values", "updates"])
        return Op("stream", values=rng.choice([None, _input(rng, i)]), stream_mode=mode)
    if roll < 0.93:
        return Op("stateless", values=_input(rng, i) or {"log": ["x"]})
    if roll < 0.95:
        return Op("peek")
    if roll < 0.97:
        before = (rng.choice([*graph.names, "*", "nope"]),)
        return Op("invoke", values=rng.choice([None, _input(rng, i)]), call_before=before)
    if roll < 0.975:
        return Op("resume", value=f"r{i}", values={"log": [f"edit{i}"]})
    if roll < 0.98:
        return Op("resume", value=f"r{i}", at=rng.randrange(12))
    return _rare_op(rng, graph, i)


def _rare_op(rng: random.Random, graph: GraphSpec, i: int) -> Op:
    """Calls most sequences need not make: clearing, per-call breakpoints after, history
    queries. (``goto`` ops, Command(goto=...) as input, are not drawn: LangGraph ignores a
    goto to a node no edge leads to, with a warning, and its own docs advise against
    Command as input other than to resume; run them by hand.)"""
    roll = rng.random()
    if roll < 0.2:
        return Op("update", as_node="__end__")
    if roll < 0.5:
        after = (rng.choice(graph.names),)
        return Op("invoke", values=rng.choice([None, _input(rng, i)]), call_after=after)
    query = rng.choice(["limit", "filter", "before"])
    return Op("history", query=query, at=rng.randrange(6))


def _durability(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.05:
        return "exit"
    if roll < 0.15:
        return "async"
    return None
