"""Pure planning: where control goes after a task, and which nodes run next."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from branchline.domain.model.checkpoint import Checkpoint, TaskResult
from branchline.runner.aio import awaited
from branchline.runner.callbacks import NodeRun, update_run
from branchline.runner.deferred import hold_deferred
from branchline.runner.errors import InvalidUpdateError
from branchline.runner.topology import Topology
from branchline.runner.types import END, Send


def join_key(starts: Sequence[str], end: str) -> str:
    """The name under which a join's arrivals are remembered."""
    return f"join:{'+'.join(starts)}:{end}"


@dataclass(frozen=True)
class Route:
    """Where control goes after a task: nodes by name, and ``Send`` packets."""

    targets: tuple[str, ...] = ()
    sends: tuple[tuple[str, Any], ...] = ()


def route(
    topology: Topology,
    node: str,
    state: Any,
    goto: Sequence[str | Send] = (),
    traced: NodeRun | None = None,
) -> Route:
    """Targets of a finished node: its plain edges, its conditional edges on ``state``,
    ``goto``. ``traced``: the node's run, under which its path functions' runs are told
    to the call's callbacks."""
    choices: list[Any] = list(topology.successors(node))
    # As LangGraph's node: the function, its writes, one write per edge, then the paths.
    place = 3 + len(choices) + sum(node in sources for sources, _ in topology.joins)
    branches = topology.branches.get(node, ())
    told = traced if traced is not None or not branches else update_run(state)
    for branch in branches:
        chosen = partial(_chosen, branch.path, state, node)
        result = chosen() if told is None else told.path(place, branch.path, chosen, state)
        place += 1
        for choice in result if isinstance(result, list | tuple) else [result]:
            mapped = branch.path_map is not None and not isinstance(choice, Send)
            choices.append(branch.path_map.get(choice, choice) if mapped else choice)  # type: ignore[union-attr]
    if told is not None and traced is None:  # an update's run: done with its paths
        told.ended()
    choices += list(goto)
    targets: list[str] = []
    sends: list[tuple[str, Any]] = []
    for choice in choices:
        if isinstance(choice, Send):
            sends.append((_known(topology, node, choice.node, None), choice.arg))
        else:
            targets.append(_known(topology, node, choice, None))
    if len(targets) == 1:  # a chain's next node
        return Route(() if targets[0] == END else (targets[0],), tuple(sends))
    return Route(tuple(t for t in dict.fromkeys(targets) if t != END), tuple(sends))


def _chosen(path: Callable[[Any], Any], state: Any, node: str) -> Any:
    """What a path function of ``node`` chooses on ``state`` (an async one awaited)."""
    result = path(state)
    if inspect.iscoroutine(result):  # an async path function, in an async call
        result = awaited(result, f"the path function of {node!r}")
    return result


def known(topology: Topology, source: str, names: Sequence[str | Send]) -> tuple[str, ...]:
    """Check that ``names`` are nodes of the graph (a goto's targets); END is dropped."""
    if any(isinstance(n, Send) for n in names):
        raise InvalidUpdateError(
            f"{source} cannot Send: packets come from a node's route; goto node names instead"
        )
    return tuple(t for t in (_known(topology, source, n, None) for n in names) if t != END)


def _known(topology: Topology, node: str, target: Any, path_map: Mapping[Any, str] | None) -> str:
    if target == END or target in topology.nodes:
        return str(target)
    options = sorted(path_map) if path_map is not None else [*topology.nodes, END]
    raise InvalidUpdateError(
        f"the route from {node!r} chose {target!r}, which is not a node of this graph; "
        f"expected one of {options}. Fix the path function or its path_map"
    )


@dataclass(frozen=True)
class Plan:
    """The next step: its nodes (``Send`` tasks last), their packets, joins still waiting."""

    next: tuple[str, ...]
    waiting: dict[str, tuple[str, ...]]
    packets: tuple[tuple[str, Any], ...] = ()
    # Nodes LangGraph sees triggered twice at once (an update after their step without
    # as_node is ambiguous): scheduled by an edge while their join changed.
    doubled: tuple[str, ...] = ()


def step_after(topology: Topology, head: Checkpoint, results: Sequence[TaskResult]) -> Plan:
    """The step after ``head``'s, whose tasks all finished with ``results``."""
    if not topology.joins and not topology.deferred:
        # The common case: the routes' targets, then the Send tasks.
        nodes: list[str] = []
        packets: list[tuple[str, Any]] = []
        for result in results:
            nodes += result.triggers
            packets += result.sends
        if not packets:
            return Plan(topology.order(nodes), {})
        return Plan((*topology.order(nodes), *(n for n, _ in packets)), {}, tuple(packets))
    routes = [(r.node, Route(r.triggers, r.sends)) for r in results]
    pulled = head.next[: head.first_packet]
    ran = [r.node for r in results if r.node in pulled]
    cleared = edge_scheduled(topology, ran, head.waiting, head.doubled)
    return plan(topology, routes, head.waiting, cleared=cleared)


def plan(
    topology: Topology,
    finished: Iterable[tuple[str, Route]],
    waiting: Mapping[str, Sequence[str]],
    *,
    ran: Iterable[str] | None = None,
    cleared: Iterable[str] = (),
) -> Plan:
    """The next step after ``finished`` tasks (node, route) and the joins already waiting.

    A join whose starts have all arrived schedules its end and stays complete until the
    end has run (as LangGraph's barrier channel does): an edit made before the end ran
    keeps it scheduled. ``ran``: the nodes whose run consumes their complete join (by
    default the finished ones; none for an edit made as a node). ``cleared``: the nodes
    an edge had scheduled in the step now closing (their trigger is cleared with it).
    """
    finished = list(finished)
    arrived = {key: set(nodes) for key, nodes in waiting.items()}
    consumers = {node for node, _ in finished} if ran is None else set(ran)
    touched = _consume(topology, arrived, consumers)
    nodes: list[str] = []
    packets: list[tuple[str, Any]] = []
    arrivals: set[str] = set()  # the joins this step's nodes arrived at anew
    for node, where in finished:
        nodes += where.targets
        packets += where.sends
        arrivals |= _arrive(topology, arrived, node)
    touched |= arrivals
    # A join's end whose edge trigger (set or cleared) and join both changed in this
    # step: LangGraph's end then sees two triggers at one version (an update after its
    # run without as_node is ambiguous).
    edges = set(nodes) | set(cleared)
    doubled = [
        end for starts, end in topology.joins if join_key(starts, end) in touched and end in edges
    ]
    nodes += [
        end
        for starts, end in topology.joins
        if set(starts) <= arrived.get(join_key(starts, end), set())
    ]
    pulled = topology.order(nodes)
    if topology.deferred:
        # What this step's writes trigger: not a join completed before and still due (an
        # update made as a node leaves its end due, as LangGraph's barrier).
        fresh = [t for _, where in finished for t in where.targets if t != END]
        fresh += [
            end
            for starts, end in topology.joins
            if join_key(starts, end) in arrivals
            and set(starts) <= arrived.get(join_key(starts, end), set())
        ]
        pulled, released = hold_deferred(topology, pulled, arrived, doubled, fresh)
        doubled += released
    remaining = {key: tuple(sorted(v)) for key, v in arrived.items() if v}
    next_nodes = (*pulled, *(node for node, _ in packets))
    doubled = [node for node in dict.fromkeys(doubled) if node in next_nodes]
    return Plan(next_nodes, remaining, tuple(packets), tuple(doubled))


def _consume(topology: Topology, arrived: dict[str, set[str]], ran: set[str]) -> set[str]:
    """Empty the complete joins whose end ``ran``; the keys of those consumed."""
    consumed = set()
    for starts, end in topology.joins:
        key = join_key(starts, end)
        if end in ran and set(starts) <= arrived.get(key, set()):
            arrived.pop(key)
            consumed.add(key)
    return consumed


def _arrive(topology: Topology, arrived: dict[str, set[str]], node: str) -> set[str]:
    """Record ``node`` at the joins it starts; the keys of those it arrived at anew."""
    changed = set()
    for starts, end in topology.joins:
        key = join_key(starts, end)
        if node in starts and node not in arrived.get(key, set()):
            arrived.setdefault(key, set()).add(node)
            changed.add(key)
    return changed


def partial_joins(
    topology: Topology, waiting: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """The joins still waiting for some start: what new input keeps of them (a complete
    join is dropped with its end, which the input supersedes, as in LangGraph)."""
    return {
        key: tuple(arrived)
        for key, arrived in waiting.items()
        if not _complete(topology, key, arrived)
    }


def _complete(topology: Topology, key: str, arrived: Sequence[str]) -> bool:
    return any(
        join_key(starts, end) == key and set(starts) <= set(arrived)
        for starts, end in topology.joins
    )


def edge_scheduled(
    topology: Topology,
    nodes: Iterable[str],
    waiting: Mapping[str, Sequence[str]],
    doubled: Sequence[str] = (),
) -> set[str]:
    """Which of a step's ``nodes`` an edge scheduled: all but the ends of the complete
    joins in ``waiting`` (those the join scheduled), unless also ``doubled``."""
    if not topology.joins:
        return set(nodes)
    by_join = {
        end
        for starts, end in topology.joins
        if set(starts) <= set(waiting.get(join_key(starts, end), ()))
    }
    return {n for n in nodes if n not in by_join or n in doubled}
