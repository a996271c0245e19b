"""A copied checkpoint's tasks finished by hand: ``update_state(config, [StateUpdate(...)],
as_node="__copy__")`` records each update as the result of one of the copy's tasks, as if
that node had returned it; the next step is routed from them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from branchline.runner.batch import Batch
from branchline.runner.channel_writes import StepWriter
from branchline.runner.errors import InvalidUpdateError
from branchline.runner.managed import for_edits
from branchline.runner.overwrite import storable
from branchline.runner.planner import route
from branchline.runner.spec import GraphSpec
from branchline.runner.types import StateUpdate


def as_updates(values: Any) -> list[StateUpdate] | None:
    """``values`` as task updates, if it is a non-empty list of ``StateUpdate``."""
    if (
        isinstance(values, list | tuple)
        and values
        and all(isinstance(v, StateUpdate) for v in values)
    ):
        return list(values)
    return None


def finish_copied_tasks(batch: Batch, graph: GraphSpec, updates: Sequence[StateUpdate]) -> None:
    """Complete the copy's tasks with ``updates``, each given to the first open task of
    its node, in order (the step is then closed as an update made as END)."""
    thread = batch.current
    open_tasks = list(thread.pending_tasks)
    writer = StepWriter(graph.schema, thread.values)
    for update in updates:
        task = next((t for t in open_tasks if t[1] == update.as_node), None)
        if task is None:
            raise InvalidUpdateError(
                f"StateUpdate as_node={update.as_node!r} names no open task of the copied "
                f"checkpoint; its tasks: {[t[1] for t in thread.pending_tasks]}. Give one "
                "StateUpdate per task, as_node its node"
            )
        open_tasks.remove(task)
        _, node, task_id = task
        writes, _ = graph.schema.writes_from("StateUpdate", update.values)
        delta = writer.write(f"StateUpdate as {node!r}", writes)
        where = route(
            graph.topology,
            node,
            graph.schema.node_input(writer.values, for_edits(graph.schema.managed)),
        )
        raw = storable({k: v for k, v in writes.items() if delta.assigned.get(k, v) is not v})
        batch.add(
            batch.current.complete_task(
                task_id,
                node,
                assigned=delta.assigned,
                appended=delta.appended,
                triggers=where.targets,
                sends=where.sends,
                returned=raw,
            )
        )
