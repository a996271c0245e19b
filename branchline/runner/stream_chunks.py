"""Stream chunks: what ``stream`` yields in each mode, shaped like LangGraph's."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from branchline.domain.model import clock
from branchline.domain.model.checkpoint import TaskResult
from branchline.domain.model.thread import Thread
from branchline.runner.errors import InvalidConfigError
from branchline.runner.message_stream import check_messages_mode
from branchline.runner.schema import StateSchema, Writes
from branchline.runner.snapshots import snapshot_of
from branchline.runner.tasks import Outcome, in_completion_order
from branchline.runner.types import Interrupt, StateSnapshot

Chunk = tuple[str, Any]


STREAM_MODES = ("values", "updates", "messages", "custom", "checkpoints", "tasks", "debug")
CACHED = {"__metadata__": {"cached": True}}
SUBGRAPH = "__subgraph__"  # the mode of a chunk a subgraph streamed: (namespace, mode, chunk)


def _as_written(writes: Writes) -> Writes:
    return writes


def stream_modes(stream_mode: str | Sequence[str]) -> tuple[str, ...]:
    """The modes a call asks for, checked: one or several of ``STREAM_MODES``."""
    modes = (stream_mode,) if isinstance(stream_mode, str) else tuple(stream_mode)
    unknown = [m for m in modes if m not in STREAM_MODES]
    if unknown or not modes:
        raise InvalidConfigError(
            f"unknown stream_mode {unknown or modes!r}; use one or more of {list(STREAM_MODES)}"
        )
    if "messages" in modes:
        check_messages_mode()
    return modes


class Emitter:
    """Builds the chunks of the requested stream modes.

    Each method returns the chunks of one moment of a run (often none): plain tuples and
    lists, so that a mode nobody asked for costs one membership test per step.
    """

    def __init__(
        self,
        modes: Sequence[str],
        schema: StateSchema | None = None,
        subgraphs: bool = False,
        history: Callable[[], Callable[[StateSnapshot], StateSnapshot]] | None = None,
    ) -> None:
        """``history``: makes the function that shows a checkpoint as the thread's
        history lists it (asked for only when checkpoints are streamed)."""
        self.modes = set(modes)
        # The modes subgraphs stream for the caller (``stream(..., subgraphs=True)``).
        self.subgraph_modes = tuple(dict.fromkeys(modes)) if subgraphs else ()
        self._root = schema if schema is not None and schema.kind == "root" else None
        self._debug = "debug" in self.modes
        self._tasks = self._debug or "tasks" in self.modes
        self._checkpoints = self._debug or "checkpoints" in self.modes
        self._listed = history() if history is not None and self._checkpoints else None
        # Tasks stream chunks of their own while they run (see updates).
        self._streamed = bool(self.subgraph_modes or {"custom", "messages"} & self.modes)

    def values(
        self, thread: Thread, interrupts: tuple[Interrupt, ...] = (), *, live: bool = True
    ) -> Iterable[Chunk]:
        """The full state (and, when paused in ``interrupt()``, the questions); ``live``
        with the writes of the step's finished tasks, else the checkpoint's own values."""
        if "values" not in self.modes:
            return ()
        values = thread.live_values if live else thread.values
        if self._root is not None:  # the state is one value: shown as it is
            return (("values", self._root.shown(values)),)
        return (("values", {**values, "__interrupt__": interrupts} if interrupts else values),)

    def cached(self, results: Sequence[TaskResult]) -> Iterable[Chunk]:
        """``{node: writes, "__metadata__": {"cached": True}}`` for each task of the step
        that finished in an earlier run, as LangGraph shows them when the step goes on."""
        if "updates" not in self.modes:
            return ()
        shown = self._root.shown_writes if self._root is not None else _as_written
        return [
            ("updates", {r.node: shown(r.wrote) or None, **CACHED})
            for r in results
            if r.error is None
        ]

    def updates(self, outcomes: Sequence[Outcome]) -> Iterable[Chunk]:
        """For each task, in the order they ended: what it streamed while it ran, in
        order (its ``"custom"`` and ``"messages"`` chunks; its subgraph's, as
        ``(SUBGRAPH, (namespace, mode, chunk))``), then ``{node: writes}`` if it finished."""
        updates = "updates" in self.modes
        if not updates and not self._streamed:
            return ()
        shown = self._root.shown_writes if self._root is not None else _as_written
        chunks: list[Chunk] = []
        for o in in_completion_order(outcomes):
            chunks += [(SUBGRAPH, c) if c[0] else (c[1], c[2]) for c in o.streamed]
            if updates and o.finished:
                update = {o.node: shown(o.writes) or None}
                chunks.append(("updates", {**update, **CACHED} if o.cached else update))
        return chunks

    def paused(self, interrupts: tuple[Interrupt, ...]) -> Iterable[Chunk]:
        """``{"__interrupt__": (...)}``: empty for a static breakpoint."""
        if "updates" not in self.modes:
            return ()
        return (("updates", {"__interrupt__": interrupts}),)

    def tasks(self, thread: Thread, tasks: Sequence[tuple[str, str, int]]) -> Iterable[Chunk]:
        """The tasks a step is about to run (``tasks`` and ``debug`` modes)."""
        if not self._tasks:
            return ()
        assert thread.head is not None
        step = thread.head.step + 1
        return [
            chunk
            for tid, node, _ in tasks
            for chunk in self._event(
                "task",
                step,
                {
                    "id": tid,
                    "name": node,
                    "input": thread.values,
                    "triggers": (f"branch:to:{node}",),
                },
            )
        ]

    def results(self, step: int, outcomes: Sequence[Outcome]) -> Iterable[Chunk]:
        """The tasks a step ran, with their results (``tasks`` and ``debug`` modes)."""
        if not self._tasks:
            return ()
        return [
            chunk
            for o in outcomes
            if not o.cached  # as LangGraph: a task the node cache answered has no result
            for chunk in self._event(
                "task_result",
                step,
                {
                    "id": o.task_id,
                    "name": o.node,
                    "error": o.error,
                    "result": o.shown,
                    "interrupts": [{"value": q.value, "id": q.interrupt_id} for q in o.questions],
                },
            )
        ]

    def checkpoint(self, thread: Thread | None) -> Iterable[Chunk]:
        """A checkpoint just written (``checkpoints`` and ``debug`` modes)."""
        if not self._checkpoints or thread is None or thread.head is None:
            return ()
        snap = snapshot_of(thread, live=False)
        if self._listed is not None:
            snap = self._listed(snap)
        tasks = [
            {"id": t.id, "name": t.name, "interrupts": t.interrupts, "state": t.state}
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
        return self._event("checkpoint", thread.head.step, payload)

    def _event(self, kind: str, step: int, payload: dict[str, Any]) -> list[Chunk]:
        """A checkpoint, a task starting or a task's result: the payload alone in its own
        mode (``checkpoints`` or ``tasks``), then wrapped as a ``debug`` event."""
        own = "checkpoints" if kind == "checkpoint" else "tasks"
        chunks: list[Chunk] = [(own, payload)] if own in self.modes else []
        if self._debug:
            stamp = clock.now().isoformat()
            event = {"step": step, "timestamp": stamp, "type": kind, "payload": payload}
            chunks.append(("debug", event))
        return chunks


DEBUG_MODES = ("updates", "values")  # what debug=True prints, as LangGraph does


def printed(chunks: Iterator[Chunk], requested: Sequence[str]) -> Iterator[Chunk]:
    """``debug=True``: print each updates and values chunk as ``[mode] chunk`` (the mode
    in bold on a terminal), and pass on the chunks of the ``requested`` modes."""
    bold = sys.stdout.isatty()
    for mode, chunk in chunks:
        if mode in DEBUG_MODES:
            label = f"\033[1m[{mode}]\033[0m" if bold else f"[{mode}]"
            print(label, chunk)
        if mode in requested:
            yield mode, chunk


def shaped(chunks: Iterator[Chunk], single: bool, subgraphs: bool) -> Iterator[Any]:
    """``stream``'s items, as LangGraph shapes them: the chunk alone for one mode, else
    ``(mode, chunk)``; with ``subgraphs``, the namespace first (``()`` for this graph)."""
    for mode, chunk in chunks:
        if not subgraphs:
            yield chunk if single else (mode, chunk)
            continue
        namespace, mode, chunk = chunk if mode == SUBGRAPH else ((), mode, chunk)
        namespace = langgraph_namespace(namespace)
        yield (namespace, chunk) if single else (namespace, mode, chunk)


def langgraph_namespace(namespace: tuple[str, ...]) -> tuple[str, ...]:
    """A subgraph chunk's namespace as LangGraph streams it: one item per place
    (``"node:<task id>"``; ``"node"`` for a subgraph kept across calls; ``"2"`` for a
    task's second graph invoked), and no task ids down to a subgraph kept across calls
    (its place names no call: ``("outer", "kept")``, not ``("outer:<task id>", "kept")``)."""
    parts = [part for place in namespace for part in place.split("|")]
    kept = [i for i, part in enumerate(parts) if ":" not in part and not part.isdigit()]
    if not kept:
        return tuple(parts)
    return tuple(p.partition(":")[0] if i < kept[-1] else p for i, p in enumerate(parts))
