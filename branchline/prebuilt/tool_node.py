"""``ToolNode``: the graph node that runs the tool calls of a chat model's last message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, tool
from pydantic import ValidationError

from branchline.prebuilt.tool_calls import InputKind, requested_calls
from branchline.prebuilt.tool_errors import (
    ErrorOption,
    ErrorPolicy,
    ToolInvocationError,
    answer_invocation_errors,
)
from branchline.prebuilt.tool_output import Result, keeping_commands, node_output, tool_result
from branchline.runner.aio import awaited
from branchline.runner.node_call import SIGNALS


class ToolNode:
    """A node that runs the tool calls of the last ``AIMessage`` in the state's messages
    and answers each with a ``ToolMessage`` (its ``tool_call_id`` and ``name`` those of the
    call), as LangGraph's ``ToolNode``::

        builder.add_node(ToolNode([get_weather, book_hotel]))   # named "tools"
        builder.add_conditional_edges("agent", tools_condition)

    ``tools``: LangChain tools (``@tool`` functions) or plain functions (made tools by
    their signature and docstring). The input is a state with the messages under
    ``messages_key`` (the node returns ``{messages_key: [ToolMessage, ...]}``) or a list
    of messages (it returns the list of ToolMessages). A call naming no tool is answered
    with an error message; what a failing tool does is ``handle_tool_errors``'s choice
    (see ``branchline.prebuilt.tool_errors``). A tool may return a ``Command`` to update
    the state itself (with the ``ToolMessage`` answering its call in the update), and
    may call ``interrupt()``: the node pauses, and on resume runs again from its first
    call, the answered ``interrupt()`` returning the answer.

    ``tags`` are taken as LangGraph takes them (for tracing), and not used here.
    ``tools_by_name`` lists the tools.

    The calls run one after another, in order (LangGraph runs them in a thread pool):
    each ``interrupt()`` is then asked and answered in the same order on every run.
    """

    def __init__(
        self,
        tools: Sequence[BaseTool | Callable[..., Any]],
        *,
        name: str = "tools",
        tags: list[str] | None = None,
        handle_tool_errors: ErrorOption = answer_invocation_errors,
        messages_key: str = "messages",
    ) -> None:
        self.name = self.__name__ = name  # add_node(ToolNode(...)) names the node after it
        self.tags = tags
        self.messages_key = messages_key
        self._errors = ErrorPolicy.of(handle_tool_errors)
        self._tools: dict[str, BaseTool] = {}
        self._runs: dict[str, BaseTool] = {}
        for given in tools:
            made = given if isinstance(given, BaseTool) else _tool_of(given)
            self._tools[made.name] = made
            self._runs[made.name] = keeping_commands(made)

    @property
    def tools_by_name(self) -> dict[str, BaseTool]:
        """The tools, by the name a model calls them by."""
        return dict(self._tools)

    def __call__(self, input: Any, config: RunnableConfig | None = None) -> Any:
        """Run the tool calls of ``input``; what the node writes."""
        calls, kind = requested_calls(input, self.messages_key)
        results: list[Result] = []
        for call in calls:
            results += self._run_one(call, kind, config)
        return node_output(results, kind, self.messages_key)

    def _run_one(self, call: ToolCall, kind: InputKind, config: RunnableConfig | None) -> Any:
        run = self._runs.get(call["name"])
        if run is None:
            known = ", ".join(self._runs)
            text = f"Error: {call['name']} is not a valid tool, try one of [{known}]."
            return [_error_message(text, call)]
        try:
            try:
                response = _called(run, {**call, "type": "tool_call"}, config)
            except ValidationError as refused:
                raise ToolInvocationError(call["name"], refused, call["args"]) from refused
            return tool_result(response, call, kind, self.messages_key)
        except SIGNALS:
            raise  # interrupt() and the like pause the node; they are not the tool's errors
        except Exception as error:
            answer = self._errors.answer(error)
            if answer is None:
                raise
            return [_error_message(answer, call)]

    def __repr__(self) -> str:
        return f"ToolNode(tools={list(self._tools)!r}, name={self.name!r})"


def _called(run: BaseTool, request: dict[str, Any], config: RunnableConfig | None) -> Any:
    """A tool's response to one call: an async-only tool (a coroutine, no function) is
    awaited on the loop of the async call running the node."""
    if getattr(run, "func", None) is None and getattr(run, "coroutine", None) is not None:
        return awaited(run.ainvoke(request, config), str(request["name"]))
    return run.invoke(request, config)


def _tool_of(func: Callable[..., Any]) -> BaseTool:
    made = tool(func)
    assert isinstance(made, BaseTool)  # tool(function) makes one; for mypy
    return made


def _error_message(text: str, call: ToolCall) -> ToolMessage:
    return ToolMessage(text, name=call["name"], tool_call_id=call["id"], status="error")
