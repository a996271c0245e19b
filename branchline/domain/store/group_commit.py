"""Group commit: appends of several threads of one process, committed together.

An append waits in a queue; whoever gets to commit next takes every append queued by
then and commits them in one transaction: one fsync (SQLite) or one table lock and one
WAL flush (PostgreSQL) for all. While one thread commits, the appends that arrive queue
behind it and go together in the next transaction. A lone append commits at once, alone.
Each thread returns once its own append is committed, or raises what refused it.

An async call's run (``off_loop``) does not wait in a thread: its append is queued for
the group's committer thread, and the run's greenlet waits while the loop goes on.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from branchline.domain.store.off_loop import Queued, hand, in_async_run

logger = logging.getLogger(__name__)

A = TypeVar("A")  # an append
R = TypeVar("R")  # what committing it gives
Told = Callable[[Any, BaseException | None], None]


class _Waiting(Generic[A, R]):
    __slots__ = ("append", "done", "outcome", "told")

    def __init__(self, append: A, told: Told | None = None) -> None:
        self.append = append
        self.done = False
        self.outcome: R | BaseException | None = None
        self.told = told  # an async run's: called with the outcome, from the committer


class GroupCommit(Generic[A, R]):
    """Commits appends through ``commit``, several at a time when they queue up.

    ``commit(appends)`` commits them in one transaction and returns, for each, what it
    gives or the exception refusing that one alone (the others committed); an exception
    it raises refuses them all.
    """

    def __init__(self, commit: Callable[[list[A]], Sequence[R | Exception]]) -> None:
        self._commit = commit
        self._queue: deque[_Waiting[A, R]] = deque()
        self._committing = threading.Lock()  # held by the thread committing the queue
        self._queued = threading.Event()  # set when an async run's append is queued
        self._committer: threading.Thread | None = None
        self._closed = False

    def __len__(self) -> int:
        """How many appends wait for a commit."""
        return len(self._queue)

    def append(self, append: A) -> R:
        """Commit ``append`` (with the others queued by then); what committing it gave."""
        if in_async_run():
            return hand(Queued(lambda told: self._enqueue(_Waiting(append, told))))  # type: ignore[no-any-return]
        mine: _Waiting[A, R] = _Waiting(append)
        queue = self._queue
        queue.append(mine)
        with self._committing:  # one committer at a time; appends queue meanwhile
            if not mine.done:  # else the committer before took it along
                batch = [queue.popleft() for _ in range(len(queue))]
                self._settle(batch)
        if isinstance(mine.outcome, BaseException):
            raise mine.outcome
        return mine.outcome  # type: ignore[return-value]  # set, as done is

    def _enqueue(self, waiting: _Waiting[A, R]) -> None:
        """Queue an async run's append for the committer thread (started on first use)."""
        self._queue.append(waiting)
        if self._committer is None:
            self._committer = threading.Thread(
                target=self._commit_queued, name="branchline-commit", daemon=True
            )
            self._committer.start()
        self._queued.set()

    def close(self) -> None:
        """Stop the committer thread (once it has committed what is queued)."""
        self._closed = True
        self._queued.set()

    def _commit_queued(self) -> None:
        """The committer thread: commit what async runs queued, as it comes."""
        while True:
            self._queued.wait()
            self._queued.clear()
            if self._closed and not self._queue:
                return
            while self._queue:
                with self._committing:
                    batch = [self._queue.popleft() for _ in range(len(self._queue))]
                    if batch:
                        self._settle(batch)

    def _settle(self, batch: list[_Waiting[A, R]]) -> None:
        try:
            outcomes: Sequence[R | BaseException] = self._commit([w.append for w in batch])
        except Exception as refused:  # all of them: each thread raises it
            outcomes = [refused] * len(batch)
        except BaseException as stopped:  # Ctrl-C in the committing thread
            for waiting in batch:
                waiting.outcome, waiting.done = stopped, True
                _tell(waiting, None, stopped)
            raise
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.outcome, waiting.done = outcome, True
            if isinstance(outcome, BaseException):
                _tell(waiting, None, outcome)
            else:
                _tell(waiting, outcome, None)


def _tell(waiting: _Waiting[Any, Any], result: Any, error: BaseException | None) -> None:
    """Tell an async run's append its outcome; a run whose loop is gone cannot be told,
    and must not stop the commits of the others."""
    if waiting.told is None:
        return
    try:
        waiting.told(result, error)
    except Exception:
        logger.exception("an append's outcome could not be given to its event loop")
