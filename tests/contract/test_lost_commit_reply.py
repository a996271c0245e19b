"""PostgreSQL: a commit whose reply is lost with the connection is found, and counts once.

The fault is injected where it happens: the server commits the append's transaction,
then the connection drops before the client reads the reply, so the client sees
``psycopg.OperationalError`` although the rows are stored. The library then retries the
insert, which conflicts with those very rows; that must not pass for another writer.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypedDict

import psycopg
import pytest

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    CompiledStateGraph,
    StateGraph,
    interrupt,
)
from branchline.domain.model.events import Resumed
from tests.conftest import OpenPostgres


class LostReplies:
    """Drops the connection right after a committed insert, ``times`` times (or before
    the commit, with ``before_commit``: the append then did not land)."""

    def __init__(self, store: CheckpointStore, times: int, *, before_commit: bool = False) -> None:
        self.left, self.before_commit, self.dropped = times, before_commit, 0
        log = store._logs[0]
        recorder: Any = log.recorder
        datastore, self._local = recorder.datastore, threading.local()
        real_get, real_insert = datastore.get_connection, recorder._insert_stored_events

        def insert(curs: Any, stored: Any, **kwargs: Any) -> Any:
            self._local.inserting = True
            if self.before_commit and self._take():
                raise psycopg.OperationalError("server closed the connection unexpectedly")
            return real_insert(curs, stored, **kwargs)

        @contextmanager
        def get_connection() -> Iterator[Any]:
            self._local.inserting = False
            with real_get() as conn:
                yield conn  # an insert's transaction commits in here
                if self._local.inserting and not self.before_commit and self._take():
                    conn.close()
                    raise psycopg.OperationalError("server closed the connection unexpectedly")

        recorder._insert_stored_events = insert
        datastore.get_connection = get_connection

    def _take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        self.dropped += 1
        return True


class Count(TypedDict, total=False):
    n: int
    verdict: str


def _counter(store: CheckpointStore, steps: int) -> CompiledStateGraph:
    builder = StateGraph(Count)
    names = [f"s{i}" for i in range(steps)]
    for name in names:
        builder.add_node(name, lambda s: {"n": s.get("n", 0) + 1})
    builder.add_edge(START, names[0])
    for a, b in itertools.pairwise(names):
        builder.add_edge(a, b)
    builder.add_edge(names[-1], END)
    return builder.compile(checkpointer=store)


def _approval(store: CheckpointStore) -> CompiledStateGraph:
    builder = StateGraph(Count)
    builder.add_node("ask", lambda s: {"verdict": interrupt("approve?")})
    builder.add_node("act", lambda s: {"n": 1 if s["verdict"] == "yes" else 0})
    builder.add_edge(START, "ask")
    builder.add_edge("ask", "act")
    builder.add_edge("act", END)
    return builder.compile(checkpointer=store)


@pytest.mark.postgres
def test_every_append_whose_reply_is_lost_counts_once(open_postgres: OpenPostgres) -> None:
    store = open_postgres()
    config = {"configurable": {"thread_id": "t"}}
    faults = LostReplies(store, times=100)
    assert _counter(store, 5).invoke({"n": 0}, config) == {"n": 5}
    assert faults.dropped >= 6  # the input and every step
    fresh = open_postgres()  # another process reads exactly one copy of each step
    history = list(_counter(fresh, 5).get_state_history(config))
    assert [s.metadata["step"] for s in history if s.metadata] == [5, 4, 3, 2, 1, 0, -1]
    versions = [e.originator_version for e in fresh.events("t")]
    assert versions == list(range(1, len(versions) + 1))


@pytest.mark.postgres
def test_a_resume_whose_reply_is_lost_is_recorded_once_and_the_run_goes_on(
    open_postgres: OpenPostgres,
) -> None:
    store = open_postgres()
    graph = _approval(store)
    config = {"configurable": {"thread_id": "t", "actor": "dana"}}
    graph.invoke({}, config)
    faults = LostReplies(store, times=1)
    assert graph.invoke(Command(resume="yes"), config) == {"verdict": "yes", "n": 1}
    assert faults.dropped == 1
    answers = [e for e in open_postgres().events("t") if isinstance(e, Resumed)]
    assert [(a.actor, a.value) for a in answers] == [("dana", "yes")]


@pytest.mark.postgres
def test_an_append_that_did_not_land_still_fails_and_writes_nothing(
    open_postgres: OpenPostgres,
) -> None:
    store = open_postgres()
    graph = _approval(store)
    config = {"configurable": {"thread_id": "t", "actor": "dana"}}
    graph.invoke({}, config)
    before = list(open_postgres().events("t"))
    LostReplies(store, times=100, before_commit=True)
    with pytest.raises(Exception, match="server closed the connection unexpectedly"):
        graph.invoke(Command(resume="yes"), config)
    assert list(open_postgres().events("t")) == before
