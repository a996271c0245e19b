"""``bulk_update_state``: supersteps of updates, each one checkpoint, as LangGraph makes
them; Branchline appends them all at once, so a bad update anywhere writes nothing.

A superstep is one update (what ``update_state`` makes), several updates made together as
the tasks of one step (each names its node), one ``"__input__"`` update (input that waits
for its ``__start__`` task) or one ``"__copy__"`` (a copy of the checkpoint).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from branchline.domain.model.checkpoint import TaskResult
from branchline.domain.model.thread import Thread
from branchline.runner.channel_writes import Delta, StepWriter, delta_between
from branchline.runner.errors import InvalidUpdateError
from branchline.runner.managed import for_edits
from branchline.runner.overwrite import storable
from branchline.runner.planner import Plan, Route, edge_scheduled, plan, route
from branchline.runner.spec import GraphSpec
from branchline.runner.types import END, Command, StateUpdate

INPUT = "__input__"  # as_node of an update that is the graph's input
COPY = "__copy__"  # as_node that copies a checkpoint instead of editing it
ALONE = (INPUT, COPY)  # updates that take a superstep of their own


def checked_supersteps(supersteps: Any) -> list[list[StateUpdate]]:
    """``supersteps`` as lists of ``StateUpdate``, or a clear error (nothing is written)."""
    if not isinstance(supersteps, Sequence) or isinstance(supersteps, str) or not supersteps:
        raise InvalidUpdateError(
            f"bulk_update_state needs a list of supersteps, got {supersteps!r:.80}; pass e.g. "
            '[[StateUpdate({"key": "value"}, "node")]]'
        )
    checked = []
    for number, updates in enumerate(supersteps):
        if not isinstance(updates, Sequence) or isinstance(updates, str) or not updates:
            raise InvalidUpdateError(
                f"superstep {number} of bulk_update_state has no updates ({updates!r:.80}); "
                "give each superstep a list of one or more StateUpdate"
            )
        step = [_update(number, u) for u in updates]
        alone = [u.as_node for u in step if u.as_node in ALONE]
        if alone and len(step) > 1:
            raise InvalidUpdateError(
                f"superstep {number} has {len(step)} updates, but as_node={alone[0]!r} takes a "
                "superstep of its own; put it in a list alone"
            )
        if len(step) > 1 and any(u.as_node is None for u in step):
            raise InvalidUpdateError(
                f"superstep {number} has {len(step)} updates, and one has no as_node; several "
                "updates made together must each name the node they are made as"
            )
        checked.append(step)
    return checked


def _update(number: int, update: Any) -> StateUpdate:
    if isinstance(update, StateUpdate):
        return update
    if isinstance(update, tuple) and 1 <= len(update) <= 3:
        return StateUpdate(*update)
    raise InvalidUpdateError(
        f"superstep {number} holds {update!r:.80}, not an update; use "
        "StateUpdate(values, as_node) (or a tuple (values, as_node))"
    )


def input_checkpoint(graph: GraphSpec, values: Any) -> tuple[dict[str, Any]]:
    """The input an ``"__input__"`` update records, as its ``__start__`` task's packet:
    the writes ``values`` make (unknown keys ignored, as for a call's input)."""
    if values is None:
        raise InvalidUpdateError(
            'update_state(..., as_node="__input__") needs the input values, got None; pass '
            'e.g. {"key": "value"} (an empty dict is empty input)'
        )
    writes, _ = graph.schema.writes_from("the input", values, known_only=True)
    return (writes,)


def made_together(
    graph: GraphSpec, thread: Thread, updates: Sequence[StateUpdate]
) -> tuple[Delta, Plan, list[dict[str, Any]]]:
    """Several updates made as the tasks of one step: their writes in order, from the
    checkpoint's own values; the step they route to; the results of the tasks they stand for."""
    writer = StepWriter(graph.schema, thread.values)
    routes: list[tuple[str, Route]] = []
    made: list[tuple[str, Delta, Route, dict[str, Any]]] = []
    for update in updates:
        node = str(update.as_node)
        if node not in graph.topology.nodes:
            raise InvalidUpdateError(
                f"as_node {node!r} is not a node of this graph; nodes: {list(graph.topology.nodes)}"
            )
        writes, command = graph.schema.node_writes("StateUpdate", update.values)
        delta = writer.write(f"the update as {node!r}", writes)
        where = routed(graph, node, writer.values, command)
        routes.append((node, where))
        made.append((node, delta, where, writes if isinstance(writes, dict) else {}))
    combined = delta_between(
        thread.values, writer.values, [c for _, d, _, _ in made for c in (*d.assigned, *d.appended)]
    )
    head = thread.head
    waiting = head.waiting if head else {}
    pending = head.next[: head.first_packet] if head else ()
    cleared = edge_scheduled(graph.topology, pending, waiting, head.doubled if head else ())
    after = plan(graph.topology, routes, waiting, ran=(), cleared=cleared)
    results = task_results(thread, made)
    return combined, after, results


def routed(graph: GraphSpec, node: str, values: dict[str, Any], command: Command | None) -> Route:
    """Where an update made as ``node`` routes: its edges on the new values, or the
    ``goto`` of a Command given as the update's values."""
    goto = command.goto_nodes if command is not None else ()
    return route(
        graph.topology, node, graph.schema.node_input(values, for_edits(graph.schema.managed)), goto
    )


def task_results(
    thread: Thread, made: Sequence[tuple[str, Delta, Route, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The pending tasks of ``thread``'s step that updates were made as (each the next
    open task of its node, in order), each with what its update wrote."""
    open_tasks = list(thread.pending_tasks)
    results = []
    for node, delta, where, raw in made:
        task = next((t for t in open_tasks if t[1] == node), None)
        if task is None or node == END:
            continue
        open_tasks.remove(task)
        returned = storable({k: v for k, v in raw.items() if delta.assigned.get(k, v) is not v})
        result = TaskResult(
            task[2],
            node,
            delta.assigned,
            delta.appended,
            where.targets,
            None,
            where.sends,
            returned,
        )
        results.append(result.carried())
    return results
