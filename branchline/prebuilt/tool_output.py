"""What a tool returned, made into what the tools node writes: a ``ToolMessage`` per call,
or the ``Command`` a tool returned to update the state (and route) itself.

LangChain turns whatever a tool returns into a ``ToolMessage`` unless it is a LangChain
tool output, which Branchline's ``Command`` is not (``import branchline`` does not load
LangChain), so the tools a ``ToolNode`` runs are copies whose function hands a
``Command`` back wrapped in ``Returned``, unwrapped here.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import RemoveMessage, ToolCall, ToolMessage, convert_to_messages
from langchain_core.messages.tool import ToolOutputMixin
from langchain_core.tools import BaseTool, StructuredTool, Tool
from langchain_core.tools.base import TOOL_MESSAGE_BLOCK_TYPES

from branchline.prebuilt.tool_calls import InputKind
from branchline.runner.messages import REMOVE_ALL_MESSAGES
from branchline.runner.types import Command, Send

Result = ToolMessage | Command


class Returned(ToolOutputMixin):
    """A tool's ``Command`` (or list with one), which LangChain passes through as it is."""

    def __init__(self, value: Any) -> None:
        self.value = value


def keeping_commands(tool: BaseTool) -> BaseTool:
    """``tool``, or a copy of it whose function's ``Command`` results reach the node."""
    if not isinstance(tool, StructuredTool | Tool):
        return tool
    func, coroutine = tool.func, tool.coroutine
    if func is not None:
        return tool.model_copy(update={"func": _wrapping_commands(func)})
    if coroutine is not None:
        return tool.model_copy(update={"coroutine": _awaiting_commands(coroutine)})
    return tool


def _wrapping_commands(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # the same signature and hints: LangChain reads them
    def run(*args: Any, **kwargs: Any) -> Any:
        return _wrapped(func(*args, **kwargs))

    return run


def _awaiting_commands(coroutine: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    @functools.wraps(coroutine)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return _wrapped(await coroutine(*args, **kwargs))

    return run


def _wrapped(output: Any) -> Any:
    commands = isinstance(output, list) and any(isinstance(o, Command) for o in output)
    return Returned(output) if isinstance(output, Command) or commands else output


def tool_result(response: Any, call: ToolCall, kind: InputKind, key: str) -> list[Result]:
    """What the node writes for ``call``, whose tool returned ``response``."""
    if isinstance(response, Returned):
        response = response.value
    if isinstance(response, Command):
        return [checked_command(response, call, kind, key)]
    if isinstance(response, ToolMessage):
        response.content = _content(response.content)
        return [response]
    if isinstance(response, list) and all(isinstance(r, Command | ToolMessage) for r in response):
        return _checked_list(response, call, kind, key)
    raise TypeError(
        f"tool {call['name']!r} returned {type(response).__name__}: {response!r:.100}; a tool "
        "returns its answer (any value, made a ToolMessage), a ToolMessage, a Command, or a "
        "list of ToolMessages and Commands"
    )


def _content(content: Any) -> Any:
    """A ``ToolMessage``'s content as a model takes it: a str or content blocks as they
    are, anything else as JSON (or its str when it is not JSON)."""
    blocks = isinstance(content, list) and all(
        isinstance(b, dict) and b.get("type") in TOOL_MESSAGE_BLOCK_TYPES for b in content
    )
    if isinstance(content, str) or blocks:
        return content
    try:
        return json.dumps(content, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(content)


def _checked_list(items: list[Result], call: ToolCall, kind: InputKind, key: str) -> list[Result]:
    answers = sum(1 for item in items for m in _messages(item, key) if _answers(m, call))
    if answers != 1:
        raise ValueError(
            f"tool {call['name']!r} returned a list with {answers} ToolMessages answering "
            f"tool call {call['id']!r}; return exactly one (in the list or in a Command's "
            f"update[{key!r}]), so the model's call gets one answer"
        )
    checked: list[Result] = []
    for item in items:
        if isinstance(item, Command):
            checked.append(checked_command(item, call, kind, key, answered=True))
        else:
            item.content = _content(item.content)
            checked.append(item)
    return checked


def checked_command(
    command: Command, call: ToolCall, kind: InputKind, key: str, *, answered: bool = False
) -> Command:
    """A tool's ``Command``, its answer to ``call`` named after the tool; it must answer the
    call (with a ``ToolMessage`` in its update) unless it is meant for a parent graph."""
    if isinstance(command.update, dict) and kind == "list":
        raise ValueError(_shape_error(command, call, "a dict", "a state with a messages key"))
    if isinstance(command.update, list) and kind != "list":
        raise ValueError(_shape_error(command, call, "a list", "a list of messages"))
    if not isinstance(command.update, dict | list):
        return command
    command = copy.deepcopy(command)
    messages = convert_to_messages(_messages(command, key))
    if [(type(m), m.id) for m in messages] == [(RemoveMessage, REMOVE_ALL_MESSAGES)]:
        return command
    answering = [m for m in messages if _answers(m, call)]
    for message in answering:
        message.name = call["name"]
    if not answering and not answered and command.graph is None:
        raise ValueError(
            f"tool {call['name']!r} returned {command!r:.200} with no ToolMessage answering "
            f"its call {call['id']!r}; every tool call needs one. Put it in the update: "
            f'Command(update={{"{key}": [ToolMessage("...", tool_call_id=...)], ...}}) (take '
            "the id from a parameter annotated Annotated[str, InjectedToolCallId])"
        )
    return command


def _shape_error(command: Command, call: ToolCall, given: str, needs: str) -> str:
    return (
        f"tool {call['name']!r} returned a Command whose update is {given} "
        f"({command.update!r:.80}), which only fits a ToolNode whose input is {needs}; "
        "return the update in the form of the graph's state"
    )


def _messages(item: Result, key: str) -> list[Any]:
    if isinstance(item, ToolMessage):
        return [item]
    if isinstance(item.update, dict):
        found = item.update.get(key, [])
        return list(found) if isinstance(found, list | tuple) else [found]
    return list(item.update) if isinstance(item.update, list) else []


def _answers(message: Any, call: ToolCall) -> bool:
    return isinstance(message, ToolMessage) and message.tool_call_id == call["id"]


def node_output(results: list[Result], kind: InputKind, key: str) -> Any:
    """The node's return value: the messages (in a dict under ``key`` unless the input was a
    list), or, when a tool returned a Command, a list of Commands and such updates, the
    Sends to a parent graph joined in one Command."""
    if not any(isinstance(r, Command) for r in results):
        return results if kind == "list" else {key: results}
    combined: list[Any] = []
    sends: list[Send] = []
    for result in results:
        if isinstance(result, ToolMessage):
            combined.append([result] if kind == "list" else {key: [result]})
        elif result.graph == Command.PARENT and _all_sends(result.goto):
            sends += list(result.goto)  # type: ignore[arg-type]  # checked: a list of Sends
        else:
            combined.append(result)
    if sends:
        combined.append(Command(graph=Command.PARENT, goto=sends))
    return combined


def _all_sends(goto: Any) -> bool:
    return isinstance(goto, list) and all(isinstance(s, Send) for s in goto)
