"""A batch: the events one call decides, folded as they are added, appended at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from branchline.domain.model.checkpoint import TaskResult
from branchline.domain.model.events import CheckpointEvent, ThreadEvent
from branchline.domain.model.evolve import closed, evolve, settled
from branchline.domain.model.thread import Thread
from branchline.runner.planner import Plan


class Batch:
    """Events decided for one append, folded as they are added."""

    def __init__(self, thread: Thread | None) -> None:
        self.base = thread
        self.thread = thread
        self.events: list[ThreadEvent] = []
        self._before: list[Thread | None] = []  # the state before each event

    def add(self, event: ThreadEvent, state: Thread | None = None) -> Thread:
        """Record one event and return the state it leads to (``state``, when the caller
        folded it already)."""
        self._before.append(self.thread)
        self.events.append(event)
        self.thread = evolve(self.thread, event) if state is None else state
        return self.thread

    def close_step(
        self, after: Plan, metadata: Mapping[str, Any], finished: Sequence[TaskResult]
    ) -> Thread:
        """Close the step in progress with the tasks that ``finished`` just now: they
        travel inside its ``StepCompleted``, one event a step rather than one per task;
        ``after`` runs next."""
        current = self.current
        step = current.complete_step(
            after.next, after.waiting, metadata, after.packets, finished, after.doubled
        )
        return self.add(step, closed(settled(current, step, tuple(finished)), step))

    def checkpoints(self) -> list[Thread]:
        """The state at each checkpoint the batch made, oldest first."""
        after = [*self._before[1:], self.thread]
        return [
            state
            for event, state in zip(self.events, after, strict=True)
            if isinstance(event, CheckpointEvent) and state is not None
        ]

    @property
    def current(self) -> Thread:
        """The state so far (a batch on a new thread starts with ThreadStarted)."""
        assert self.thread is not None
        return self.thread
