"""Where a subgraph compiled with ``checkpointer=True`` goes on from.

Such a subgraph keeps one history across calls, in one thread inside its parent's. Each
of its checkpoints records the parent checkpoint its run started from (its metadata's
``parents``). A call goes on from the state the subgraph had on the parent's branch, as
in LangGraph: after the newest run that started from a checkpoint strictly before the one
the parent's step stands on. So after the parent replays or forks an older checkpoint,
the subgraph sees its state as it was then, not what a later run on another branch left;
with no run before it on the branch, it starts afresh (a run of its own in its thread).
"""

from __future__ import annotations

from collections.abc import Callable

from branchline.domain.model.ids import checkpoint_version
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore


def kept_start(store: CheckpointStore, thread_id: str, here: str, parent: Thread) -> int | None:
    """The version of the checkpoint of subgraph thread ``thread_id`` that a call from
    ``parent``'s head goes on from (``here``: the parent's namespace); None: none, it
    starts afresh. A copy of an older checkpoint (a replay) or an edit of one stands where
    that checkpoint stood."""
    head = parent.head
    assert head is not None
    stored = store.timeline(parent.thread_id).states
    while head.source == "fork" and head.parent in stored:  # a copy of a copy (or edit)
        above = stored[head.parent].head
        if above is None or above.source not in ("fork", "update") or not above.parent:
            break
        head = above
    stands = head.parent if head.source in ("fork", "update") and head.parent else head.version
    # Not stored yet (durability "async" or "exit"): the checkpoints before it, in order.
    before: Callable[[int], bool] = (
        _ancestors(stored, stands).__contains__ if stands in stored else stands.__gt__
    )
    states = store.checkpoint_states(thread_id)
    for state in reversed(states):
        assert state.head is not None
        ran_from = (state.head.metadata.get("parents") or {}).get(here)
        if ran_from is not None and before(checkpoint_version(parent.thread_id, ran_from)):
            return state.head.version
    return None


def _ancestors(states: dict[int, Thread], version: int) -> set[int]:
    """The checkpoints ``version`` was made from, through its parents (not itself)."""
    found: set[int] = set()
    state = states.get(version)
    at = state.head.parent if state is not None and state.head is not None else None
    while at is not None and at not in found:
        found.add(at)
        state = states.get(at)
        at = state.head.parent if state is not None and state.head is not None else None
    return found
