"""Property: views kept incrementally equal views rebuilt from the whole log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import CheckpointStore
from projections import Views

THREADS = ("t0", "t1", "t2")

operations = st.lists(
    st.tuples(
        st.sampled_from(["run", "fail", "update", "fork"]),
        st.sampled_from(THREADS),
        st.integers(min_value=0, max_value=3),
    ),
    max_size=10,
)


def perform(runs: Any, operation: tuple[str, str, int]) -> None:
    """Apply one generated operation to a thread of the store."""
    kind, thread_id, size = operation
    if kind == "run":
        runs.run(thread_id, steps=size)
    elif kind == "fail":
        runs.fail(thread_id)
    elif kind == "update":
        runs.update(thread_id, next_nodes=["review"] * (size % 2))
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

        with Views.open(folder / "fresh.views.db") as rebuilt:
            rebuilt.rebuild(store)
            assert dump_views(kept) == dump_views(rebuilt)
            assert kept.position == store.max_position()
