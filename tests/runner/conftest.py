"""Fixtures for the runner tests: graphs run on the in-memory store, the
human-in-the-loop and time-travel tests on PostgreSQL too, and the subgraph and async
tests on SQLite and PostgreSQL too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from branchline import CheckpointStore

ON_POSTGRES_TOO = ("test_hitl_", "test_time_travel_")
ON_EVERY_STORE = ("test_subgraph", "test_async")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "store" not in metafunc.fixturenames:
        return
    if module.startswith(ON_EVERY_STORE):
        metafunc.parametrize("store", ["memory", "sqlite", "postgres"], indirect=True)
    elif module.startswith(ON_POSTGRES_TOO):
        metafunc.parametrize("store", ["memory", "postgres"], indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CheckpointStore]:
    """A fresh event store: in memory, in an SQLite file, or in a PostgreSQL schema of
    its own."""
    kind = getattr(request, "param", "memory")
    if kind == "postgres":
        yield request.getfixturevalue("open_postgres")()
        return
    opened = CheckpointStore.sqlite(tmp_path / "threads.db") if kind == "sqlite" else None
    with opened or CheckpointStore.in_memory() as events:
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
