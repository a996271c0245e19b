"""The Thread aggregate: its state, its queries, and the commands that decide events.

A thread's state is small and immutable: the values at its head checkpoint, the
head itself, and what happened since the head (the step in progress): task results,
interrupts asked and answered, breakpoints passed. Commands validate against that
state and return events; only ``domain.evolve`` turns events into state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar
from uuid import UUID

from branchline.domain.model import checkpoint, clock
from branchline.domain.model.checkpoint import Checkpoint, InterruptRecord, TaskResult
from branchline.domain.model.computed_once import computed_once
from branchline.domain.model.dataclass_init import one_assignment_init
from branchline.domain.model.errors import InvalidCommand
from branchline.domain.model.events import (
    Forked,
    InputReceived,
    NodeCompleted,
    NodeFailed,
    Paused,
    Replayed,
    StateUpdated,
    StepCompleted,
    ThreadEvent,
    ThreadStarted,
)
from branchline.domain.model.ids import check_thread_id, stream_id, task_id
from branchline.domain.model.step_values import step_values
from branchline.domain.model.thread_questions import Asking

E = TypeVar("E", bound=ThreadEvent)


@one_assignment_init
@dataclass(frozen=True)
class Thread(Asking):
    """The state of one conversation thread, folded from its stream."""

    id: UUID
    version: int
    thread_id: str
    values: dict[str, Any] = field(default_factory=dict)
    head: Checkpoint | None = None
    results: tuple[TaskResult, ...] = ()
    interrupts: tuple[InterruptRecord, ...] = ()
    breakpoints_hit: tuple[str, ...] = ()

    # Queries -------------------------------------------------------------------

    @property
    def live_values(self) -> dict[str, Any]:
        """The head's values with the writes of tasks finished since then applied
        (``domain.model.step_values`` says in which order)."""
        results = self.results
        if not results:
            return self.values
        if len(results) == 1 and results[0].error is None:  # a step of one task
            return checkpoint.apply_writes(self.values, results[0].assigned, results[0].appended)
        return step_values(self.thread_id, self.values, self.head, results)

    @property
    def finished_nodes(self) -> tuple[str, ...]:
        """Nodes of the step in progress that completed without error."""
        return tuple([r.node for r in self.results if r.error is None])

    @computed_once  # a state is immutable; a step asks for its tasks several times
    def pending_tasks(self) -> tuple[tuple[int, str, str], ...]:
        """``(index, node, task_id)`` of each task of the head's step not completed yet."""
        if self.head is None:
            return ()
        head, done = self.head, {r.task_id for r in self.results if r.error is None}
        tasks = [
            (i, n, task_id(self.thread_id, head.version, n, i)) for i, n in enumerate(head.next)
        ]
        return tuple(t for t in tasks if t[2] not in done)

    def task_for(self, node: str) -> str:
        """The id of the first pending task of ``node``."""
        for _, pending, tid in self.pending_tasks:
            if pending == node:
                return tid
        raise InvalidCommand(
            f"node {node!r} is not pending on thread {self.thread_id!r}; "
            f"pending: {list(self.pending_nodes)}"
        )

    @property
    def pending_nodes(self) -> tuple[str, ...]:
        """Nodes of the head's next step that have not completed yet."""
        return tuple([node for _, node, _ in self.pending_tasks])

    @property
    def pending_interrupts(self) -> tuple[InterruptRecord, ...]:
        """Questions asked since the head that nobody has answered yet."""
        return tuple(r for r in self.interrupts if not r.answered and not r.dropped)

    def interrupt(self, interrupt_id: str) -> InterruptRecord | None:
        """The interrupt with this id, asked (and maybe answered) since the head."""
        return next((r for r in self.interrupts if r.interrupt_id == interrupt_id), None)

    def answers(self, task: str) -> list[Any]:
        """The answers a task's ``interrupt()`` calls get on its next run, in call order."""
        if not self.interrupts:  # every task of a step without questions asks this
            return []
        return [r.answer for r in sorted(self._answered(task), key=lambda r: r.index)]

    def answered(self, task: str) -> dict[str, Any]:
        """The answers given to a task's questions, by interrupt id."""
        found = self._answered(task) if self.interrupts else ()  # most threads: none
        return {r.interrupt_id: r.answer for r in found}

    def _answered(self, task: str) -> list[InterruptRecord]:
        return [r for r in self.interrupts if r.task_id == task and r.answered]

    def to_snapshot_state(self) -> dict[str, Any]:
        """The fields a snapshot stores: every field."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    # Commands ------------------------------------------------------------------

    @staticmethod
    def start(
        thread_id: str,
        values: Mapping[str, Any] | None = None,
        parent: str | None = None,
        ns: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> ThreadStarted:
        """Decide to open a thread (a subgraph's names its parent thread and namespace)."""
        if not isinstance(thread_id, str) or not thread_id:
            raise InvalidCommand(
                f"thread_id must be a non-empty string, got {thread_id!r}; "
                'pass config={"configurable": {"thread_id": "..."}}'
            )
        check_thread_id(thread_id)
        return ThreadStarted(
            originator_id=stream_id(thread_id),
            originator_version=1,
            timestamp=clock.now(),
            thread_id=thread_id,
            values=dict(values or {}),
            parent_thread=parent,
            namespace=ns,
            metadata=dict(metadata or {}),
        )

    def _event(self, cls: type[E], offset: int = 0, **fields: Any) -> E:
        return cls(
            originator_id=self.id,
            originator_version=self.version + 1 + offset,
            timestamp=clock.now(),
            **fields,
        )

    def _checkpoint(self, cls: type[E], step: int, **fields: Any) -> E:
        parent = self.head.version if self.head else None
        return self._event(cls, parent=parent, step=step, **fields)

    def receive_input(
        self,
        next_nodes: Sequence[str],
        metadata: Mapping[str, Any],
        waiting: Mapping[str, Sequence[str]] | None = None,
        packets: Sequence[tuple[str, Any]] = (),
    ) -> InputReceived:
        """Decide that new input starts a run (its values come with the ``__start__`` task,
        or wait in ``packets`` for it); ``waiting``: the joins' starts that still count."""
        step = self.head.step + 1 if self.head else -1
        return self._checkpoint(
            InputReceived,
            step,
            next=tuple(next_nodes),
            metadata=dict(metadata),
            waiting={k: tuple(v) for k, v in (waiting or {}).items()},
            packets=tuple(packets),
        )

    def complete_task(
        self,
        task_id: str,
        node: str,
        *,
        assigned: Mapping[str, Any],
        appended: Mapping[str, list[Any]],
        triggers: Sequence[str] = (),
        sends: Sequence[tuple[str, Any]] = (),
        returned: Mapping[str, Any] | None = None,
    ) -> NodeCompleted:
        """Record that a pending task returned these writes."""
        if (node, task_id) not in {(n, t) for _, n, t in self.pending_tasks}:
            raise InvalidCommand(
                f"task {task_id!r} of node {node!r} is not pending on thread {self.thread_id!r}; "
                f"pending: {[(n, t) for _, n, t in self.pending_tasks]}"
            )
        return self._event(
            NodeCompleted,
            task_id=task_id,
            node=node,
            assigned=dict(assigned),
            appended=dict(appended),
            triggers=tuple(triggers),
            sends=tuple(sends),
            returned=dict(returned or {}),
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
        packets: Sequence[tuple[str, Any]] = (),
        finished: Sequence[TaskResult] = (),
        doubled: Sequence[str] = (),
    ) -> StepCompleted:
        """Close the step in progress: every pending task must have completed.

        ``finished`` are pending tasks that completed just now, not recorded yet: the
        step carries them, one event in all.
        """
        if self.head is None:
            raise InvalidCommand(f"thread {self.thread_id!r} has no checkpoint to continue from")
        pending = {tid: node for _, node, tid in self.pending_tasks}
        for result in finished:
            if pending.pop(result.task_id, None) != result.node:
                raise InvalidCommand(
                    f"task {result.task_id!r} of node {result.node!r} is not pending on thread "
                    f"{self.thread_id!r}; pending: {list(self.pending_nodes)}"
                )
        if pending:
            raise InvalidCommand(
                f"step {self.head.step + 1} of thread {self.thread_id!r} still has pending "
                f"tasks {list(pending.values())}; complete them before closing the step"
            )
        return self._checkpoint(
            StepCompleted,
            self.head.step + 1,
            next=tuple(next_nodes),
            waiting={k: tuple(v) for k, v in waiting.items()},
            metadata=dict(metadata),
            packets=tuple(packets),
            results=tuple([result.carried() for result in finished]),
            doubled=tuple(doubled),
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
        waiting: Mapping[str, Sequence[str]] | None = None,
        packets: Sequence[tuple[str, Any]] = (),
        discards_step: bool = False,
        results: Sequence[Mapping[str, Any]] = (),
        doubled: Sequence[str] = (),
    ) -> StateUpdated:
        """Record an edit made as if ``as_node`` had written it (on the checkpoint's own
        values when ``discards_step``); ``results``: the pending tasks it stands for."""
        step = self.head.step + 1 if self.head else 0
        return self._checkpoint(
            StateUpdated,
            step,
            next=tuple(next_nodes),
            waiting={k: tuple(v) for k, v in (waiting or {}).items()},
            metadata=dict(metadata),
            as_node=as_node,
            assigned=dict(assigned),
            appended=dict(appended),
            actor=actor,
            discards_step=discards_step,
            packets=tuple(packets),
            results=tuple(dict(r) for r in results),
            doubled=tuple(doubled),
        )

    def pause(self, before: Sequence[str] = (), after: Sequence[str] = ()) -> Paused:
        """Record that a static breakpoint stopped the run."""
        return self._event(Paused, before=tuple(before), after=tuple(after))

    def fork(
        self, base: Thread, reason: str, actor: str | None = None, name: str | None = None
    ) -> Forked:
        """Move the head back to ``base`` (this thread's state at one of its checkpoints)."""
        if base.id != self.id or base.head is None or base.head.version > self.version:
            raise InvalidCommand(
                f"cannot fork thread {self.thread_id!r} from a state that is not one of its "
                "checkpoints"
            )
        return self._event(
            Forked, checkpoint=base.head, values=base.values, reason=reason, actor=actor, name=name
        )

    def start_over(self, values: Mapping[str, Any]) -> Forked:
        """Move the head to before the first checkpoint (state: ``values``): the next
        input starts a run of its own, with no parent checkpoint."""
        return self._event(Forked, checkpoint=None, values=dict(values), reason="input")

    def replay(self, metadata: Mapping[str, Any], *, sibling: bool = False) -> Replayed:
        """Copy the head as a new checkpoint (source ``fork``) to run its pending nodes
        again: its child, or with ``sibling`` (``as_node="__copy__"``) its parent's."""
        if self.head is None:
            raise InvalidCommand(f"thread {self.thread_id!r} has no checkpoint to replay")
        return self._event(
            Replayed,
            parent=self.head.parent if sibling else self.head.version,
            step=self.head.step + 1,
            next=self.head.next,
            waiting=dict(self.head.waiting),
            metadata=dict(metadata),
            packets=self.head.packets,
        )

    def _require_pending(self, node: str) -> None:
        if node not in self.pending_nodes:
            raise InvalidCommand(
                f"node {node!r} is not pending on thread {self.thread_id!r}; "
                f"pending: {list(self.pending_nodes)}"
            )
