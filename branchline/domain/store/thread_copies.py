"""Copying a thread under a new id: its events and those of its subgraphs' threads read,
translated (``domain.model.thread_copy``) and appended to new streams."""

from __future__ import annotations

from collections.abc import Sequence

from branchline.domain.model import clock
from branchline.domain.model.errors import ConcurrentUpdate, ThreadNotFound
from branchline.domain.model.ids import check_thread_id
from branchline.domain.model.thread import Thread
from branchline.domain.model.thread_copy import copied_threads
from branchline.domain.store.checkpoint_store import CheckpointStore


def copy_threads(
    store: CheckpointStore,
    source: str,
    target: str,
    subgraph_threads: Sequence[str],
    copied_by: str | None,
) -> Thread:
    """Copy thread ``source``, with the ``subgraph_threads`` it ran, as thread ``target``
    (a new id); its state. ThreadNotFound if there is no ``source``; ConcurrentUpdate,
    writing nothing, if ``target`` exists already."""
    check_thread_id(target)
    if store.load(target) is not None:
        raise ConcurrentUpdate(f"thread {target!r} exists already; copy to a new thread id")
    streams = {thread: list(store.events(thread)) for thread in (source, *subgraph_threads)}
    if not streams[source]:
        raise ThreadNotFound(f"thread {source!r} has no events to copy; check the thread id")
    copies = copied_threads(source, target, streams, copied_by, clock.now())
    # Subgraphs' threads first: the copy is there, whole, once its own thread is.
    for thread in sorted(copies, key=len, reverse=True):
        store.append(None, copies[thread])
    copied = store.load(target)
    assert copied is not None
    return copied
