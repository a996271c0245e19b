"""The Thread aggregate: its state, the commands that decide events, and the fold.

A thread's state is small and immutable: the values at its head checkpoint, the
head itself, and the results of tasks that finished since the head (the step in
progress). Commands validate against that state and return events; only
``evolve`` turns events into state, and it never reads the clock or makes ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from domain import clock
from domain.errors import InvalidCommand
from domain.events import (
    CheckpointEvent,
    InputReceived,
    NodeCompleted,
    NodeFailed,
    StateUpdated,
    StepCompleted,
    ThreadEvent,
    ThreadStarted,
)
from domain.ids import stream_id

START = "__start__"

E = TypeVar("E", bound=ThreadEvent)


@dataclass(frozen=True)
class Checkpoint:
    """An immutable point in a thread's history."""

    version: int
    parent: int | None
    step: int
    source: str
    next: tuple[str, ...]
    metadata: dict[str, Any]
    created_at: datetime
    waiting: dict[str, tuple[str, ...]] = field(default_factory=dict)
    writers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task of the step in progress."""

    task_id: str
    node: str
    assigned: dict[str, Any] = field(default_factory=dict)
    appended: dict[str, list[Any]] = field(default_factory=dict)
    triggers: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class ThreadSnapshot(ThreadEvent):
    """The folded state of a thread at one version, stored to bound later folds."""

    TOPIC = "branchline.ThreadSnapshot"

    state: dict[str, Any]


def apply_writes(
    values: Mapping[str, Any], assigned: Mapping[str, Any], appended: Mapping[str, list[Any]]
) -> dict[str, Any]:
    """Return new channel values with assignments and list appends applied."""
    new = dict(values)
    new.update(assigned)
    for channel, items in appended.items():
        new[channel] = [*new.get(channel, ()), *items]
    return new


@dataclass(frozen=True)
class Thread:
    """The state of one conversation thread, folded from its stream."""

    id: UUID
    version: int
    thread_id: str
    values: dict[str, Any] = field(default_factory=dict)
    head: Checkpoint | None = None
    results: tuple[TaskResult, ...] = ()

    SNAPSHOT_FIELDS: ClassVar[tuple[str, ...]] = (
        "id",
        "version",
        "thread_id",
        "values",
        "head",
        "results",
    )

    # Queries -------------------------------------------------------------------

    @property
    def live_values(self) -> dict[str, Any]:
        """The head's values with the writes of tasks finished since then applied."""
        values = self.values
        for result in self.results:
            if result.error is None:
                values = apply_writes(values, result.assigned, result.appended)
        return values

    @property
    def finished_nodes(self) -> tuple[str, ...]:
        """Nodes of the step in progress that completed without error."""
        return tuple(r.node for r in self.results if r.error is None)

    @property
    def pending_nodes(self) -> tuple[str, ...]:
        """Nodes of the head's next step that have not completed yet."""
        if self.head is None:
            return ()
        done = list(self.finished_nodes)
        pending = []
        for node in self.head.next:
            if node in done:
                done.remove(node)
            else:
                pending.append(node)
        return tuple(pending)

    def to_snapshot_state(self) -> dict[str, Any]:
        """The fields a snapshot stores."""
        return {name: getattr(self, name) for name in self.SNAPSHOT_FIELDS}

    # Commands ------------------------------------------------------------------

    @staticmethod
    def start(thread_id: str, values: Mapping[str, Any] | None = None) -> ThreadStarted:
        """Decide to open a new thread, with the values its channels start from."""
        if not isinstance(thread_id, str) or not thread_id:
            raise InvalidCommand(
                f"thread_id must be a non-empty string, got {thread_id!r}; "
                'pass config={"configurable": {"thread_id": "..."}}'
            )
        return ThreadStarted(
            originator_id=stream_id(thread_id),
            originator_version=1,
            timestamp=clock.now(),
            thread_id=thread_id,
            values=dict(values or {}),
        )

    def _event(self, cls: type[E], **fields: Any) -> E:
        return cls(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=clock.now(),
            **fields,
        )

    def _checkpoint(self, cls: type[E], step: int, **fields: Any) -> E:
        parent = self.head.version if self.head else None
        return self._event(cls, parent=parent, step=step, **fields)

    def receive_input(
        self, next_nodes: Sequence[str], metadata: Mapping[str, Any]
    ) -> InputReceived:
        """Decide that new input starts a run (its values come with the ``__start__`` task)."""
        step = self.head.step + 1 if self.head else -1
        return self._checkpoint(
            InputReceived, step, next=tuple(next_nodes), metadata=dict(metadata)
        )

    def complete_task(
        self,
        task_id: str,
        node: str,
        *,
        assigned: Mapping[str, Any],
        appended: Mapping[str, list[Any]],
        triggers: Sequence[str] = (),
    ) -> NodeCompleted:
        """Record that a pending task returned these writes."""
        self._require_pending(node)
        return self._event(
            NodeCompleted,
            task_id=task_id,
            node=node,
            assigned=dict(assigned),
            appended=dict(appended),
            triggers=tuple(triggers),
        )

    def fail_task(self, task_id: str, node: str, error: str) -> NodeFailed:
        """Record that a pending task raised."""
        self._require_pending(node)
        return self._event(NodeFailed, task_id=task_id, node=node, error=error)

    def complete_step(
        self,
        next_nodes: Sequence[str],
        waiting: Mapping[str, Sequence[str]],
        metadata: Mapping[str, Any],
    ) -> StepCompleted:
        """Close the step in progress: every pending task must have completed."""
        if self.head is None:
            raise InvalidCommand(f"thread {self.thread_id!r} has no checkpoint to continue from")
        if self.pending_nodes:
            raise InvalidCommand(
                f"step {self.head.step + 1} of thread {self.thread_id!r} still has pending "
                f"tasks {list(self.pending_nodes)}; complete them before closing the step"
            )
        return self._checkpoint(
            StepCompleted,
            self.head.step + 1,
            next=tuple(next_nodes),
            waiting={k: tuple(v) for k, v in waiting.items()},
            metadata=dict(metadata),
        )

    def update_state(
        self,
        as_node: str,
        *,
        assigned: Mapping[str, Any],
        appended: Mapping[str, list[Any]],
        next_nodes: Sequence[str],
        metadata: Mapping[str, Any],
        actor: str | None = None,
    ) -> StateUpdated:
        """Record an edit of the state, made as if ``as_node`` had written it."""
        step = self.head.step + 1 if self.head else 0
        return self._checkpoint(
            StateUpdated,
            step,
            next=tuple(next_nodes),
            metadata=dict(metadata),
            as_node=as_node,
            assigned=dict(assigned),
            appended=dict(appended),
            actor=actor,
        )

    def _require_pending(self, node: str) -> None:
        if node not in self.pending_nodes:
            raise InvalidCommand(
                f"node {node!r} is not pending on thread {self.thread_id!r}; "
                f"pending: {list(self.pending_nodes)}"
            )


# The fold ------------------------------------------------------------------------


def _checkpoint_from(event: CheckpointEvent, writers: tuple[str, ...] = ()) -> Checkpoint:
    return Checkpoint(
        version=event.originator_version,
        parent=event.parent,
        step=event.step,
        source=event.SOURCE,
        next=event.next,
        metadata=event.metadata,
        created_at=event.timestamp,
        waiting=event.waiting,
        writers=writers,
    )


def evolve(thread: Thread | None, event: ThreadEvent) -> Thread:
    """Return the state after one event. Pure: no clock, no ids, no I/O."""
    if isinstance(event, ThreadSnapshot):
        return Thread(**event.state)
    if isinstance(event, ThreadStarted):
        return Thread(event.originator_id, event.originator_version, event.thread_id, event.values)
    if thread is None:
        raise InvalidCommand(f"stream {event.originator_id} does not begin with ThreadStarted")
    version = event.originator_version
    if isinstance(event, NodeCompleted | NodeFailed):
        result = _result_from(event)
        return replace(thread, version=version, results=(*thread.results, result))
    if isinstance(event, StateUpdated):
        values = apply_writes(thread.live_values, event.assigned, event.appended)
        head = _checkpoint_from(event, (event.as_node,))
        return Thread(thread.id, version, thread.thread_id, values, head)
    if isinstance(event, StepCompleted):
        head = _checkpoint_from(event, thread.finished_nodes)
        return Thread(thread.id, version, thread.thread_id, thread.live_values, head)
    if isinstance(event, InputReceived):
        return Thread(thread.id, version, thread.thread_id, thread.values, _checkpoint_from(event))
    raise InvalidCommand(f"unknown event type {type(event).__name__} at version {version}")


def _result_from(event: NodeCompleted | NodeFailed) -> TaskResult:
    if isinstance(event, NodeFailed):
        return TaskResult(event.task_id, event.node, error=event.error)
    return TaskResult(event.task_id, event.node, event.assigned, event.appended, event.triggers)


def project(thread: Thread | None, events: Iterable[ThreadEvent]) -> Thread | None:
    """Fold events onto a state; the projector the repository uses."""
    for event in events:
        thread = evolve(thread, event)
    return thread
