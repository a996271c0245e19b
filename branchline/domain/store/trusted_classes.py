"""Which classes a codec trusts beyond those it was given.

Two sources, both fixed by code, never by stored data:

- the dataclasses, pydantic models and Enums named in the fields of a class it allows;
- LangChain's message classes (``HumanMessage``, ``AIMessage``, ``ToolMessage``, their
  ``*Chunk`` classes, ``RemoveMessage`` ...), listed below by name. A stored value names one as
  ``langchain_core.messages:AIMessage``; reading it imports ``langchain_core.messages`` (and
  nothing else) and takes that name from it, so any process with langchain-core installed
  reads a chat thread, and ``import branchline`` never imports langchain-core.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any

from pydantic import BaseModel

__all__ = ["MESSAGES_MODULE", "MESSAGE_CLASSES", "field_classes", "message_class", "message_topic"]

MESSAGES_MODULE = "langchain_core.messages"

# Every concrete message class langchain-core exports (what ``AnyMessage`` covers, plus
# ``RemoveMessage``); the base classes are abstract in use and stay off the list.
MESSAGE_CLASSES = frozenset(
    {
        *(f"{kind}Message" for kind in ("AI", "Chat", "Function", "Human", "System", "Tool")),
        *(f"{kind}MessageChunk" for kind in ("AI", "Chat", "Function", "Human", "System", "Tool")),
        "RemoveMessage",
    }
)


def message_topic(cls: type) -> str | None:
    """The stable stored name of a LangChain message class; None for any other class.

    The name is the public import path (``langchain_core.messages:AIMessage``), not the
    module that defines the class today, so rows outlive langchain-core moving it.
    """
    name = cls.__qualname__
    if name not in MESSAGE_CLASSES or not _in_messages_package(cls.__module__):
        return None
    return f"{MESSAGES_MODULE}:{name}" if _load(name) is cls else None


def message_class(topic: str) -> type | None:
    """The LangChain message class a stored topic names; None if it names no such class.

    Raises ModuleNotFoundError when it names one and langchain-core is not installed.
    Topics by defining module (``langchain_core.messages.ai:AIMessage``) are read too.
    """
    module, _, name = topic.partition(":")
    if name not in MESSAGE_CLASSES or not _in_messages_package(module):
        return None
    return _load(name)


def _in_messages_package(module: str) -> bool:
    return module == MESSAGES_MODULE or module.startswith(f"{MESSAGES_MODULE}.")


def _load(name: str) -> type | None:
    found = getattr(importlib.import_module(MESSAGES_MODULE), name, None)
    return found if isinstance(found, type) else None


def field_classes(cls: type) -> Iterator[type]:
    """Yield the dataclasses, models and Enums named in the field annotations of ``cls``."""
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        annotations: Iterable[Any] = [f.annotation for f in cls.model_fields.values()]
    elif dataclasses.is_dataclass(cls):
        try:
            annotations = typing.get_type_hints(cls).values()
        except (NameError, TypeError):
            return  # annotations that do not resolve: the caller can still allow() by hand
    else:
        return
    for annotation in annotations:
        yield from _classes_in(annotation)


def _classes_in(annotation: Any) -> Iterator[type]:
    if isinstance(annotation, type) and (
        issubclass(annotation, (Enum, BaseModel)) or dataclasses.is_dataclass(annotation)
    ):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _classes_in(arg)
