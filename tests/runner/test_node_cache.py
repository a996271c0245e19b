"""add_node(..., cache_policy=CachePolicy(...)) with compile(cache=InMemoryCache()): a
node's result reused for the same input, as LangGraph 1.2.22's (checked by running both).
Only the clock is replaced, for the time-to-live."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import START, CachePolicy, CheckpointStore, InMemoryCache, StateGraph
from branchline.domain.model import clock


class State(TypedDict):
    log: Annotated[list[str], operator.add]
    query: str


class Counted:
    """A slow node: counts its calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, state: State) -> dict[str, Any]:
        self.calls.append(state["query"])
        return {"log": [state["query"] + "!"]}


def cached_graph(
    node: Counted,
    policy: CachePolicy | None = None,
    cache: InMemoryCache | None = None,
    store: CheckpointStore | None = None,
) -> Any:
    builder = StateGraph(State).add_node("search", node, cache_policy=policy or CachePolicy())
    builder.add_edge(START, "search")
    return builder.compile(cache=cache or InMemoryCache(), checkpointer=store)


def test_the_same_input_is_answered_from_the_cache_without_running_the_node() -> None:
    # LangGraph gives the same: the node runs once for "a", once for "b".
    node = Counted()
    graph = cached_graph(node)

    first = graph.invoke({"log": [], "query": "a"})
    again = graph.invoke({"log": [], "query": "a"})
    graph.invoke({"log": [], "query": "b"})

    assert first == again == {"log": ["a!"], "query": "a"}
    assert node.calls == ["a", "b"]


def test_the_default_key_is_the_whole_input() -> None:
    # LangGraph gives the same: another value of any key is another input.
    node = Counted()
    graph = cached_graph(node)

    graph.invoke({"log": [], "query": "a"})
    graph.invoke({"log": ["older"], "query": "a"})

    assert node.calls == ["a", "a"]


def test_key_func_chooses_what_makes_two_inputs_the_same() -> None:
    node = Counted()
    graph = cached_graph(node, CachePolicy(key_func=lambda state: state["query"]))

    graph.invoke({"log": [], "query": "a"})

    assert graph.invoke({"log": ["older"], "query": "a"}) == {"log": ["older", "a!"], "query": "a"}
    assert node.calls == ["a"]


def test_a_cached_update_is_streamed_marked_as_cached() -> None:
    # LangGraph gives the same chunks, and no task result for the cached task.
    graph = cached_graph(Counted())
    graph.invoke({"log": [], "query": "a"})

    chunks = list(graph.stream({"log": [], "query": "a"}, stream_mode=["updates", "tasks"]))

    assert [c for mode, c in chunks if mode == "updates"] == [
        {"search": {"log": ["a!"]}, "__metadata__": {"cached": True}}
    ]
    assert [c["name"] for mode, c in chunks if mode == "tasks" and "result" in c] == []


def test_the_history_records_a_cached_task_as_any_other(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same task result.
    cache = InMemoryCache()
    cached_graph(Counted(), cache=cache).invoke({"log": [], "query": "a"})
    graph = cached_graph(Counted(), cache=cache, store=store)

    graph.invoke({"log": [], "query": "a"}, config)

    step = next(s for s in graph.get_state_history(config) if s.next == ("search",))
    assert [(t.name, t.result) for t in step.tasks] == [("search", {"log": ["a!"]})]


@pytest.fixture
def now() -> Iterator[list[datetime]]:
    """The clock, set by the test: ``now[0]``."""
    moment = [datetime(2026, 1, 1, tzinfo=UTC)]
    clock.set_clock(lambda: moment[0])
    yield moment
    clock.set_clock(None)


def test_an_entry_expires_after_its_ttl(now: list[datetime]) -> None:
    node = Counted()
    graph = cached_graph(node, CachePolicy(ttl=60))
    graph.invoke({"log": [], "query": "a"})

    now[0] += timedelta(seconds=59)
    graph.invoke({"log": [], "query": "a"})
    now[0] += timedelta(seconds=1)
    graph.invoke({"log": [], "query": "a"})

    assert node.calls == ["a", "a"]


def test_a_cleared_cache_runs_the_node_again() -> None:
    # LangGraph gives the same.
    node, cache = Counted(), InMemoryCache()
    graph = cached_graph(node, cache=cache)
    graph.invoke({"log": [], "query": "a"})

    cache.clear()
    graph.invoke({"log": [], "query": "a"})

    assert node.calls == ["a", "a"]


def test_without_a_cache_at_compile_the_policy_changes_nothing() -> None:
    # LangGraph gives the same: the node runs every time.
    node = Counted()
    builder = StateGraph(State).add_node("search", node, cache_policy=CachePolicy())
    graph = builder.add_edge(START, "search").compile()

    graph.invoke({"log": [], "query": "a"})
    graph.invoke({"log": [], "query": "a"})

    assert node.calls == ["a", "a"]


def test_an_error_is_not_cached() -> None:
    calls: list[int] = []

    def fails_once(state: State) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("down")
        return {"log": ["ok"]}

    builder = StateGraph(State).add_node("a", fails_once, cache_policy=CachePolicy())
    graph = builder.add_edge(START, "a").compile(cache=InMemoryCache())
    with pytest.raises(ConnectionError):
        graph.invoke({"log": [], "query": "q"})

    assert graph.invoke({"log": [], "query": "q"}) == {"log": ["ok"], "query": "q"}


def test_a_key_func_returning_another_type_is_a_clear_error() -> None:
    graph = cached_graph(Counted(), CachePolicy(key_func=lambda state: 42))  # type: ignore[arg-type,return-value]

    with pytest.raises(TypeError, match=r"key_func returned int 42; it must return a str or bytes"):
        graph.invoke({"log": [], "query": "a"})


def test_compile_refuses_a_cache_of_another_type() -> None:
    builder = StateGraph(State).add_node("a", Counted()).add_edge(START, "a")

    with pytest.raises(
        TypeError, match=r"compile\(cache=\.\.\.\) takes an InMemoryCache, got dict"
    ):
        builder.compile(cache={})  # type: ignore[arg-type]
