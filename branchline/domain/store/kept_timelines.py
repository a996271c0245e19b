"""The timelines a store keeps: the whole histories of the threads listed lately.

Listing a thread's history folds its whole stream into a ``Timeline``. The store keeps
the timelines of the ``TIMELINE_CACHE`` most recently listed threads (none if its
``cache_size`` is 0) and brings one up to date with only the events recorded since, so
a UI that lists a thread, then opens one of its checkpoints or forks there, reads no
stream again. Each holds every checkpoint's values, hence the small bound.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from itertools import islice

from branchline.domain.model.events import ThreadEvent
from branchline.domain.model.thread import Thread
from branchline.domain.model.timeline import Timeline
from branchline.domain.store.collection_pause import collection_paused

TIMELINE_CACHE = 16  # whole histories kept: each holds every checkpoint's values

EventsAfter = Callable[[str, int | None], Iterable[ThreadEvent]]
"""A thread's events after a stream version (``None``: all of them), in stream order."""


class KeptTimelines:
    """The timelines of the threads listed lately, most recently listed last."""

    def __init__(self, events_after: EventsAfter, cache_size: int) -> None:
        self._events_after = events_after
        self._size = min(cache_size, TIMELINE_CACHE)
        self._kept: dict[str, Timeline] = {}
        self._lock = threading.Lock()  # a fold extends a kept timeline in place

    def __contains__(self, thread_id: object) -> bool:
        """Whether the timeline of ``thread_id`` is kept (it may lag behind its stream)."""
        return thread_id in self._kept

    def timeline(self, thread_id: str) -> Timeline:
        """The thread's timeline, up to date (folded now, and kept, unless it was kept):
        a copy that the caller may extend."""
        with self._lock:
            return self._fresh(thread_id).copy()

    def state_at(self, thread_id: str, version: int) -> Thread | None:
        """The checkpoint at ``version`` with its step's records, as the up-to-date
        timeline has it (None if no checkpoint is there)."""
        with self._lock:
            return self._fresh(thread_id).states.get(version)

    def newest(self, thread_id: str, limit: int, below: int | None = None) -> list[Thread]:
        """The newest ``limit`` checkpoints below version ``below``, newest first."""
        with self._lock:
            states = reversed(self._fresh(thread_id).states.values())
            return list(islice((s for s in states if below is None or _below(s, below)), limit))

    def _fresh(self, thread_id: str) -> Timeline:
        """The kept timeline of a thread, brought up to date (hold the lock)."""
        kept = self._kept.pop(thread_id, None) or Timeline()
        with collection_paused():
            kept.extend(self._events_after(thread_id, kept.version or None))
        self._kept[thread_id] = kept
        while len(self._kept) > self._size:
            self._kept.pop(next(iter(self._kept)))
        return kept


def _below(state: Thread, version: int) -> bool:
    return state.head is not None and state.head.version < version
