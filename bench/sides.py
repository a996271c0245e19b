"""Each side's graph API and checkpointer, opened at the same durability.

Both sides write one SQLite file in WAL mode with ``synchronous=FULL``: Branchline's
``CheckpointStore.sqlite`` does so itself; LangGraph's ``SqliteSaver`` only sets WAL,
so its connection gets both pragmas here. Imports are local so that a worker loads
only the side it measures (peak memory counts what is imported).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.workload import Side

# Both libraries spell the graph's entry and exit the same way.
START = "__start__"
END = "__end__"


def state_graph(side: Side, schema: type[Any]) -> Any:
    """A new ``StateGraph(schema)`` builder of ``side``."""
    if side is Side.BRANCHLINE:
        from branchline import StateGraph as BranchlineGraph

        return BranchlineGraph(schema)
    from langgraph.graph import StateGraph as LangGraphGraph

    return LangGraphGraph(schema)


def memory_checkpointer(side: Side) -> Any:
    """The side's in-process checkpointer: ``CheckpointStore.in_memory()`` or ``InMemorySaver``."""
    if side is Side.BRANCHLINE:
        from branchline import CheckpointStore

        return CheckpointStore.in_memory()
    from langgraph.checkpoint.memory import InMemorySaver

    return InMemorySaver()


def interrupt_function(side: Side) -> Callable[[Any], Any]:
    """The side's ``interrupt(value)``, which a node calls to ask a person."""
    if side is Side.BRANCHLINE:
        from branchline import interrupt as branchline_interrupt

        return branchline_interrupt
    from langgraph.types import interrupt as langgraph_interrupt

    return langgraph_interrupt


def resume_command(side: Side, answer: Any) -> Any:
    """The side's ``Command(resume=answer)``."""
    if side is Side.BRANCHLINE:
        from branchline import Command as BranchlineCommand

        return BranchlineCommand(resume=answer)
    from langgraph.types import Command as LangGraphCommand

    return LangGraphCommand(resume=answer)


@contextmanager
def checkpointer(side: Side, path: Path) -> Iterator[Any]:
    """The side's SQLite checkpointer on ``path``, closed on exit."""
    if side is Side.BRANCHLINE:
        with _branchline_store(path) as store:
            yield store
    else:
        with _langgraph_saver(path) as saver:
            yield saver


@contextmanager
def _branchline_store(path: Path) -> Iterator[Any]:
    from branchline import CheckpointStore

    store = CheckpointStore.sqlite(path)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _langgraph_saver(path: Path) -> Iterator[Any]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        yield SqliteSaver(conn)
    finally:
        conn.close()
