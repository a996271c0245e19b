"""Building graphs: compile-time validation, node naming, joins and conditional edges."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import END, START, CheckpointStore, GraphValidationError, StateGraph


class State(TypedDict, total=False):
    route: str
    log: Annotated[list[str], operator.add]


def record(name: str) -> Any:
    """A node that appends its name to the log."""

    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def noop(state: State) -> None:
    return None


# Validation ----------------------------------------------------------------------------


def test_compile_reports_every_problem_at_once() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_node(START, noop)
    builder.add_node(END, noop)
    builder.add_edge("a", "ghost")
    builder.add_edge("nowhere", "a")

    with pytest.raises(GraphValidationError) as caught:
        builder.compile(interrupt_before=["missing"])

    message = str(caught.value)
    assert len(caught.value.problems) == 6
    assert "6 problem(s)" in message
    for fragment in (
        "node name '__start__' is reserved",
        "node name '__end__' is reserved",
        "ends at unknown node 'ghost'",
        "starts at unknown node 'nowhere'",
        "no edge from START",
        "interrupt_before names unknown node 'missing'",
    ):
        assert fragment in message


def test_graph_validation_error_is_a_value_error() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)

    with pytest.raises(ValueError, match="no edge from START"):
        builder.compile()


def test_edge_to_unknown_node_is_reported_with_its_name() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_edge(START, "a")
    builder.add_edge("a", "ghost")

    with pytest.raises(GraphValidationError, match="'a' -> 'ghost' ends at unknown node 'ghost'"):
        builder.compile()


def test_edge_from_unknown_node_is_reported_with_its_name() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_edge(START, "a")
    builder.add_edge("nowhere", "a")

    with pytest.raises(GraphValidationError, match="starts at unknown node 'nowhere'"):
        builder.compile()


def test_adding_a_node_name_twice_is_an_error_at_once() -> None:
    # LangGraph: ValueError("Node `a` already present.") from the second add_node.
    builder = StateGraph(State)
    builder.add_node("a", noop)

    with pytest.raises(GraphValidationError, match="node 'a' is added twice"):
        builder.add_node("a", noop)


@pytest.mark.parametrize("name", [START, END])
def test_reserved_node_name_is_reported(name: str) -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_node(name, noop)
    builder.add_edge(START, "a")

    with pytest.raises(GraphValidationError, match=f"node name '{name}' is reserved"):
        builder.compile()


def test_graph_without_edge_from_start_is_reported() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_edge("a", END)

    with pytest.raises(GraphValidationError, match="no edge from START"):
        builder.compile()


def test_unknown_interrupt_before_node_is_reported_at_compile() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_edge(START, "a")

    with pytest.raises(GraphValidationError, match="interrupt_before names unknown node 'missing'"):
        builder.compile(interrupt_before=["missing"])


def test_conditional_edge_path_map_to_unknown_node_is_reported() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_edge(START, "a")
    builder.add_conditional_edges("a", lambda s: "x", {"x": "ghost"})

    with pytest.raises(GraphValidationError, match="maps to unknown node 'ghost'"):
        builder.compile()


def test_valid_graph_compiles() -> None:
    builder = StateGraph(State)
    builder.add_node("a", noop)
    builder.add_edge(START, "a")
    builder.add_edge("a", END)

    assert builder.compile().invoke({"route": "x"}) == {"route": "x", "log": []}


# Nodes and edges -----------------------------------------------------------------------


def greet(state: State) -> dict[str, Any]:
    return {"log": ["hello"]}


def test_add_node_with_a_function_names_the_node_after_it(store: CheckpointStore) -> None:
    builder = StateGraph(State)
    builder.add_node(greet)
    builder.add_edge(START, "greet")
    graph = builder.compile()

    assert list(graph.stream({"log": []})) == [{"greet": {"log": ["hello"]}}]


def test_set_entry_and_finish_point_are_edges_from_start_and_to_end() -> None:
    builder = StateGraph(State)
    builder.add_node("a", record("a"))
    builder.set_entry_point("a")
    builder.set_finish_point("a")

    assert builder.compile().invoke({"log": []}) == {"log": ["a"]}


def test_set_conditional_entry_point_routes_from_start() -> None:
    # LangGraph: the same as add_conditional_edges(START, path, path_map).
    builder = StateGraph(State)
    builder.add_node("a", record("a")).add_node("b", record("b"))
    builder.set_conditional_entry_point(
        lambda s: "left" if not s["log"] else "right", {"left": "a", "right": "b"}
    )
    graph = builder.compile()
    assert graph.invoke({"log": []}) == {"log": ["a"]}
    assert graph.invoke({"log": ["x"]}) == {"log": ["x", "b"]}


def test_join_node_runs_once_after_all_its_sources(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    builder = StateGraph(State)
    for name in ("a", "a2", "b", "joined"):
        builder.add_node(name, record(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "a2")
    builder.add_edge(START, "b")
    builder.add_edge(["a2", "b"], "joined")
    builder.add_edge("joined", END)
    graph = builder.compile(checkpointer=store)

    result = graph.invoke({"log": []}, config)

    assert result["log"].count("joined") == 1
    assert result["log"][-1] == "joined"
    assert sorted(result["log"][:-1]) == ["a", "a2", "b"]


def test_plain_edges_into_one_node_run_it_each_time_a_source_finishes() -> None:
    builder = StateGraph(State)
    for name in ("a", "a2", "b", "c"):
        builder.add_node(name, record(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "a2")
    builder.add_edge(START, "b")
    builder.add_edge("a2", "c")
    builder.add_edge("b", "c")

    result = builder.compile().invoke({"log": []})

    assert result["log"].count("c") == 2


# Conditional edges ---------------------------------------------------------------------


def branching(path: Any, path_map: Any = None) -> StateGraph:
    builder = StateGraph(State)
    for name in ("router", "left", "right"):
        builder.add_node(name, record(name))
    builder.add_edge(START, "router")
    builder.add_conditional_edges("router", path, path_map)
    builder.add_edge("left", END)
    builder.add_edge("right", END)
    return builder


def test_conditional_edge_goes_to_the_node_the_path_names() -> None:
    graph = branching(lambda s: s["route"]).compile()

    assert graph.invoke({"route": "right"})["log"] == ["router", "right"]


def test_conditional_edge_path_sees_the_state_after_the_source_node() -> None:
    builder = StateGraph(State)
    builder.add_node("router", lambda s: {"route": "left"})
    builder.add_node("left", record("left"))
    builder.add_node("right", record("right"))
    builder.add_edge(START, "router")
    builder.add_conditional_edges("router", lambda s: s["route"])

    assert builder.compile().invoke({"route": "right"})["log"] == ["left"]


def test_conditional_edge_to_a_list_of_names_runs_them_in_one_step(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = branching(lambda s: ["left", "right"]).compile(checkpointer=store)

    result = graph.invoke({"route": ""}, config)

    assert sorted(result["log"]) == ["left", "right", "router"]
    steps = [s.metadata["step"] for s in graph.get_state_history(config)]
    assert steps == [2, 1, 0, -1]


def test_conditional_edge_to_end_finishes_the_run() -> None:
    graph = branching(lambda s: END).compile()

    assert graph.invoke({"route": ""})["log"] == ["router"]


def test_conditional_edge_path_map_dict_translates_the_path_result() -> None:
    graph = branching(lambda s: s["route"] == "go-left", {True: "left", False: "right"}).compile()

    assert graph.invoke({"route": "go-left"})["log"] == ["router", "left"]
    assert graph.invoke({"route": "stay"})["log"] == ["router", "right"]


def test_conditional_edge_path_map_dict_can_map_to_end() -> None:
    graph = branching(lambda s: s["route"], {"stop": END, "go": "left"}).compile()

    assert graph.invoke({"route": "stop"})["log"] == ["router"]


def test_conditional_edge_path_map_list_names_the_allowed_targets() -> None:
    graph = branching(lambda s: s["route"], ["left", "right"]).compile()

    assert graph.invoke({"route": "left"})["log"] == ["router", "left"]
