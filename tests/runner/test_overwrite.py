"""Overwrite(value): a write that replaces a reducer key's value instead of reducing it,
as LangGraph 1.2.22's (checked by running both)."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    START,
    CheckpointStore,
    Command,
    InvalidUpdateError,
    Overwrite,
    StateGraph,
    interrupt,
)


class State(TypedDict):
    items: Annotated[list[str], operator.add]


def replaces(state: State) -> dict[str, Any]:
    return {"items": Overwrite(["new"])}


def replaces_too(state: State) -> dict[str, Any]:
    return {"items": Overwrite(["other"])}


def adds(state: State) -> dict[str, Any]:
    return {"items": ["added"]}


def parallel(*nodes: Any, store: CheckpointStore | None = None) -> Any:
    builder = StateGraph(State)
    for node in nodes:
        builder.add_node(node).add_edge(START, node.__name__)
    return builder.compile(checkpointer=store)


def test_an_overwrite_replaces_the_value_instead_of_reducing() -> None:
    # LangGraph gives the same: {"items": ["new"]}.
    assert parallel(replaces).invoke({"items": ["a", "b"]}) == {"items": ["new"]}


def test_the_other_writes_of_the_step_give_way_to_the_overwrite() -> None:
    # LangGraph gives the same: the plain write after it in the step is dropped.
    assert parallel(replaces, adds).invoke({"items": ["a"]}) == {"items": ["new"]}


def test_two_overwrites_of_a_key_in_one_step_are_refused_and_write_nothing(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph raises InvalidUpdateError too ("only one Overwrite value per super-step").
    graph = parallel(replaces, replaces_too, store=store)

    with pytest.raises(InvalidUpdateError, match="only one Overwrite value per step") as error:
        graph.invoke({"items": ["a"]}, config)

    assert "'replaces_too' wrote a second one" in str(error.value)
    assert [s.metadata["step"] for s in graph.get_state_history(config)] == [0, -1]
    assert graph.get_state(config).values == {"items": ["a"]}


@pytest.mark.parametrize(
    "write",
    [{"__overwrite__": ["dict"]}, {"value": ["dict"], "type": "__overwrite__"}],
    ids=["sentinel key", "json form"],
)
def test_the_dict_forms_of_an_overwrite_mean_the_same(write: dict[str, Any]) -> None:
    # LangGraph gives the same: {"items": ["dict"]}.
    def node(state: State) -> dict[str, Any]:
        return {"items": write}

    assert parallel(node).invoke({"items": ["a"]}) == {"items": ["dict"]}


def test_input_an_update_and_a_command_may_overwrite(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same three values.
    def commands(state: State) -> Command[Any]:
        return Command(update={"items": Overwrite(["cmd"])})

    assert parallel(adds).invoke({"items": Overwrite(["in"])}) == {"items": ["in", "added"]}
    assert parallel(commands).invoke({"items": ["a"]}) == {"items": ["cmd"]}
    graph = parallel(adds, store=store)
    graph.invoke({"items": ["p"]}, config)
    graph.update_state(config, {"items": Overwrite(["edited"])})
    assert graph.get_state(config).values == {"items": ["edited"]}


def test_the_updates_stream_shows_the_overwrite_as_returned() -> None:
    # LangGraph gives the same chunk.
    chunks = list(parallel(replaces).stream({"items": ["a"]}, stream_mode="updates"))

    assert chunks == [{"replaces": {"items": Overwrite(["new"])}}]


def test_an_overwrite_of_a_finished_task_applies_again_when_its_sibling_resumes(
    tmp_path: Path,
) -> None:
    # LangGraph gives the same: ["new"] (the answer is written before the overwrite, in
    # node-name order, and "zadds" after it is dropped).
    def asks(state: State) -> dict[str, Any]:
        return {"items": [interrupt("which?")]}

    def zadds(state: State) -> dict[str, Any]:
        return {"items": ["z"]}

    config = {"configurable": {"thread_id": "t1"}}
    with CheckpointStore.sqlite(tmp_path / "threads.db") as store:
        parallel(replaces, asks, zadds, store=store).invoke({"items": ["a"]}, config)
    with CheckpointStore.sqlite(tmp_path / "threads.db") as store:
        graph = parallel(replaces, asks, zadds, store=store)
        assert graph.invoke(Command(resume="r"), config) == {"items": ["new"]}


def test_an_overwrite_of_a_key_without_a_reducer_stores_the_value() -> None:
    # LangGraph stores the Overwrite object itself (docs/differences.md, "stored values
    # stay plain").
    class Plain(TypedDict):
        plain: str

    builder = StateGraph(Plain).add_node("a", lambda s: {"plain": Overwrite("x")})
    graph = builder.add_edge(START, "a").compile(checkpointer=CheckpointStore.in_memory())
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke({"plain": "p"}, config) == {"plain": "x"}
    assert graph.get_state(config).values == {"plain": "x"}
