"""The compact stored form of an event, and the way back (see ``domain.eventlog``).

A field left at its default is omitted, a tuple field is a JSON list and a UTC
timestamp a plain ISO string. Reading fills the defaults back in, upcasts older
versions and refuses newer ones.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from branchline.domain.model.errors import UnreadableEvent
from branchline.domain.model.events import ThreadEvent


class _Schema(NamedTuple):
    """What the compact form needs to know of an event class's fields."""

    defaults: dict[str, Any]  # immutable defaults, shared
    factories: dict[str, Callable[[], Any]]  # mutable defaults, made per event
    tuples: tuple[str, ...]
    width: int  # the number of stored fields when none is omitted
    version: int  # the class_version


_NEW, _SET = object.__new__, object.__setattr__
_SCHEMAS: dict[type[ThreadEvent], _Schema] = {}


def _schema(cls: type[ThreadEvent]) -> _Schema:
    schema = _SCHEMAS.get(cls)
    if schema is None:
        hints = typing.get_type_hints(cls)
        defaults: dict[str, Any] = {}
        factories: dict[str, Callable[[], Any]] = {}
        for f in dataclasses.fields(cls):
            if f.default_factory is not dataclasses.MISSING:
                factories[f.name] = f.default_factory
            elif f.default is not dataclasses.MISSING:
                defaults[f.name] = f.default
        tuples = tuple(name for name, hint in hints.items() if typing.get_origin(hint) is tuple)
        width = len(dataclasses.fields(cls)) - 2  # less the stream id and version
        schema = _SCHEMAS[cls] = _Schema(defaults, factories, tuples, width, cls.class_version)
    return schema


def compact(event: ThreadEvent) -> dict[str, Any]:
    """The state to store for ``event``: no stream fields, no defaults, lists for tuples."""
    cls = type(event)
    schema = _schema(cls)
    state: dict[str, Any] = {}
    for name, value in vars(event).items():
        if name in ("originator_id", "originator_version"):
            continue
        if name in schema.defaults:
            if type(value) is type(schema.defaults[name]) and value == schema.defaults[name]:
                continue
        elif name in schema.factories and not value and type(value) in (dict, list):
            continue
        if type(value) is tuple and name in schema.tuples:
            value = list(value)
        elif name == "timestamp" and value.tzinfo is UTC:
            value = value.isoformat()
        state[name] = value
    if cls.class_version > 1:
        state["class_version"] = cls.class_version
    return state


def restored(
    cls: type[ThreadEvent], originator: UUID, version: int, state: dict[str, Any]
) -> ThreadEvent:
    """The event of a decoded stored state (compact or fully tagged), upcast to ``cls``."""
    schema = _SCHEMAS.get(cls) or _schema(cls)
    stored_version = state.pop("class_version", 1)
    if stored_version != schema.version:
        _upcast(cls, originator, version, state, stored_version)
    if len(state) < schema.width:  # fields at their default were left out
        state = {**schema.defaults, **state}
        for name, make in schema.factories.items():
            if name not in state:
                state[name] = make()
    for name in schema.tuples:
        if state[name].__class__ is list:
            state[name] = tuple(state[name])
    timestamp = state["timestamp"]
    if timestamp.__class__ is str:
        state["timestamp"] = datetime.fromisoformat(timestamp)
    state["originator_id"] = originator
    state["originator_version"] = version
    event = _NEW(cls)
    _SET(event, "__dict__", state)
    return event


def _upcast(
    cls: type[ThreadEvent], originator: UUID, version: int, state: dict[str, Any], stored: int
) -> None:
    """Bring a stored state of an older version up to ``cls``; refuse a newer one."""
    if stored > cls.class_version:
        raise UnreadableEvent(
            f"stored event {version} of stream {originator} is a {cls.__name__} of version "
            f"{stored}, newer than this Branchline reads ({cls.class_version}). "
            "Upgrade Branchline; nothing was changed"
        )
    while stored < cls.class_version:
        getattr(cls, f"upcast_v{stored}_v{stored + 1}")(state)
        stored += 1
