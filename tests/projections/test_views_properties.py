"""Property: views kept incrementally equal views rebuilt from the whole log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from branchline.domain import CheckpointStore
from branchline.projections import Views

THREADS = ("t0", "t1", "t2")

operations = st.lists(
    st.tuples(
        st.sampled_from(["run", "fail", "update", "fork", "ask", "answer", "input", "pause"]),
        st.sampled_from(THREADS),
        st.integers(min_value=0, max_value=3),
    ),
    max_size=12,
)


def _answer(runs: Any, thread_id: str, size: int) -> None:
    thread = runs.store.load(thread_id)
    pending = thread.pending_interrupts if thread else ()
    if pending:
        runs.answer(thread_id, pending[size % len(pending)].interrupt_id, actor=None)
    else:
        runs.ask(thread_id, value={"n": size})


def _pause(runs: Any, thread_id: str, size: int) -> None:
    runs.new_input(thread_id)
    runs.pause(thread_id)


INTERRUPTS = {
    "ask": lambda runs, thread_id, size: runs.ask(thread_id, value=[size]),
    "answer": _answer,
    "input": lambda runs, thread_id, size: runs.new_input(thread_id, actor="bo"),
    "pause": _pause,
}


def perform(runs: Any, operation: tuple[str, str, int]) -> None:
    """Apply one generated operation to a thread of the store."""
    kind, thread_id, size = operation
    if kind == "run":
        runs.run(thread_id, steps=size)
    elif kind == "fail":
        runs.fail(thread_id)
    elif kind == "update":
        runs.update(thread_id, next_nodes=["review"] * (size % 2), actor=[None, "ana"][size % 2])
    elif kind in INTERRUPTS:
        INTERRUPTS[kind](runs, thread_id, size)
    else:
        heads = [s.head.version for s in runs.store.checkpoint_states(thread_id) if s.head]
        if heads:
            runs.fork(thread_id, version=heads[size % len(heads)])
        else:
            runs.update(thread_id)


@settings(max_examples=25, deadline=None)
@given(script=operations)
def test_views_kept_after_each_append_equal_views_rebuilt_from_the_log(
    script: list[tuple[str, str, int]],
    tmp_path_factory: pytest.TempPathFactory,
    make_runs: Any,
    dump_views: Callable[[Views], Any],
) -> None:
    folder = tmp_path_factory.mktemp("example")
    with CheckpointStore.sqlite(folder / "t.db") as store, Views.for_store(store) as kept:
        kept.attach(store)
        for operation in script:
            perform(make_runs(store), operation)
            kept.refresh()  # catch up after each operation, as a reader in between would

        with Views.open(folder / "fresh.views.db") as rebuilt:
            rebuilt.rebuild(store)
            assert dump_views(kept) == dump_views(rebuilt)
            assert kept.position == store.max_position()
