"""The SQLite store's cache of hot threads under threads of one process: a load never
returns a state older than one this process has appended or another process committed."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from branchline.domain import CheckpointStore, Thread, evolve
from branchline.domain.model.checkpoint import START
from branchline.domain.model.events import ThreadEvent


def one_step(thread: Thread | None, thread_id: str) -> list[ThreadEvent]:
    """The events of one input and its __start__ step (a new thread starts first)."""
    events: list[ThreadEvent] = []
    if thread is None:
        events.append(Thread.start(thread_id, {"log": []}))
        thread = evolve(None, events[-1])
    for decide in (
        lambda t: t.receive_input([START], {}),
        lambda t: t.complete_task(t.task_for(START), START, assigned={}, appended={"log": [1]}),
        lambda t: t.complete_step(["a"], {}, {}),
    ):
        events.append(decide(thread))
        thread = evolve(thread, events[-1])
    return events


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Threads of this process switch every few microseconds, so they interleave inside
    a read and an append instead of one after the other."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("eager_switching")
@pytest.mark.parametrize("trial", range(12))
def test_reads_racing_own_appends_and_evictions_never_go_back(tmp_path: Path, trial: int) -> None:
    db = tmp_path / "threads.db"
    unsnapshotted = {"snapshot_interval": 10**9}  # a read that misses folds it all: slow
    with CheckpointStore.sqlite(db, **unsnapshotted) as other:  # made both threads
        state = None
        for _ in range(200):
            state = other.append(state, one_step(state, "t")).thread
        other.append(None, one_step(None, "u"))
    # cache_size=1: reading "u" evicts "t", so reads of "t" miss while it is written
    with CheckpointStore.sqlite(db, cache_size=1, **unsnapshotted) as store:
        done, stale = threading.Event(), []

        def writer() -> None:
            state = store.load("t")
            for _ in range(30):
                state = store.append(state, one_step(state, "t")).thread
                seen = store.load("t")
                if seen is None or seen.version < state.version:
                    stale.append(seen and seen.version)
            done.set()

        def reader() -> None:
            while not done.is_set():
                store.load("u")
                store.load("t")

        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        latest = store.load("t")
    assert stale == []
    assert latest is not None and latest.version == 4 + 3 * 199 + 3 * 30
