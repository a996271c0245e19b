"""Stream chunks: what ``stream`` yields in each mode, shaped like LangGraph's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from domain import clock
from domain.thread import Thread
from runner.snapshots import snapshot_of
from runner.tasks import Outcome
from runner.types import Interrupt

Chunk = tuple[str, Any]


class Emitter:
    """Builds the chunks of the requested stream modes."""

    def __init__(self, modes: Sequence[str]) -> None:
        self.modes = set(modes)

    def values(self, thread: Thread, interrupts: tuple[Interrupt, ...] = ()) -> Iterator[Chunk]:
        """The full state (and, when paused in ``interrupt()``, the questions)."""
        if "values" in self.modes:
            values = thread.live_values
            yield "values", {**values, "__interrupt__": interrupts} if interrupts else values

    def updates(self, outcomes: Sequence[Outcome]) -> Iterator[Chunk]:
        """``{node: writes}`` for each task that finished."""
        if "updates" in self.modes:
            for outcome in outcomes:
                if outcome.finished:
                    yield "updates", {outcome.node: outcome.writes or None}

    def paused(self, interrupts: tuple[Interrupt, ...]) -> Iterator[Chunk]:
        """``{"__interrupt__": (...)}``: empty for a static breakpoint."""
        if "updates" in self.modes:
            yield "updates", {"__interrupt__": interrupts}

    def debug(self, kind: str, step: int, payload: dict[str, Any]) -> Iterator[Chunk]:
        """One debug event: a checkpoint, a task starting, or a task's result."""
        if "debug" in self.modes:
            stamp = clock.now().isoformat()
            yield "debug", {"step": step, "timestamp": stamp, "type": kind, "payload": payload}

    def tasks(self, thread: Thread, tasks: Sequence[tuple[str, str, int]]) -> Iterator[Chunk]:
        """Debug events for the tasks a step is about to run."""
        if "debug" not in self.modes:
            return
        assert thread.head is not None
        for tid, node, _ in tasks:
            payload = {
                "id": tid,
                "name": node,
                "input": thread.values,
                "triggers": (f"branch:to:{node}",),
            }
            yield from self.debug("task", thread.head.step + 1, payload)

    def results(self, step: int, outcomes: Sequence[Outcome]) -> Iterator[Chunk]:
        """Debug events for the tasks a step ran."""
        if "debug" not in self.modes:
            return
        for o in outcomes:
            error = None if o.error is None else repr(o.error)
            asked = (
                []
                if not o.questions
                else [{"value": q.value, "id": q.interrupt_id} for q in o.questions]
            )
            payload = {
                "id": o.task_id,
                "name": o.node,
                "error": error,
                "result": o.writes,
                "interrupts": asked,
            }
            yield from self.debug("task_result", step, payload)

    def checkpoint(self, thread: Thread | None) -> Iterator[Chunk]:
        """A debug event for a checkpoint just written."""
        if "debug" not in self.modes or thread is None or thread.head is None:
            return
        snap = snapshot_of(thread, live=False)
        tasks = [
            {"id": t.id, "name": t.name, "interrupts": t.interrupts, "state": None}
            for t in snap.tasks
        ]
        payload = {
            "config": snap.config,
            "parent_config": snap.parent_config,
            "values": snap.values,
            "metadata": snap.metadata,
            "next": list(snap.next),
            "tasks": tasks,
        }
        yield from self.debug("checkpoint", thread.head.step, payload)
