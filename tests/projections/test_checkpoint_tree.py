"""The checkpoint tree read model: every checkpoint with its parent and source."""

from __future__ import annotations

from branchline.domain import CheckpointStore, checkpoint_id
from branchline.projections import CheckpointRow, Views


def test_tree_has_one_row_per_checkpoint_with_parents_and_sources(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=2)
    runs.update("t1", next_nodes=["review"])
    views.catch_up(store)

    heads = [state.head for state in store.checkpoint_states("t1") if state.head is not None]
    assert views.tree("t1") == [
        CheckpointRow(
            checkpoint_id=checkpoint_id("t1", head.version),
            thread_id="t1",
            version=head.version,
            parent_id=None if head.parent is None else checkpoint_id("t1", head.parent),
            step=head.step,
            source=head.source,
            created_at=head.created_at,
            next=head.next,
        )
        for head in heads
    ]
    assert [(row.version, row.source) for row in views.tree("t1")] == [
        (2, "input"),
        (4, "loop"),
        (6, "loop"),
        (7, "update"),
    ]


def test_every_checkpoint_but_the_first_points_to_the_one_before(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=3)
    views.catch_up(store)

    rows = views.tree("t1")
    assert rows[0].parent_id is None
    assert [row.parent_id for row in rows[1:]] == [row.checkpoint_id for row in rows[:-1]]


def test_children_lists_every_branch_made_from_a_checkpoint(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=2)
    runs.fork("t1", version=4)
    views.catch_up(store)

    fork_point = checkpoint_id("t1", 4)
    assert [(row.version, row.source) for row in views.children(fork_point)] == [
        (6, "loop"),
        (7, "update"),
    ]
    assert views.children(checkpoint_id("t1", 7)) == []


def test_tree_keeps_threads_apart(store: CheckpointStore, views: Views, runs) -> None:
    runs.run("a", steps=1)
    runs.run("b", steps=2)
    views.catch_up(store)

    assert {row.thread_id for row in views.tree("a")} == {"a"}
    assert (len(views.tree("a")), len(views.tree("b"))) == (2, 3)


def test_tree_of_unknown_thread_is_empty(views: Views) -> None:
    assert views.tree("nobody") == []
