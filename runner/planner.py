"""Pure planning: where control goes after a task, and which nodes run next."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runner.builder import Topology
from runner.errors import InvalidUpdateError
from runner.types import END


def join_key(starts: Sequence[str], end: str) -> str:
    """The name under which a join's arrivals are remembered."""
    return f"join:{'+'.join(starts)}:{end}"


def route(topology: Topology, node: str, state: Any, goto: Sequence[str] = ()) -> tuple[str, ...]:
    """Targets of a finished node: its plain edges, its conditional edges on ``state``, ``goto``."""
    targets = list(topology.successors(node))
    for branch in topology.branches.get(node, ()):
        result = branch.path(state)
        chosen = result if isinstance(result, list | tuple) else [result]
        for choice in chosen:
            target = (
                branch.path_map[choice]
                if branch.path_map is not None and choice in branch.path_map
                else choice
            )
            targets.append(_known(topology, node, target, branch.path_map))
    targets += [_known(topology, node, t, None) for t in goto]
    return tuple(t for t in dict.fromkeys(targets) if t != END)


def known(topology: Topology, source: str, names: Sequence[str]) -> tuple[str, ...]:
    """Check that ``names`` are nodes of the graph (a goto's targets); END is dropped."""
    return tuple(t for t in (_known(topology, source, n, None) for n in names) if t != END)


def _known(topology: Topology, node: str, target: Any, path_map: Mapping[Any, str] | None) -> str:
    if target == END or target in topology.nodes:
        return str(target)
    options = sorted(path_map) if path_map is not None else [*topology.nodes, END]
    raise InvalidUpdateError(
        f"the route from {node!r} chose {target!r}, which is not a node of this graph; "
        f"expected one of {options}. Fix the path function or its path_map"
    )


def plan(
    topology: Topology,
    finished: Iterable[tuple[str, Sequence[str]]],
    waiting: Mapping[str, Sequence[str]],
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The next step's nodes and the joins still waiting, after ``finished`` (node, targets)."""
    arrived = {key: set(nodes) for key, nodes in waiting.items()}
    nodes: list[str] = []
    for node, targets in finished:
        nodes += targets
        for starts, end in topology.joins:
            if node in starts:
                arrived.setdefault(join_key(starts, end), set()).add(node)
    for starts, end in topology.joins:
        key = join_key(starts, end)
        if set(starts) <= arrived.get(key, set()):
            nodes.append(end)
            arrived.pop(key)
    remaining = {key: tuple(sorted(v)) for key, v in arrived.items() if v}
    return topology.order(nodes), remaining
