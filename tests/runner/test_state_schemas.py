"""State schemas: TypedDict, dataclass and pydantic states; reducer and last-value channels."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

import pytest
from pydantic import BaseModel

from branchline import (
    START,
    CheckpointStore,
    Command,
    DeltaChannel,
    StateGraph,
    interrupt,
)


class DictState(TypedDict, total=False):
    count: int
    log: Annotated[list[str], operator.add]


@dataclass
class DataState:
    count: int = 0
    log: Annotated[list[str], operator.add] = field(default_factory=list)


class ModelState(BaseModel):
    count: int = 0
    log: Annotated[list[str], operator.add] = []


def one_node_graph(schema: Any, node: Any, store: CheckpointStore | None = None) -> Any:
    builder = StateGraph(schema)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    return builder.compile(checkpointer=store)


# What nodes receive and invoke returns ---------------------------------------------------


def test_typeddict_state_node_receives_a_dict() -> None:
    seen: list[Any] = []
    graph = one_node_graph(DictState, lambda s: seen.append(s) or {"count": s["count"] + 1})

    assert graph.invoke({"count": 1}) == {"count": 2, "log": []}
    assert seen == [{"count": 1, "log": []}]
    assert type(seen[0]) is dict


def test_dataclass_state_node_receives_a_dataclass_instance() -> None:
    seen: list[Any] = []
    graph = one_node_graph(DataState, lambda s: seen.append(s) or {"count": s.count + 1})

    graph.invoke({"count": 1})

    assert seen == [DataState(count=1, log=[])]


def test_dataclass_state_invoke_returns_a_dict() -> None:
    graph = one_node_graph(DataState, lambda s: {"count": s.count + 1, "log": ["x"]})

    assert graph.invoke({"count": 1}) == {"count": 2, "log": ["x"]}


def test_dataclass_state_accepts_a_dataclass_instance_as_input() -> None:
    graph = one_node_graph(DataState, lambda s: {"count": s.count + 1})

    assert graph.invoke(DataState(count=4, log=["a"]))["count"] == 5


def test_pydantic_state_node_receives_a_model_instance() -> None:
    seen: list[Any] = []
    graph = one_node_graph(ModelState, lambda s: seen.append(s) or {"count": s.count + 1})

    graph.invoke({"count": 1})

    assert seen == [ModelState(count=1, log=[])]


def test_pydantic_state_invoke_returns_a_dict() -> None:
    graph = one_node_graph(ModelState, lambda s: {"count": s.count + 1, "log": ["x"]})

    assert graph.invoke({"count": 1}) == {"count": 2, "log": ["x"]}


def test_pydantic_state_coerces_input_to_the_field_types() -> None:
    seen: list[Any] = []
    graph = one_node_graph(ModelState, lambda s: seen.append(s.count) or None)

    graph.invoke({"count": "3"})

    assert seen == [3]


def test_pydantic_state_rejects_invalid_input_naming_the_field(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = one_node_graph(ModelState, lambda s: None, store)

    with pytest.raises(ValueError, match="count"):
        graph.invoke({"count": "not a number"}, config)

    assert list(store.events("t1")) == []


def test_pydantic_state_rejects_invalid_node_write_naming_the_node() -> None:
    graph = one_node_graph(ModelState, lambda s: {"count": "many"})

    with pytest.raises(ValueError, match=r"'node'.*'count'"):
        graph.invoke({"count": 1})


# Channels ------------------------------------------------------------------------------


def test_reducer_channel_combines_writes_with_the_reducer() -> None:
    builder = StateGraph(DictState)
    builder.add_node("a", lambda s: {"log": ["a"]})
    builder.add_node("b", lambda s: {"log": ["b"]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")

    assert builder.compile().invoke({"log": ["in"]})["log"] == ["in", "a", "b"]


def test_reducer_list_channel_starts_empty_when_input_omits_it() -> None:
    seen: list[Any] = []
    graph = one_node_graph(DictState, lambda s: seen.append(s["log"]) or None)

    graph.invoke({"count": 0})

    assert seen == [[]]


def test_last_value_channel_is_replaced_by_each_write() -> None:
    builder = StateGraph(DictState)
    builder.add_node("a", lambda s: {"count": 10})
    builder.add_node("b", lambda s: {"count": s["count"] + 1})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")

    assert builder.compile().invoke({"count": 1})["count"] == 11


def test_keys_a_node_does_not_return_keep_their_values() -> None:
    graph = one_node_graph(DictState, lambda s: {"log": ["x"]})

    assert graph.invoke({"count": 7}) == {"count": 7, "log": ["x"]}


def test_reducer_channel_of_a_dataclass_state_combines_writes() -> None:
    builder = StateGraph(DataState)
    builder.add_node("a", lambda s: {"log": ["a"]})
    builder.add_node("b", lambda s: {"log": ["b"]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")

    assert builder.compile().invoke({"log": ["in"]})["log"] == ["in", "a", "b"]


def test_reducer_channel_of_a_pydantic_state_combines_writes() -> None:
    builder = StateGraph(ModelState)
    builder.add_node("a", lambda s: {"log": ["a"]})
    builder.add_node("b", lambda s: {"log": ["b"]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")

    assert builder.compile().invoke({"log": ["in"]})["log"] == ["in", "a", "b"]


def _unseen(state: list[str], writes: list[list[str]]) -> list[str]:
    """A step's writes in one call: the items not seen yet, in order."""
    out = list(state)
    for write in writes:
        out += [item for item in write if item not in out]
    return out


class Seen(TypedDict):
    seen: Annotated[list[str], DeltaChannel(_unseen)]


def test_a_delta_channel_key_reduces_each_steps_writes_as_langgraph(
    store: CheckpointStore,
) -> None:
    # LangGraph 1.2.22 gives the same values, history and edit for this graph.
    builder = StateGraph(Seen)
    builder.add_node("a", lambda s: {"seen": ["x", "a"]})
    builder.add_node("b", lambda s: {"seen": ["x", "b"]})
    builder.add_node("ask", lambda s: {"seen": [interrupt("more?")]})
    builder.add_edge(START, "a").add_edge(START, "b").add_edge(["a", "b"], "ask")
    graph = builder.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke({"seen": ["x"]}, config)["seen"] == ["x", "a", "b"]
    assert graph.invoke(Command(resume="a"), config) == {"seen": ["x", "a", "b"]}
    history = [s.values for s in graph.get_state_history(config)]
    assert history == [{"seen": ["x", "a", "b"]}] * 2 + [{"seen": ["x"]}, {"seen": []}]
    graph.update_state(config, {"seen": ["y", "x"]})
    assert graph.get_state(config).values == {"seen": ["x", "a", "b", "y"]}


def test_a_delta_channel_needs_a_reducer_and_a_positive_snapshot_frequency() -> None:
    with pytest.raises(TypeError, match="needs a reducer function, got 'sum'"):
        DeltaChannel("sum")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive int, got 0"):
        DeltaChannel(_unseen, snapshot_frequency=0)
