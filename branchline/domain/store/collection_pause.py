"""The cyclic garbage collector, paused while a long history is folded or listed.

Folding a thread of 10,000 checkpoints makes a few objects per event (its states, their
values, the snapshots a listing returns), none of which can form a cycle; the collector
would walk them again and again as they are made. With the pause, ``python -m bench
--only history`` lists a history of 10,000 checkpoints 2.5 times as fast, the first time
and again (2,000 checkpoints: 15% faster).

The collector is process-wide, so this is a side effect on the host application, kept
small and described in the README ("What Branchline does to your process"):

* the collector is off only while a fold or a listing runs (in any thread; the last one
  to finish turns it back on), and only if it was on;
* afterwards, if the fold made more than ``MANY_OBJECTS`` objects, the young objects join
  the oldest generation directly (``gc.freeze`` then ``gc.unfreeze``, no walk), so that
  turning the collector back on does not walk them all at once; the next full collection
  looks at them as usual. Not if the application has frozen objects itself (a pre-fork
  server's ``gc.freeze()``): ``unfreeze`` would thaw those too, so then the young objects
  are left to the collector.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MANY_OBJECTS = 10_000  # young objects above which they skip the young generations

_lock = threading.Lock()
_folding = 0  # folds running now, in any thread
_resume = False  # whether the collector was on when the first of them began


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (see the module docstring)."""
    global _folding, _resume
    with _lock:
        if _folding == 0:
            _resume = gc.isenabled()
            gc.disable()
        _folding += 1
    try:
        yield
    finally:
        with _lock:
            _folding -= 1
            if _folding == 0 and _resume:
                if gc.get_count()[0] > MANY_OBJECTS and gc.get_freeze_count() == 0:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
