"""Step values: the state a step in progress has reached, its finished tasks' writes
applied to its checkpoint's values in the order LangGraph applies them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from branchline.domain.model.checkpoint import Checkpoint, TaskResult, apply_writes
from branchline.domain.model.ids import task_id


def step_values(
    thread_id: str,
    values: Mapping[str, Any],
    head: Checkpoint | None,
    results: Sequence[TaskResult],
) -> dict[str, Any]:
    """``values`` with the writes of the finished ``results`` of ``head``'s step applied.

    Appends apply as LangGraph applies them: tasks by node name, then ``Send`` tasks in
    packet order, whatever order the tasks finished in (across runs, after a retry or a
    resume). A channel that a task assigned (a reducer's new value) applies in the order
    the tasks were recorded, since each such value was reduced from the ones before it.
    """
    done = [r for r in results if r.error is None]
    if len(done) < 2:
        return apply_writes(values, done[0].assigned, done[0].appended) if done else dict(values)
    assigned = {channel for r in done for channel in r.assigned}
    for result in done:  # recorded order
        wrote = {c: v for c, v in result.appended.items() if c in assigned}
        values = apply_writes(values, result.assigned, wrote)
    for result in in_task_order(thread_id, head, done):
        wrote = {c: v for c, v in result.appended.items() if c not in assigned}
        values = apply_writes(values, {}, wrote)
    return dict(values)


def in_task_order(
    thread_id: str, head: Checkpoint | None, results: Sequence[TaskResult]
) -> tuple[TaskResult, ...]:
    """``results`` in the order LangGraph applies a step's writes: pulled tasks by node
    name, then ``Send`` tasks by their place in ``head.next`` (packet order)."""
    if len(results) < 2 or head is None:
        return tuple(results)
    pulls = head.first_packet
    order = {
        task_id(thread_id, head.version, n, i): (0, n, i) if i < pulls else (1, "", i)
        for i, n in enumerate(head.next)
    }
    last = (2, "", 0)
    return tuple(sorted(results, key=lambda r: order.get(r.task_id, last)))
