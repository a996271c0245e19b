"""``get_graph().draw_mermaid()``: the Mermaid text LangGraph 1.2.22 draws for the same
graph (each expected text is LangGraph's output, checked by running both)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal

import pytest
from typing_extensions import TypedDict

from branchline import END, START, StateGraph


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def record(name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def builder_of(*names: str) -> StateGraph:
    builder = StateGraph(State)
    for name in names:
        builder.add_node(name, record(name))
    return builder


STYLES = (
    "\tclassDef default fill:#f2f0ff,line-height:1.2\n"
    "\tclassDef first fill-opacity:0\n"
    "\tclassDef last fill:#bfb6fc\n"
)


def test_draw_mermaid_shows_nodes_edges_dotted_branches_and_breakpoints() -> None:
    builder = builder_of("a", "b", "c", "d")
    builder.add_edge(START, "a")
    builder.add_conditional_edges("a", lambda s: "b", {"go left": "b", "c": "c", "stop": END})
    builder.add_edge(["b", "c"], "d")
    graph = builder.compile(interrupt_before=["b"], interrupt_after=["b", "c"])

    # LangGraph gives the same text.
    assert graph.get_graph().draw_mermaid() == (
        "---\nconfig:\n  flowchart:\n    curve: linear\n---\ngraph TD;\n"
        "\t__start__([<p>__start__</p>]):::first\n"
        "\ta(a)\n"
        "\tb(b<hr/><small><em>__interrupt = before,after</em></small>)\n"
        "\tc(c<hr/><small><em>__interrupt = after</em></small>)\n"
        "\td(d)\n"
        "\t__end__([<p>__end__</p>]):::last\n"
        "\t__start__ --> a;\n"
        "\ta -. &nbsp;stop&nbsp; .-> __end__;\n"
        "\ta -. &nbsp;go left&nbsp; .-> b;\n"
        "\ta -.-> c;\n"
        "\tb --> d;\n"
        "\tc --> d;\n"
        "\td --> __end__;\n" + STYLES
    )


def test_draw_mermaid_reads_a_path_function_s_literal_return_annotation() -> None:
    def route(state: State) -> Literal["b", "__end__"]:
        return "b"

    builder = builder_of("a", "b", "my node")
    builder.add_conditional_edges(START, route, ["a", "b"])
    builder.add_conditional_edges("a", route)
    builder.add_edge("b", "my node")

    # LangGraph gives the same text (a space in a name is escaped in the node's id).
    assert builder.compile().get_graph().draw_mermaid(with_styles=False) == (
        "graph TD;\n"
        "\t__start__ -.-> a;\n"
        "\t__start__ -.-> b;\n"
        "\ta -.-> __end__;\n"
        "\ta -.-> b;\n"
        "\tb --> my\\20node;\n"
        "\tmy\\20node --> __end__;\n"
    )


def test_draw_mermaid_of_an_agent_loop_without_declared_routes() -> None:
    def should_continue(state: State) -> str:
        return END

    builder = builder_of("agent", "tools")
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", should_continue)
    builder.add_edge("tools", "agent")

    # LangGraph gives the same text: undeclared routes are not drawn.
    assert builder.compile().get_graph().draw_mermaid(with_styles=False) == (
        "graph TD;\n\t__start__ --> agent;\n\tagent --> __end__;\n"
    )


def test_draw_mermaid_draws_a_join_s_edges_solid() -> None:
    builder = builder_of("a", "b", "c", "d")
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("a", "c")
    builder.add_edge(["b", "c"], "d")

    # LangGraph gives the same text.
    assert builder.compile().get_graph().draw_mermaid(with_styles=False) == (
        "graph TD;\n"
        "\t__start__ --> a;\n"
        "\ta --> b;\n"
        "\ta --> c;\n"
        "\tb --> d;\n"
        "\tc --> d;\n"
        "\td --> __end__;\n"
    )


def test_get_graph_lists_the_nodes_and_edges() -> None:
    builder = builder_of("a")
    builder.add_edge(START, "a")
    builder.add_edge("a", END)

    drawn = builder.compile().get_graph()

    # LangGraph gives the same nodes and edges.
    assert list(drawn.nodes) == ["__start__", "a", "__end__"]
    assert [(e.source, e.target, e.conditional) for e in drawn.edges] == [
        ("__start__", "a", False),
        ("a", "__end__", False),
    ]


def test_draw_ascii_is_refused_with_a_pointer_to_draw_mermaid() -> None:
    builder = builder_of("a")
    builder.add_edge(START, "a")

    with pytest.raises(NotImplementedError, match=r"use graph.get_graph\(\).draw_mermaid\(\)"):
        builder.compile().get_graph().draw_ascii()


def test_xray_of_a_graph_with_subgraphs_is_refused_naming_them() -> None:
    inner = builder_of("a")
    inner.add_edge(START, "a")
    outer = StateGraph(State)
    outer.add_node("sub", inner.compile())
    outer.add_edge(START, "sub")

    with pytest.raises(NotImplementedError, match=r"subgraph nodes \['sub'\]"):
        outer.compile().get_graph(xray=True)
