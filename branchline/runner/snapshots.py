"""Build StateSnapshot values from folded thread states."""

from __future__ import annotations

from typing import Any

from branchline.domain.model.checkpoint import TaskResult
from branchline.domain.model.ids import checkpoint_id, task_id
from branchline.domain.model.thread import Thread
from branchline.runner.config import checkpoint_config
from branchline.runner.types import Interrupt, PregelTask, StateSnapshot


def config_of(thread: Thread, version: int | None = None) -> dict[str, Any]:
    """The config addressing a thread's head (or another version of it)."""
    assert thread.head is not None
    return checkpoint_config(
        thread.thread_id, checkpoint_id(thread.thread_id, version or thread.head.version)
    )


def interrupts_of(thread: Thread, task: str, *, live: bool) -> tuple[Interrupt, ...]:
    """A task's questions: the unanswered ones (live), or those of its latest run
    (history, as LangGraph shows them: the unanswered ones, which a subgraph asks several
    at a time and asks again after one of them is answered; with none, the ones asked
    since its last answered one, or the unanswered ones dropped since, or the last)."""
    if not thread.interrupts:
        return ()
    asked = [r for r in thread.interrupts if r.task_id == task]
    pending = [r for r in asked if not r.answered and not r.dropped]
    if live or pending:
        return tuple(Interrupt(r.value, r.interrupt_id) for r in pending)
    answered = [i for i, r in enumerate(asked) if r.answered]
    unanswered = [r for r in asked if not r.answered]  # dropped since (an edit, say)
    last_run = asked[answered[-1] + 1 if answered else 0 :] or unanswered or asked[-1:]
    return tuple(Interrupt(r.value, r.interrupt_id) for r in last_run)


def tasks_of(thread: Thread, *, live: bool) -> tuple[PregelTask, ...]:
    """Every task of the head's next step, finished ones too (with what they wrote), as
    LangGraph lists them; a finished task has no pending question in a live view."""
    head = thread.head
    assert head is not None
    next_nodes, results = head.next, thread.results
    if len(results) == 1 == len(next_nodes) and not thread.interrupts:
        # Most steps of a history: one task, finished once.
        only, node = results[0], next_nodes[0]
        if only.node == node and only.error is None:
            wrote = only.wrote
            return (PregelTask(only.task_id, node, ("__pregel_pull", node), None, (), None, wrote),)
    if not results:
        found: list[TaskResult | None] = [None] * len(next_nodes)
    elif len(set(next_nodes)) == len(next_nodes):
        # One task per node: a result's node names its task, so the id needs no hashing.
        by_node = {r.node: r for r in results}
        found = [by_node.get(node) for node in next_nodes]
    else:
        by_id = {r.task_id: r for r in results}
        found = [
            by_id.get(task_id(thread.thread_id, head.version, n, i))
            for i, n in enumerate(next_nodes)
        ]
    tasks = []
    for index, node in enumerate(next_nodes):
        result = found[index]
        if result is None:
            tid = task_id(thread.thread_id, head.version, node, index)
            error = writes = None
        elif result.error is None:
            tid, error, writes = result.task_id, None, result.wrote
        else:
            tid, error, writes = result.task_id, result.error, None
        finished = result is not None and result.error is None
        asked = interrupts_of(thread, tid, live=live and not finished) if thread.interrupts else ()
        if live and finished:
            asked = ()
        tasks.append(PregelTask(tid, node, ("__pregel_pull", node), error, asked, None, writes))
    return tuple(tasks)


def snapshot_of(thread: Thread, *, live: bool) -> StateSnapshot:
    """The snapshot of a thread at its head; ``live`` folds in tasks finished since."""
    head = thread.head
    assert head is not None
    tasks = tasks_of(thread, live=live)
    thread_id, parent = thread.thread_id, head.parent
    return StateSnapshot(
        thread.live_values if live else thread.values.copy(),
        thread.pending_nodes if live else head.next,
        checkpoint_config(thread_id, checkpoint_id(thread_id, head.version)),
        {**head.metadata, "source": head.source, "step": head.step}
        if "parents" in head.metadata
        else {**head.metadata, "source": head.source, "step": head.step, "parents": {}},
        head.created_at.isoformat(),
        None if parent is None else checkpoint_config(thread_id, checkpoint_id(thread_id, parent)),
        tasks,
        tuple([i for t in tasks for i in t.interrupts]) if thread.interrupts else (),
    )


def empty_snapshot(thread_id: str) -> StateSnapshot:
    """What get_state returns for a thread that does not exist yet."""
    config = {"configurable": {"thread_id": thread_id}}
    return StateSnapshot({}, (), config, None, None, None, (), ())
