"""Fixtures for the read-model tests: a real SQLite store, a ticking clock, runs of threads."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain import CheckpointStore, Thread, ThreadEvent, clock, evolve, task_id
from projections import Views


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

    def update(self, thread_id: str, next_nodes: Sequence[str] = ()) -> Thread:
        """Edit the state as ``editor``, making a checkpoint from the head."""
        return self.apply(thread_id, lambda t: _edit(t, next_nodes))

    def fork(self, thread_id: str, version: int) -> Thread:
        """Edit the state from the older checkpoint at ``version``: a new branch."""
        older = self.store.load(thread_id, version)
        assert older is not None
        assert older.head is not None
        return self.apply(thread_id, lambda t: _edit(replace(t, head=older.head, results=()), ()))


def _edit(thread: Thread, next_nodes: Sequence[str]) -> ThreadEvent:
    return thread.update_state(
        "editor",
        assigned={"edited": True},
        appended={},
        next_nodes=next_nodes,
        metadata={"by": "test"},
        actor="ana",
    )


def dump(views: Views) -> dict[str, list[dict[str, Any]]]:
    """Every row of every view table and the tracking table, in primary-key order."""
    tables = ("threads", "checkpoints", "tracking")
    return {name: list(views.db.query(f"SELECT * FROM {name} ORDER BY 1")) for name in tables}


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


@pytest.fixture(scope="session")
def dump_views() -> Callable[[Views], dict[str, list[dict[str, Any]]]]:
    """A function that reads every row of a views file, for comparisons."""
    return dump
