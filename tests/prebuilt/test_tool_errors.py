"""What ToolNode does when a tool fails (``handle_tool_errors``), as LangGraph's: each
answer below was checked against LangGraph 1.2.22 by running the same graph on it."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from tool_agent import agent_graph, asking, call

from branchline.prebuilt import ToolNode
from branchline.prebuilt.tool_errors import ToolInvocationError


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@tool
def fetch(url: str) -> str:
    """Fetch a page."""
    raise ValueError(f"cannot reach {url}")


FAILING = [asking(call("fetch", "c1", url="x.test")), AIMessage("sorry")]
THE_ERROR = "Error: ValueError('cannot reach x.test')\n Please fix your mistakes."


def answer(store: Any, config: dict[str, Any], handle_tool_errors: Any) -> tuple[str, str]:
    """The ToolMessage answering the failing call, with ``handle_tool_errors``."""
    options = {"handle_tool_errors": handle_tool_errors}
    graph = agent_graph(store, [fetch], FAILING, tool_node=options)
    result = graph.invoke({"messages": [HumanMessage("read x.test")]}, config)
    message = result["messages"][2]
    assert isinstance(message, ToolMessage) and message.tool_call_id == "c1"
    return message.content, message.status


def test_by_default_arguments_the_tool_refuses_are_answered(
    store: Any, config: dict[str, Any]
) -> None:
    replies = [asking(call("add", "c1", a="one")), AIMessage("sorry")]
    graph = agent_graph(store, [add], replies)

    result = graph.invoke({"messages": [HumanMessage("one plus?")]}, config)

    # LangGraph gives the same text.
    assert (result["messages"][2].content, result["messages"][2].status) == (
        "Error invoking tool 'add' with kwargs {'a': 'one'} with error:\n"
        " a: Input should be a valid integer, unable to parse string as an integer\n"
        "b: Field required\n"
        " Please fix the error and try again.",
        "error",
    )


def test_by_default_an_error_of_the_tool_fails_the_run_and_writes_nothing(
    store: Any, config: dict[str, Any]
) -> None:
    graph = agent_graph(store, [fetch], FAILING)

    # LangGraph raises the tool's error too.
    with pytest.raises(ValueError, match=r"^cannot reach x\.test"):
        graph.invoke({"messages": [HumanMessage("read x.test")]}, config)

    state = graph.get_state(config)
    assert state.next == ("tools",) and len(state.values["messages"]) == 2


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (True, THE_ERROR),
        ("That failed, try another way.", "That failed, try another way."),
        (ValueError, THE_ERROR),
        ((KeyError, ValueError), THE_ERROR),
    ],
    ids=["true", "str", "type", "tuple"],
)
def test_handled_errors_are_answered(
    store: Any, config: dict[str, Any], option: Any, expected: str
) -> None:
    # LangGraph gives the same texts.
    assert answer(store, config, option) == (expected, "error")


def test_a_handler_function_answers_the_errors_it_is_annotated_with(
    store: Any, config: dict[str, Any]
) -> None:
    def explain(error: ValueError) -> str:
        return f"the page is down ({error})"

    # LangGraph gives the same.
    assert answer(store, config, explain) == ("the page is down (cannot reach x.test)", "error")


@pytest.mark.parametrize("option", [False, KeyError], ids=["false", "other-type"])
def test_errors_not_handled_fail_the_run(store: Any, config: dict[str, Any], option: Any) -> None:
    # LangGraph raises the tool's error too.
    with pytest.raises(ValueError, match=r"cannot reach x\.test"):
        answer(store, config, option)


def test_a_handler_function_lets_other_errors_fail_the_run(
    store: Any, config: dict[str, Any]
) -> None:
    def explain(error: KeyError) -> str:
        return "missing key"

    # LangGraph raises the tool's error too.
    with pytest.raises(ValueError, match=r"cannot reach x\.test"):
        answer(store, config, explain)


def test_with_errors_unhandled_refused_arguments_fail_the_run(
    store: Any, config: dict[str, Any]
) -> None:
    replies = [asking(call("add", "c1", a=1, b="two")), AIMessage("sorry")]
    graph = agent_graph(store, [add], replies, tool_node={"handle_tool_errors": False})

    # LangGraph raises the same error.
    with pytest.raises(ToolInvocationError, match="b: Input should be a valid integer"):
        graph.invoke({"messages": [HumanMessage("1 + two?")]}, config)


@pytest.mark.parametrize(
    ("option", "says"),
    [
        (3, "ToolNode got handle_tool_errors=3; pass True or False, a str"),
        ((ValueError, "oops"), "ToolNode got handle_tool_errors=(<class 'ValueError'>, 'oops')"),
    ],
    ids=["number", "tuple-with-a-str"],
)
def test_a_handle_tool_errors_of_the_wrong_kind_is_refused_at_once(option: Any, says: str) -> None:
    # Better: LangGraph takes it and fails only when a tool first fails.
    with pytest.raises(TypeError) as refused:
        ToolNode([fetch], handle_tool_errors=option)

    assert str(refused.value).startswith(says)


def test_a_handler_annotated_with_something_else_than_exceptions_is_refused() -> None:
    def explain(error: str) -> str:
        return "no"

    # Better: LangGraph refuses it (ValueError) only when a tool first fails.
    with pytest.raises(TypeError, match="parameter 'error' is annotated <class 'str'>"):
        ToolNode([fetch], handle_tool_errors=explain)
