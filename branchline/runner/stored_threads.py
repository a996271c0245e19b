"""Decisions on a stored thread without its graph: the command line's answers and edits.

``branchline resume`` and ``branchline update``/``fork`` without ``--graph`` record a
person's decision through the same intake as ``invoke`` and ``update_state``; the run
goes on when the application next calls ``graph.invoke(None, config)`` on the thread.
"""

from __future__ import annotations

from typing import Any

from branchline.domain.model.errors import ConcurrentUpdate
from branchline.domain.model.events import Resumed
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.batch import Batch
from branchline.runner.config import RunConfig
from branchline.runner.intake import Intake
from branchline.runner.resume import explain_lost_race
from branchline.runner.snapshots import config_of

ATTEMPTS = 20  # an answer racing answers to other questions of the thread


def record_answers(
    store: CheckpointStore, thread_id: str, resume: Any, actor: str | None
) -> list[Resumed]:
    """Record a person's answers without running the graph; raises as a resume would.

    Losing a race to an answer to another question of the thread decides again on the
    new state; losing it to an answer to the same question says whose answer won.
    """
    intake = Intake(RunConfig(thread_id, actor=actor), store, None)
    for _ in range(ATTEMPTS):
        thread = store.load(thread_id)
        batch = Batch(thread)
        intake.answer(batch, resume)
        assert thread is not None  # a thread with nothing pending was refused above
        try:
            store.append(thread, batch.events)
            return [e for e in batch.events if isinstance(e, Resumed)]
        except ConcurrentUpdate:
            explain_lost_race(store, thread, resume)
    raise ConcurrentUpdate(
        f"thread {thread_id!r} kept changing while answering it ({ATTEMPTS} tries); "
        "nothing was recorded, try again"
    )


def record_edit(
    store: CheckpointStore,
    thread_id: str,
    values: Any,
    *,
    actor: str | None,
    checkpoint: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Edit a thread's state without its graph; on a past ``checkpoint``, fork there first.

    The values are assigned as given (no reducer runs), the edit is made as the node that
    wrote last, and what was pending stays pending. Returns the new checkpoint's config.
    """
    metadata = {} if name is None else {"branch": name}
    cfg = RunConfig(thread_id, checkpoint_id=checkpoint, metadata=metadata, actor=actor)
    thread = store.load(thread_id)
    batch = Intake(cfg, store, None).decide_update(thread, values, None)
    return config_of(store.append(batch.base, batch.events).thread)
