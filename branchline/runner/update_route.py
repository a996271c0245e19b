"""The route of an update: the node ``update_state`` is made as, and what runs after it.

LangGraph decides both from its channels' versions; Branchline keeps what that needs on
each checkpoint (``ran``, ``doubled``, ``replayed``, complete joins in ``waiting``) and
decides the same way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from branchline.domain.model.thread import Thread
from branchline.runner.deferred import PREFIX
from branchline.runner.errors import InvalidUpdateError
from branchline.runner.managed import for_edits
from branchline.runner.planner import Plan, Route, edge_scheduled, plan, route
from branchline.runner.spec import GraphSpec
from branchline.runner.topology import Topology
from branchline.runner.types import END, START


def made_as(topology: Topology, thread: Thread | None, as_node: str | None) -> str:
    """The node an update is made as: ``as_node`` if given (a node, START or END), else
    the one that last ran in a step, as LangGraph infers it."""
    if as_node is not None:
        if as_node not in topology.nodes and as_node not in (START, END):
            raise InvalidUpdateError(
                f"as_node {as_node!r} is not a node of this graph; nodes: {list(topology.nodes)}"
            )
        return as_node
    return last_ran(thread)


def last_ran(thread: Thread | None) -> str:
    """The node that last ran in a step (an edit made as a node does not count), START
    when none has; several (or none after a replay copy) are ambiguous."""
    head = None if thread is None else thread.head
    ran = () if head is None else head.ran
    if len(ran) > 1:
        raise InvalidUpdateError(
            f"Ambiguous update: nodes {sorted(set(ran))} all ran in the last step (or one "
            "ran on two triggers); pass as_node= to say which node the update is made as"
        )
    if not ran and head is not None and head.replayed:
        raise InvalidUpdateError(
            "Ambiguous update: no node has run since a replay or fork of this thread went on "
            "(Send tasks do not count); pass as_node= to say which node the update is made as"
        )
    return ran[0] if ran else START


def after_update(
    graph: GraphSpec, thread: Thread, node: str, values: dict[str, Any], where: Route | None = None
) -> Plan:
    """What runs after an update made as ``node``: its routes on the new ``values`` (or
    ``where``, if known); as END, the routes of the step's finished tasks, the others
    settled without running."""
    head = thread.head
    waiting = head.waiting if head else {}
    pending = head.next[: head.first_packet] if head else ()
    cleared = edge_scheduled(graph.topology, pending, waiting, head.doubled if head else ())
    if node == END:
        done = [(r.node, Route(r.triggers, r.sends)) for r in thread.results if not r.error]
        return plan(graph.topology, done, waiting, ran=pending, cleared=cleared)
    if where is None:
        where = route(
            graph.topology, node, graph.schema.node_input(values, for_edits(graph.schema.managed))
        )
    after = plan(graph.topology, [(node, where)], waiting, ran=(), cleared=cleared)
    # As LangGraph's: a deferred node that is due stays due until it runs, whatever the
    # edit was made as, and runs beside what the edit schedules (but held again when the
    # edit's routes schedule it anew).
    again = set(where.targets) | {k.removeprefix(PREFIX) for k in after.waiting}
    due = [
        n
        for n in pending
        if n in graph.topology.deferred and n not in after.next and n not in again
    ]
    if not due:
        return after
    pulled = graph.topology.order([*after.next[: len(after.next) - len(after.packets)], *due])
    return replace(after, next=(*pulled, *(n for n, _ in after.packets)))
