"""What a ``ToolNode`` does when a tool fails: its ``handle_tool_errors`` option.

The default answers the model when it called a tool with arguments the tool refuses (a
``ToolInvocationError``), so the model can fix them, and lets any other error of the tool
fail the node (the run stops there; ``invoke(None, config)`` retries it). ``True`` answers
every error, a str answers with that text, exception types answer those types only, a
function answers the errors its parameter's annotation names with what it returns, and
``False`` answers none. The answer is a ``ToolMessage`` with ``status="error"``; the texts
are LangGraph's, so a model prompted for them reads the same thing.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from langchain_core.tools import ToolException
from pydantic import ValidationError

ErrorOption = bool | str | Callable[..., str] | type[Exception] | tuple[type[Exception], ...]


class ToolInvocationError(ToolException):
    """The model called a tool with arguments its schema refuses (``message`` says which,
    in the words the model is answered with)."""

    def __init__(self, tool_name: str, source: ValidationError, tool_kwargs: dict[str, Any]):
        problems = "\n".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in source.errors()
        )
        self.message = (
            f"Error invoking tool '{tool_name}' with kwargs {tool_kwargs} with error:\n"
            f" {problems}\n Please fix the error and try again."
        )
        self.tool_name = tool_name
        self.tool_kwargs = tool_kwargs
        self.source = source
        super().__init__(self.message)


def answer_invocation_errors(error: Exception) -> str:
    """The default ``handle_tool_errors``: answer refused arguments, raise anything else."""
    if isinstance(error, ToolInvocationError):
        return error.message
    raise error


@dataclass(frozen=True)
class ErrorPolicy:
    """Which errors of a tool become a ``ToolMessage``, and its text (see the module)."""

    option: ErrorOption
    handled: tuple[type[Exception], ...]

    @classmethod
    def of(cls, option: ErrorOption) -> ErrorPolicy:
        """The policy of a ``handle_tool_errors`` value, checked now rather than when a
        tool first fails."""
        if isinstance(option, bool | str):
            return cls(option, (Exception,) if option else ())
        if _exception_type(option):
            return cls(option, (option,))  # type: ignore[arg-type]  # checked just above
        if isinstance(option, tuple) and all(map(_exception_type, option)):
            return cls(option, option)
        if callable(option) and not isinstance(option, type):
            return cls(option, _handled_by(option))
        raise TypeError(
            f"ToolNode got handle_tool_errors={option!r}; pass True or False, a str (the "
            "answer to every error), an exception type or a tuple of them, or a function "
            "taking the exception and returning the answer"
        )

    def answer(self, error: Exception) -> str | None:
        """The text answering ``error``, or None when the error is not handled."""
        if not isinstance(error, self.handled):
            return None
        if isinstance(self.option, str) and not isinstance(self.option, bool):
            return self.option
        if callable(self.option) and not isinstance(self.option, type):
            return str(self.option(error))
        return f"Error: {error!r}\n Please fix your mistakes."


def _exception_type(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Exception)


def _handled_by(handler: Callable[..., str]) -> tuple[type[Exception], ...]:
    """The exception types a handler's first parameter is annotated with (all, if none)."""
    params = list(inspect.signature(handler).parameters.values())
    if params and params[0].name in ("self", "cls") and len(params) == 2:
        params = params[1:]
    if not params:
        return (Exception,)
    annotation = typing.get_type_hints(handler).get(params[0].name)
    if annotation is None:
        return (Exception,)
    union = typing.get_origin(annotation) in (Union, types.UnionType)
    handled = typing.get_args(annotation) if union else (annotation,)
    if not all(map(_exception_type, handled)):
        raise TypeError(
            f"ToolNode got a handle_tool_errors function whose parameter "
            f"{params[0].name!r} is annotated {annotation!r}; annotate it with the exception "
            "types it answers (e: ValueError, or e: ValueError | KeyError), or not at all "
            "to answer every error"
        )
    return tuple(handled)
