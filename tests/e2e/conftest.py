"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchline import CheckpointStore
from branchline.cli.demo_graph import build

REQUEST = {"messages": [{"role": "user", "content": "Refund order A-1042"}]}


@pytest.fixture
def paused(tmp_path: Path) -> Path:
    """A demo thread 't' paused in human_review, written by this process."""
    db = tmp_path / "review.db"
    with CheckpointStore.sqlite(db) as store:
        assert "__interrupt__" in build(store).invoke(REQUEST, {"configurable": {"thread_id": "t"}})
    return db
