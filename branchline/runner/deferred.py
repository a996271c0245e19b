"""Deferred nodes (``add_node(..., defer=True)``): held until nothing else is left to run.

As LangGraph's: a deferred node that an edge, a branch, a ``goto`` or a complete join
schedules is held, across steps, until a step would schedule no other node (``Send``
tasks do not count): it then runs in that next step, with whatever else is held. A
join of map-reduce branches of different lengths waits for the longest so.

A held node is kept with the joins' arrivals in a checkpoint's ``waiting``, under
``defer:<node>``, so a pause, an edit or a new process keeps holding it.
"""

from __future__ import annotations

from collections.abc import Sequence

from branchline.runner.topology import Topology

PREFIX = "defer:"


def held_key(node: str) -> str:
    """The ``waiting`` key under which a held deferred node is remembered."""
    return f"{PREFIX}{node}"


DOUBLED = "+"  # in a held node's entry: it was scheduled on two triggers at once


def hold_deferred(
    topology: Topology,
    scheduled: Sequence[str],
    arrived: dict[str, set[str]],
    doubled: Sequence[str] = (),
    fresh: Sequence[str] | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The nodes of ``scheduled`` (in order) that run next: the deferred ones among them
    join the held ones in ``arrived``; if the step's writes trigger no other node
    (``fresh``: those they trigger, by default all scheduled), all held ones run with
    what is scheduled (and are no longer held). Also: the released ones held when
    ``doubled`` (see planner)."""
    deferred = topology.deferred
    for node in scheduled:
        if node in deferred:
            held = arrived.setdefault(held_key(node), set())  # a mark stays till it runs
            held |= {node, DOUBLED} if node in doubled else {node}
    ready = tuple(n for n in scheduled if n not in deferred)
    if any(n not in deferred for n in (scheduled if fresh is None else fresh)):
        return ready, ()
    released = {n: arrived.pop(held_key(n)) for n in topology.nodes if held_key(n) in arrived}
    return (
        topology.order([*ready, *released]),
        tuple(n for n, held in released.items() if DOUBLED in held),
    )
