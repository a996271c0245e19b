"""A conversation as state: the ``add_messages`` reducer and ``MessagesState``, as LangGraph's.

With langchain-core installed (``pip install 'branchline[langchain]'``) the reducer works on
LangChain messages and turns what LangChain turns into one (a str, a ``(role, content)``
tuple, a ``{"role": ..., "content": ...}`` dict, a ``*Chunk``) into a message. Without it,
messages are dicts or objects with an ``id`` attribute, kept as they are.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Annotated, Any, Literal, TypedDict

from branchline.domain.model.ids import new_id

__all__ = ["REMOVE_ALL_MESSAGES", "MessagesState", "add_messages"]

REMOVE_ALL_MESSAGES = "__remove_all__"
"""The id of a ``RemoveMessage`` that clears the list: ``RemoveMessage(id=REMOVE_ALL_MESSAGES)``."""

Format = Literal["langchain-openai"]
_FORMATS = ("langchain-openai",)
_INSTALL = "pip install 'branchline[langchain]'"


def add_messages(
    left: Sequence[Any] | Any = None,
    right: Sequence[Any] | Any = None,
    *,
    format: Format | None = None,
) -> Any:
    """Merge the messages of ``right`` into ``left`` by id, as LangGraph's ``add_messages``.

    A message whose id is in ``left`` replaces that message in place; the others are
    appended; a message without an id gets one. ``RemoveMessage(id=...)`` deletes the
    message with that id (an id not in the list is an error), and
    ``RemoveMessage(id=REMOVE_ALL_MESSAGES)`` drops everything before it, keeping the
    messages that follow it in ``right``. With langchain-core installed, strs, ``(role,
    content)`` tuples, dicts and ``*Chunk`` messages become LangChain messages, and
    ``format="langchain-openai"`` gives the messages OpenAI's content format. Without it,
    messages are dicts or objects with an ``id`` (kept as given; a dict ``{"type":
    "remove", "id": ...}`` deletes), and ``format`` needs langchain-core.

    Called with neither list, ``add_messages(format=...)`` returns the reducer to put in
    ``Annotated[list[AnyMessage], add_messages(format="langchain-openai")]``.
    """
    if left is not None and right is not None:
        return _merge(left, right, format)
    if left is not None or right is not None:
        given = "left" if left is not None else "right"
        raise ValueError(
            f"add_messages needs both 'left' and 'right', got only {given!r}. Call it with "
            "two lists of messages, or with neither (add_messages(format=...)) for a reducer."
        )
    _check_format(format)
    return functools.partial(add_messages, format=format)


class MessagesState(TypedDict):
    """A state with one key, ``messages``, merged by ``add_messages``; subclass it to add keys."""

    messages: Annotated[list[Any], add_messages]


def _merge(left: Any, right: Any, format: Format | None) -> list[Any]:
    lc = _langchain()
    if lc is None and format is not None:
        raise ValueError(f"add_messages(format={format!r}) needs langchain-core: {_INSTALL}")
    olds = _messages(left if isinstance(left, list) else [left], lc)
    news = _messages(right if isinstance(right, list) else [right], lc)
    clear = [i for i, m in enumerate(news) if _removes(m, lc) and _id(m) == REMOVE_ALL_MESSAGES]
    if clear:
        return news[clear[-1] + 1 :]
    merged = list(olds)
    position = {_id(m): i for i, m in enumerate(merged)}
    removed: set[Any] = set()
    for message in news:
        key = _id(message)
        if key in position:
            if _removes(message, lc):
                removed.add(key)
            else:
                removed.discard(key)
                merged[position[key]] = message
        elif _removes(message, lc):
            raise ValueError(
                f"cannot remove message {key!r}: no message has this id. Remove one of the "
                f"ids in the list: {list(position)[:10]!r}"
            )
        else:
            position[key] = len(merged)
            merged.append(message)
    merged = [m for m in merged if _id(m) not in removed]
    return _formatted(merged, lc, format)


def _check_format(format: object) -> None:
    if format is not None and format not in _FORMATS:
        raise ValueError(f"add_messages got format={format!r}; use one of {_FORMATS} or None")


def _formatted(messages: list[Any], lc: ModuleType | None, format: object) -> list[Any]:
    _check_format(format)
    if lc is None or format is None:
        return messages
    return list(lc.convert_to_messages(lc.convert_to_openai_messages(messages)))


@functools.cache
def _langchain() -> ModuleType | None:
    """``langchain_core.messages`` if langchain-core is installed, else None."""
    try:
        return importlib.import_module("langchain_core.messages")
    except ImportError:
        return None


def _messages(items: list[Any], lc: ModuleType | None) -> list[Any]:
    """The items as messages, each with an id."""
    if lc is not None:
        items = _langchain_messages(items, lc)
    return [m if _id(m) is not None else _with_new_id(m, lc) for m in items]


def _langchain_messages(items: list[Any], lc: ModuleType) -> list[Any]:
    kinds = {type(m) for m in items}
    if all(issubclass(k, lc.BaseMessage) and not issubclass(k, lc.BaseMessageChunk) for k in kinds):
        return items
    try:
        return [lc.message_chunk_to_message(m) for m in lc.convert_to_messages(items)]
    except NotImplementedError as exc:  # LangGraph lets this one out: it is a wrong type
        raise TypeError(_unconvertible(items, exc)) from exc
    except (ValueError, KeyError) as exc:
        raise ValueError(_unconvertible(items, exc)) from exc


def _unconvertible(items: list[Any], exc: Exception) -> str:
    reason = str(exc).partition("\n")[0].rstrip(".")
    return (
        f"add_messages cannot make messages of {items!r:.120}: {reason}. Write LangChain "
        "messages, strs, (role, content) tuples or dicts with 'role' and 'content' (role: "
        "user, assistant, system, or tool with a tool_call_id)"
    )


def _with_new_id(message: Any, lc: ModuleType | None) -> Any:
    if isinstance(message, dict):
        return {**message, "id": new_id()}
    if hasattr(message, "model_copy"):
        return message.model_copy(update={"id": new_id()})
    hint = "" if lc is not None else f" (strs and tuples need langchain-core: {_INSTALL})"
    raise TypeError(
        f"add_messages needs messages that are dicts or have an 'id' attribute{hint}, got "
        f"{type(message).__name__}: {message!r:.80}"
    )


def _id(message: Any) -> Any:
    if isinstance(message, dict):
        return message.get("id")
    return getattr(message, "id", None)


def _removes(message: Any, lc: ModuleType | None) -> bool:
    if lc is not None and isinstance(message, lc.RemoveMessage):
        return True
    return isinstance(message, dict) and message.get("type") == "remove"
