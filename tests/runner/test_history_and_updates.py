"""Reading history and editing state with update_state."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import END, START, CheckpointStore, InvalidUpdateError, StateGraph
from branchline.domain import CheckpointNotFound, ThreadNotFound, checkpoint_id


class State(TypedDict, total=False):
    go: bool
    note: str
    log: Annotated[list[str], operator.add]


def record(name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def chain(store: CheckpointStore) -> Any:
    """START -> a -> b -> (c if go else END)."""
    builder = StateGraph(State)
    for name in ("a", "b", "c"):
        builder.add_node(name, record(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_conditional_edges("b", lambda s: "c" if s.get("go") else END)
    return builder.compile(checkpointer=store)


def parallel(store: CheckpointStore) -> Any:
    builder = StateGraph(State)
    builder.add_node("a", record("a"))
    builder.add_node("b", record("b"))
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    return builder.compile(checkpointer=store)


def run_partly(graph: Any, values: Any, config: dict, supersteps: int) -> None:
    """Start a run and stop it after the input and ``supersteps`` node steps are stored."""
    stream = graph.stream(values, config, stream_mode="values")
    for _ in range(supersteps + 1):
        next(stream)
    stream.close()


def steps(snapshots: Any) -> list[int]:
    return [s.metadata["step"] for s in snapshots]


# History -------------------------------------------------------------------------------


def test_history_lists_checkpoints_newest_first(store: CheckpointStore, config: dict) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)

    history = list(graph.get_state_history(config))

    assert steps(history) == [2, 1, 0, -1]
    assert history[0] == graph.get_state(config)


def test_history_filter_keeps_checkpoints_whose_metadata_matches(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    graph.invoke({"log": []}, config)

    inputs = list(graph.get_state_history(config, filter={"source": "input"}))

    assert steps(inputs) == [3, -1]


def test_history_filter_matches_every_given_key(store: CheckpointStore, config: dict) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)

    matched = list(graph.get_state_history(config, filter={"source": "loop", "step": 1}))

    assert steps(matched) == [1]


def test_history_filter_matches_config_metadata(store: CheckpointStore) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, {"configurable": {"thread_id": "t1"}, "metadata": {"run": "x"}})
    graph.invoke({"log": []}, {"configurable": {"thread_id": "t1"}, "metadata": {"run": "y"}})

    matched = list(
        graph.get_state_history({"configurable": {"thread_id": "t1"}}, filter={"run": "x"})
    )

    assert steps(matched) == [2, 1, 0, -1]


def test_history_before_lists_only_older_checkpoints(store: CheckpointStore, config: dict) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    step_one = next(s for s in graph.get_state_history(config) if s.metadata["step"] == 1)

    older = list(graph.get_state_history(config, before=step_one.config))

    assert steps(older) == [0, -1]


def test_history_limit_keeps_the_newest(store: CheckpointStore, config: dict) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)

    assert steps(graph.get_state_history(config, limit=2)) == [2, 1]


def test_history_of_a_checkpoint_id_lists_only_that_checkpoint(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    step_zero = next(s for s in graph.get_state_history(config) if s.metadata["step"] == 0)

    only = list(graph.get_state_history(step_zero.config))

    assert [s.config for s in only] == [step_zero.config]


def test_history_of_an_unknown_thread_is_empty(store: CheckpointStore) -> None:
    graph = chain(store)

    assert list(graph.get_state_history({"configurable": {"thread_id": "never"}})) == []


def test_history_snapshots_keep_the_values_of_their_checkpoint(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)

    history = list(graph.get_state_history(config))

    assert [s.values["log"] for s in history[:3]] == [["a", "b"], ["a"], []]
    assert [s.next for s in history] == [(), ("b",), ("a",), ("__start__",)]


def test_history_snapshot_tasks_show_the_nodes_run_from_it_with_their_writes(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": ["in"]}, config)

    history = list(graph.get_state_history(config))

    assert [[(t.name, t.result) for t in s.tasks] for s in history] == [
        [],
        [("b", {"log": ["b"]})],
        [("a", {"log": ["a"]})],
        [(START, {"log": ["in"]})],
    ]


def test_get_state_of_a_stopped_run_lists_the_pending_task(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    run_partly(graph, {"log": []}, config, supersteps=1)

    tasks = graph.get_state(config).tasks

    assert [(t.name, t.error, t.interrupts) for t in tasks] == [("b", None, ())]
    assert isinstance(tasks[0].id, str)
    assert tasks[0].id


# update_state --------------------------------------------------------------------------


def test_update_state_writes_one_update_checkpoint_at_parent_step_plus_one(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    before = graph.get_state(config)
    count = len(list(graph.get_state_history(config)))

    graph.update_state(config, {"note": "edited"})

    after = graph.get_state(config)
    assert len(list(graph.get_state_history(config))) == count + 1
    assert after.metadata["source"] == "update"
    assert after.metadata["step"] == before.metadata["step"] + 1
    assert after.parent_config == before.config
    assert after.values["note"] == "edited"


def test_update_state_returns_the_config_of_the_new_checkpoint(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)

    returned = graph.update_state(config, {"note": "edited"})

    assert returned["configurable"]["thread_id"] == "t1"
    assert (
        returned["configurable"]["checkpoint_id"]
        == (graph.get_state(config).config["configurable"]["checkpoint_id"])
    )


def test_update_state_values_go_through_the_reducers(store: CheckpointStore, config: dict) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"log": ["x"]})

    assert graph.get_state(config).values["log"] == ["a", "b", "x"]


def test_update_state_leaves_earlier_snapshots_unchanged(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    head = graph.get_state(config)

    graph.update_state(config, {"log": ["x"], "note": "edited"})

    assert graph.get_state(head.config).values == head.values


def test_update_state_without_as_node_acts_as_the_last_writer(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": [], "go": False}, config)

    graph.update_state(config, {"go": True})

    assert graph.get_state(config).next == ("c",)


def test_update_state_with_as_node_routes_from_that_node(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"note": "x"}, as_node="a")

    assert graph.get_state(config).next == ("b",)
    assert graph.invoke(None, config)["log"] == ["a", "b", "b"]


def test_update_state_on_an_input_only_thread_acts_as_start(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    run_partly(graph, {"log": []}, config, supersteps=0)

    graph.update_state(config, {"note": "x"})

    state = graph.get_state(config)
    assert state.next == ("a",)
    assert state.metadata["source"] == "update"


def test_update_state_on_a_new_thread_acts_as_start(store: CheckpointStore) -> None:
    graph = chain(store)
    config = {"configurable": {"thread_id": "fresh"}}

    graph.update_state(config, {"note": "x"})

    state = graph.get_state(config)
    assert (state.values["note"], state.next) == ("x", ("a",))
    assert (state.metadata["source"], state.metadata["step"]) == ("update", 0)


def test_update_state_after_parallel_writers_needs_as_node(
    store: CheckpointStore, config: dict
) -> None:
    graph = parallel(store)
    graph.invoke({"log": []}, config)
    stored = len(list(store.events("t1")))

    with pytest.raises(InvalidUpdateError, match=r"Ambiguous.*as_node"):
        graph.update_state(config, {"note": "x"})

    assert len(list(store.events("t1"))) == stored


def test_update_state_after_parallel_writers_accepts_an_explicit_as_node(
    store: CheckpointStore, config: dict
) -> None:
    graph = parallel(store)
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"note": "x"}, as_node="a")

    assert graph.get_state(config).values["note"] == "x"


def test_update_state_with_unknown_as_node_is_an_error(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    stored = len(list(store.events("t1")))

    with pytest.raises(InvalidUpdateError, match="'ghost'"):
        graph.update_state(config, {"note": "x"}, as_node="ghost")

    assert len(list(store.events("t1"))) == stored


def test_update_state_as_end_with_none_clears_next(store: CheckpointStore, config: dict) -> None:
    graph = chain(store)
    run_partly(graph, {"log": []}, config, supersteps=1)
    assert graph.get_state(config).next == ("b",)

    graph.update_state(config, None, as_node=END)

    assert graph.get_state(config).next == ()
    assert graph.invoke(None, config)["log"] == ["a"]


def test_update_state_with_none_as_node_skips_that_node(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    run_partly(graph, {"log": [], "go": True}, config, supersteps=1)

    graph.update_state(config, None, as_node="b")

    assert graph.get_state(config).next == ("c",)
    assert graph.invoke(None, config)["log"] == ["a", "c"]


# Unknown checkpoints -------------------------------------------------------------------


def test_get_state_with_a_malformed_checkpoint_id_raises(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    bad = {"configurable": {"thread_id": "t1", "checkpoint_id": "not-an-id"}}

    with pytest.raises(LookupError, match="'not-an-id'"):
        graph.get_state(bad)


def test_get_state_with_an_unknown_checkpoint_id_raises(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, config)
    unknown = checkpoint_id("t1", 999)

    with pytest.raises(LookupError, match=f"checkpoint_id '{unknown}' is not a checkpoint of"):
        graph.get_state({"configurable": {"thread_id": "t1", "checkpoint_id": unknown}})


def test_get_state_with_a_checkpoint_id_of_another_thread_raises(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    graph.invoke({"log": []}, {"configurable": {"thread_id": "other"}})
    graph.invoke({"log": []}, config)
    foreign = graph.get_state({"configurable": {"thread_id": "other"}}).config
    cid = foreign["configurable"]["checkpoint_id"]

    with pytest.raises(LookupError, match="does not belong to thread 't1'") as caught:
        graph.get_state({"configurable": {"thread_id": "t1", "checkpoint_id": cid}})

    assert isinstance(caught.value, CheckpointNotFound | ThreadNotFound)


def test_get_state_with_a_checkpoint_id_of_an_unknown_thread_raises(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store)
    cid = checkpoint_id("never", 2)

    with pytest.raises(LookupError, match="'never'"):
        graph.get_state({"configurable": {"thread_id": "never", "checkpoint_id": cid}})
