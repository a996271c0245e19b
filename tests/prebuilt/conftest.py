"""Fixtures of the prebuilt-node tests: graphs run on the in-memory store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from branchline import CheckpointStore


@pytest.fixture
def store() -> Iterator[CheckpointStore]:
    """A fresh in-memory event store."""
    with CheckpointStore.in_memory() as events:
        yield events


@pytest.fixture
def config() -> dict[str, Any]:
    """The config of thread ``chat-1``."""
    return {"configurable": {"thread_id": "chat-1"}}
