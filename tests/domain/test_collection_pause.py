"""The garbage collector paused around long folds: off only meanwhile, the host's own
settings and frozen objects left as they were."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from branchline.domain.store.collection_pause import MANY_OBJECTS, collection_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_during_the_block_and_on_after_it() -> None:
    with collection_paused():
        during = gc.isenabled()

    assert (during, gc.isenabled()) == (False, True)


def test_a_collector_the_host_turned_off_stays_off() -> None:
    gc.disable()
    with collection_paused():
        pass

    assert not gc.isenabled()


def test_the_collector_comes_back_only_when_the_last_of_two_threads_is_done() -> None:
    inside, release = threading.Event(), threading.Event()

    def fold() -> None:
        with collection_paused():
            inside.set()
            release.wait(timeout=10)

    other = threading.Thread(target=fold)
    other.start()
    inside.wait(timeout=10)
    with collection_paused():
        pass
    after_first = gc.isenabled()
    release.set()
    other.join(timeout=10)

    assert (after_first, gc.isenabled()) == (False, True)


def test_objects_the_host_froze_stay_frozen_after_a_long_fold() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with collection_paused():
        made = [[n] for n in range(2 * MANY_OBJECTS)]

    assert gc.get_freeze_count() == frozen and len(made) == 2 * MANY_OBJECTS


def test_a_long_folds_objects_skip_the_young_generations() -> None:
    with collection_paused():
        made = [[n] for n in range(2 * MANY_OBJECTS)]

    assert gc.get_count()[0] < MANY_OBJECTS and len(made) == 2 * MANY_OBJECTS
