"""Where a subgraph compiled with ``checkpointer=True`` goes on from in a time travel.

Such a subgraph keeps one history across calls, in one thread inside its parent's. When
the root graph travels back to a checkpoint, the run's first entry into the subgraph
takes the state it had when that checkpoint was made (for a copy or an edit, the one it
was made from), as LangGraph does: its newest checkpoint made before then. With none, it
starts afresh (a run of its own in its thread). Later entries in the same run (a loop)
go on from its latest state.
"""

from __future__ import annotations

from datetime import datetime

from branchline.domain.model.checkpoint import Checkpoint
from branchline.domain.model.ids import checkpoint_version
from branchline.domain.store.checkpoint_store import CheckpointStore


def travel_bound(store: CheckpointStore, thread_id: str, addressed: str) -> datetime:
    """When the checkpoint a time travel to checkpoint id ``addressed`` goes back to was
    made (the one addressed, or, for a copy or an edit, the one it was made from)."""
    head = _head(store, thread_id, checkpoint_version(thread_id, addressed))
    if head.source in ("fork", "update") and head.parent is not None:
        return _head(store, thread_id, head.parent).created_at
    return head.created_at


def _head(store: CheckpointStore, thread_id: str, version: int) -> Checkpoint:
    state = store.load(thread_id, version)
    assert state is not None and state.head is not None
    return state.head


def kept_start(store: CheckpointStore, thread_id: str, bound: datetime) -> int | None:
    """The version of the newest checkpoint of subgraph thread ``thread_id`` made before
    ``bound`` (see travel_bound); None: none was, it starts afresh."""
    for state in reversed(store.checkpoint_states(thread_id)):
        assert state.head is not None
        if state.head.created_at < bound:
            return state.head.version
    return None
