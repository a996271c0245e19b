"""The fold: the one place where events become a thread's state.

Pure: it never reads the clock, makes ids, logs or does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from branchline.domain.model.checkpoint import (
    END,
    Checkpoint,
    Deciders,
    InterruptRecord,
    TaskResult,
    apply_writes,
)
from branchline.domain.model.errors import InvalidCommand
from branchline.domain.model.events import (
    CheckpointEvent,
    Forked,
    InputReceived,
    Interrupted,
    InterruptSuperseded,
    NodeCompleted,
    NodeFailed,
    Paused,
    Replayed,
    Resumed,
    StateUpdated,
    StepCompleted,
    ThreadEvent,
    ThreadSnapshot,
    ThreadStarted,
)
from branchline.domain.model.ids import task_id
from branchline.domain.model.thread import Thread


def _checkpoint_from(
    event: CheckpointEvent,
    writers: tuple[str, ...] = (),
    actor: str | None = None,
    ran: tuple[str, ...] = (),
    replayed: bool = False,
) -> Checkpoint:
    if isinstance(event, (StepCompleted, StateUpdated)):
        packets, doubled = event.packets, event.doubled
    else:
        packets = event.packets if isinstance(event, (Replayed, InputReceived)) else ()
        doubled = ()
    return Checkpoint(  # by position: a long fold makes one per step
        event.originator_version,  # version
        event.parent,
        event.step,
        event.SOURCE,  # source
        event.next,
        event.metadata,
        event.timestamp,  # created_at
        event.waiting,
        writers,
        actor,
        packets,
        ran,
        doubled,
        replayed,
    )


def _discarded(head: Checkpoint) -> tuple[str, ...]:
    """The tasks new input (or an update as END) drops count as having run (LangGraph
    marks their triggers seen), Send tasks aside."""
    pulled = head.next[: head.first_packet]
    return (*pulled, *(node for node in head.doubled if node in pulled))


def _ran(thread: Thread, finished: tuple[str, ...]) -> tuple[str, ...]:
    """The nodes that ran as pulled tasks (not ``Send`` ones) in the step being closed
    (whose ``finished`` nodes are known), or, if none did, the ones of the step before."""
    head = thread.head
    before = head.ran if head else ()
    if head is None or not thread.results:
        return before
    if not head.packets and not head.doubled:  # most steps
        return finished or before
    sent = (
        {
            task_id(thread.thread_id, head.version, n, i)
            for i, n in enumerate(head.next)
            if i >= head.first_packet
        }
        if head.packets
        else set()
    )
    pulled = [r.node for r in thread.results if r.error is None and r.task_id not in sent]
    # A node scheduled by an edge and a join at once ran on two triggers (LangGraph).
    pulled += [node for node in head.doubled if node in pulled]
    return tuple(pulled) or before


def _new_checkpoint(thread: Thread, event: CheckpointEvent) -> Thread:
    """A checkpoint event starts a new step: results and interrupts begin afresh."""
    base = Thread(
        thread.id,
        event.originator_version,
        thread.thread_id,
        thread.values,
        thread.head,
        (),
        (),
        thread.breakpoints_hit,
    )
    if isinstance(event, StateUpdated):
        # Answers given in the same call as an edit still reach the node they answer,
        # now a task of the new checkpoint.
        kept = tuple(
            replace(
                r,
                task_id=task_id(
                    thread.thread_id, event.originator_version, r.node, event.next.index(r.node)
                ),
            )
            for r in thread.interrupts
            if r.answered and r.node in event.next and not event.discards_step
        )
        start = thread.values if event.discards_step else thread.live_values
        values = apply_writes(start, event.assigned, event.appended)
        ran = thread.head.ran if thread.head else ()
        if event.as_node == END and thread.head is not None:  # it settles the pending tasks
            ran = _discarded(thread.head) or ran
        replayed = thread.head.replayed if thread.head else False
        writers = tuple(dict.fromkeys(r["node"] for r in event.results)) or (event.as_node,)
        head = _checkpoint_from(event, writers, event.actor, ran, replayed)
        return replace(base, values=values, head=head, interrupts=kept)
    if isinstance(event, StepCompleted):
        return closed(settled(thread, event), event)
    ran = thread.head.ran if thread.head else ()
    replayed = thread.head.replayed if thread.head else False
    if isinstance(event, InputReceived) and thread.head is not None:
        ran = _discarded(thread.head) or ran
    if isinstance(event, Replayed):  # a copy of the restored checkpoint, writers and all
        writers = thread.head.writers if thread.head else ()
        copy = _checkpoint_from(event, writers, ran=ran, replayed=True)
        doubled = thread.head.doubled if thread.head else ()
        return replace(base, head=replace(copy, doubled=doubled))
    head = _checkpoint_from(event, ran=ran, replayed=replayed)
    return replace(base, head=head, breakpoints_hit=())


def _answered(thread: Thread, event: Resumed) -> tuple[InterruptRecord, ...]:
    asked = thread.interrupt(event.interrupt_id)
    record = InterruptRecord(
        interrupt_id=event.interrupt_id,
        task_id=event.task_id,
        node=event.node,
        index=event.index,
        value=asked.value if asked else None,
        asked_at=asked.asked_at if asked else event.timestamp,
        answered=True,
        answer=event.value,
        actor=event.actor,
        namespace=asked.namespace if asked else "",
        deciders=asked.deciders if asked else Deciders(),
    )
    others = tuple(r for r in thread.interrupts if r.interrupt_id != event.interrupt_id)
    return (*others, record)


def _step_event(thread: Thread, event: ThreadEvent) -> Thread:
    """Events recorded against the head: task results, questions, answers, pauses."""
    version = event.originator_version
    if isinstance(event, NodeCompleted):
        return _node_completed(thread, event)
    if isinstance(event, NodeFailed):
        result = TaskResult(event.task_id, event.node, error=event.error)
        return replace(thread, version=version, results=(*thread.results, result))
    if isinstance(event, Interrupted):
        record = InterruptRecord(
            event.interrupt_id,
            event.task_id,
            event.node,
            event.index,
            event.value,
            event.timestamp,
            namespace=event.namespace,
            deciders=Deciders.of(event.actors, event.roles, event.deadline),
        )
        return replace(thread, version=version, interrupts=(*thread.interrupts, record))
    if isinstance(event, Resumed):
        return replace(thread, version=version, interrupts=_answered(thread, event))
    if isinstance(event, InterruptSuperseded):
        kept = tuple(
            replace(r, dropped=True) if r.interrupt_id == event.interrupt_id else r
            for r in thread.interrupts
        )
        return replace(thread, version=version, interrupts=kept)
    if isinstance(event, Paused):
        hit = (
            *thread.breakpoints_hit,
            *(n for n in event.before if n not in thread.breakpoints_hit),
        )
        return replace(thread, version=version, breakpoints_hit=hit)
    raise InvalidCommand(f"unknown event type {type(event).__name__} at version {version}")


_EMPTY: dict[str, Any] = {}  # shared: folded state is never mutated


def carried_results(event: StepCompleted | StateUpdated) -> tuple[TaskResult, ...]:
    """The results of the tasks that finished with the step ``event`` closes (or that an
    update stood for)."""
    return tuple(
        [
            TaskResult(
                r["task_id"],
                r["node"],
                r.get("assigned", _EMPTY),
                r.get("appended", _EMPTY),
                tuple(r.get("triggers", ())),
                None,
                tuple(map(tuple, r["sends"])) if "sends" in r else (),
                r.get("returned", _EMPTY),
            )
            for r in event.results
        ]
    )


def settled(
    thread: Thread,
    event: StepCompleted | StateUpdated,
    carried: tuple[TaskResult, ...] | None = None,
) -> Thread:
    """The state just before ``event`` closes the step: the results it carries recorded
    (``carried``: those, when the caller made the event from them, else read from it)."""
    if not event.results:
        return thread
    return Thread(
        thread.id,
        thread.version,
        thread.thread_id,
        thread.values,
        thread.head,
        (*thread.results, *(carried_results(event) if carried is None else carried)),
        thread.interrupts,
        thread.breakpoints_hit,
    )


def closed(thread: Thread, event: StepCompleted, results: tuple[TaskResult, ...] = ()) -> Thread:
    """The new checkpoint ``event`` makes from the settled state of its step.

    ``results`` are already recorded on it: those the next event carries, when a long
    fold knows them (``settled(closed(t, e), next) == closed(t, e, carried_results(next))``).
    """
    finished = thread.finished_nodes
    hit = (
        tuple(n for n in thread.breakpoints_hit if n not in finished)
        if thread.breakpoints_hit
        else ()
    )
    ran = _ran(thread, finished)
    # a step of only Send tasks, with no node run before it: a run went on from a fork
    replayed = (thread.head.replayed if thread.head else False) or (
        bool(thread.results) and not ran
    )
    head = _checkpoint_from(event, finished, ran=ran, replayed=replayed)
    version = event.originator_version
    return Thread(thread.id, version, thread.thread_id, thread.live_values, head, results, (), hit)


def _node_completed(thread: Thread, event: NodeCompleted) -> Thread:
    result = TaskResult(
        event.task_id,
        event.node,
        event.assigned,
        event.appended,
        event.triggers,
        None,
        event.sends,
        event.returned,
    )
    return Thread(
        thread.id,
        event.originator_version,
        thread.thread_id,
        thread.values,
        thread.head,
        (*thread.results, result),
        thread.interrupts,
        thread.breakpoints_hit,
    )


def evolve(thread: Thread | None, event: ThreadEvent) -> Thread:
    """Return the state after one event."""
    if thread is not None:  # the two events of almost every step first: folds are hot
        if isinstance(event, NodeCompleted):
            return _node_completed(thread, event)
        if isinstance(event, StepCompleted):
            return closed(settled(thread, event), event)
    if isinstance(event, ThreadSnapshot):
        return Thread(**event.state)
    if isinstance(event, ThreadStarted):
        return Thread(event.originator_id, event.originator_version, event.thread_id, event.values)
    if thread is None:
        raise InvalidCommand(f"stream {event.originator_id} does not begin with ThreadStarted")
    if isinstance(event, CheckpointEvent):
        return _new_checkpoint(thread, event)
    if isinstance(event, Forked):
        head = event.checkpoint
        return Thread(thread.id, event.originator_version, thread.thread_id, event.values, head)
    return _step_event(thread, event)


def project(thread: Thread | None, events: Iterable[ThreadEvent]) -> Thread | None:
    """Fold events onto a state; the projector the repository uses."""
    for event in events:
        thread = evolve(thread, event)
    return thread
