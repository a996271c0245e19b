"""Fixtures for the runner tests: graphs run on the in-memory store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from runner import CheckpointStore


@pytest.fixture
def store() -> Iterator[CheckpointStore]:
    """A fresh in-memory event store."""
    with CheckpointStore.in_memory() as events:
        yield events


@pytest.fixture
def config() -> dict[str, Any]:
    """The config of thread ``t1``."""
    return {"configurable": {"thread_id": "t1"}}


@pytest.fixture
def event_names(store: CheckpointStore) -> Callable[[str], list[str]]:
    """A function listing the class names of a thread's stored events, in order."""

    def names(thread_id: str = "t1") -> list[str]:
        return [type(event).__name__ for event in store.events(thread_id)]

    return names
