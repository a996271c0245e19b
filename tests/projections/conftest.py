"""Fixtures for the read-model tests: a real SQLite store, a ticking clock, runs of threads."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from branchline.domain import CheckpointStore, Thread, ThreadEvent, evolve, project, task_id
from branchline.domain.model import clock
from branchline.projections import Views


class Runs:
    """Drives threads with the domain commands, appending each decision to a real store."""

    def __init__(self, store: CheckpointStore) -> None:
        self.store = store

    def start(self, thread_id: str) -> Thread:
        """Load a thread, starting it first if the store has never seen it."""
        thread = self.store.load(thread_id)
        if thread is None:
            thread = self.store.append(None, [Thread.start(thread_id)]).thread
        return thread

    def apply(self, thread_id: str, decide: Callable[[Thread], ThreadEvent]) -> Thread:
        """Append the one event that ``decide`` returns for the thread's current state."""
        thread = self.start(thread_id)
        return self.store.append(thread, [decide(thread)]).thread

    def run(self, thread_id: str, steps: int, metadata: Mapping[str, Any] | None = None) -> Thread:
        """Input, then ``steps`` linear steps ``node0 -> node1 -> ...``, one append per step."""
        meta = dict(metadata or {})
        nodes = [f"node{i}" for i in range(steps)]
        thread = self.apply(thread_id, lambda t: t.receive_input(nodes[:1], meta))
        for i, node in enumerate(nodes):
            assert thread.head is not None
            task = thread.complete_task(
                task_id(thread_id, thread.head.version, node, 0),
                node,
                assigned={"last": node},
                appended={"trail": [node]},
            )
            step = evolve(thread, task).complete_step(nodes[i + 1 : i + 2], {}, meta)
            thread = self.store.append(thread, [task, step]).thread
        return thread

    def fail(self, thread_id: str) -> Thread:
        """Fail a pending node of the thread, first giving it one if nothing is pending."""
        thread = self.start(thread_id)
        if not thread.pending_nodes:
            thread = self.apply(thread_id, lambda t: t.receive_input(["flaky"], {}))
        node = thread.pending_nodes[0]
        return self.apply(thread_id, lambda t: t.fail_task(f"task-{node}", node, "boom"))

    def update(
        self, thread_id: str, next_nodes: Sequence[str] = (), actor: str | None = "ana"
    ) -> Thread:
        """Edit the state as ``editor``, making a checkpoint from the head.

        As ``update_state`` does, the edit first supersedes every pending interrupt.
        """
        thread = self.start(thread_id)
        return self._append_after_superseding(
            thread, "update", actor, lambda t: _edit(t, next_nodes, actor)
        )

    def new_input(
        self, thread_id: str, next_nodes: Sequence[str] = ("review",), actor: str | None = None
    ) -> Thread:
        """New input: supersede every pending interrupt, then a checkpoint from the input."""
        thread = self.start(thread_id)
        return self._append_after_superseding(
            thread, "input", actor, lambda t: t.receive_input(next_nodes, {})
        )

    def ask(self, thread_id: str, value: Any = "approve?", node: str | None = None) -> Thread:
        """A pending node asks a question (id ``<thread>-<version>``); gives it input if idle."""
        thread = self.start(thread_id)
        if not thread.pending_nodes:
            thread = self.new_input(thread_id)
        asking = node or thread.pending_nodes[0]
        assert thread.head is not None
        tid = task_id(thread_id, thread.head.version, asking, 0)
        index = sum(1 for record in thread.interrupts if record.node == asking)
        question = f"{thread_id}-{thread.version + 1}"
        return self.apply(thread_id, lambda t: t.ask(question, tid, asking, index, value))

    def answer(
        self, thread_id: str, interrupt_id: str, value: Any = "yes", actor: str | None = "ana"
    ) -> Thread:
        """A person answers a pending interrupt (digest ``d-<interrupt id>``)."""
        return self.apply(
            thread_id,
            lambda t: t.answer(interrupt_id, value, actor=actor, digest=f"d-{interrupt_id}"),
        )

    def finish_step(self, thread_id: str, next_nodes: Sequence[str] = ()) -> Thread:
        """Complete every pending task of the step in progress, then close the step."""
        thread = self.start(thread_id)
        assert thread.head is not None
        events: list[ThreadEvent] = []
        for node in thread.pending_nodes:
            done = project(thread, events)
            assert done is not None
            events.append(done.complete_task(done.task_for(node), node, assigned={}, appended={}))
        closing = project(thread, events)
        assert closing is not None
        events.append(closing.complete_step(next_nodes, {}, {}))
        return self.store.append(thread, events).thread

    def pause(self, thread_id: str, before: Sequence[str] = ("review",)) -> Thread:
        """A static breakpoint stops the run before ``before``."""
        return self.apply(thread_id, lambda t: t.pause(before=before))

    def _append_after_superseding(
        self,
        thread: Thread,
        reason: str,
        actor: str | None,
        decide: Callable[[Thread], ThreadEvent],
    ) -> Thread:
        events: list[ThreadEvent] = list(thread.supersede(reason, actor))
        current = project(thread, events)
        assert current is not None
        return self.store.append(thread, [*events, decide(current)]).thread

    def fork(self, thread_id: str, version: int) -> Thread:
        """Edit the state from the older checkpoint at ``version``: a new branch."""
        older = self.store.load(thread_id, version)
        assert older is not None
        assert older.head is not None
        return self.apply(
            thread_id, lambda t: _edit(replace(t, head=older.head, results=()), (), "ana")
        )


def _edit(thread: Thread, next_nodes: Sequence[str], actor: str | None) -> ThreadEvent:
    return thread.update_state(
        "editor",
        assigned={"edited": True},
        appended={},
        next_nodes=next_nodes,
        metadata={"by": "test"},
        actor=actor,
    )


@pytest.fixture(scope="module", autouse=True)
def ticking_clock() -> Iterator[None]:
    """Events one second apart, so orderings by time never tie."""
    ticks = itertools.count()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    clock.set_clock(lambda: start + timedelta(seconds=next(ticks)))
    yield
    clock.set_clock(None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CheckpointStore]:
    """A real SQLite event store in a temporary directory."""
    with CheckpointStore.sqlite(tmp_path / "t.db") as events:
        yield events


@pytest.fixture
def views(store: CheckpointStore) -> Iterator[Views]:
    """The views file next to the store's events file, not yet caught up."""
    with Views.for_store(store) as opened:
        yield opened


@pytest.fixture
def runs(store: CheckpointStore) -> Runs:
    """Runs of threads on the store."""
    return Runs(store)


@pytest.fixture(scope="session")
def make_runs() -> type[Runs]:
    """The ``Runs`` helper, for tests that make their own stores (property tests)."""
    return Runs
