"""What goes over the wire: Branchline's states, threads and errors as LangGraph Server
shapes them (its ``langgraph-sdk`` client reads these), and values as JSON.

A state value that is not JSON (a LangChain message, a pydantic model, a dataclass, a
datetime) is written as LangGraph Server writes it: a model as its ``model_dump()``, a
dataclass as its fields, a datetime in ISO 8601, a set as a list; anything else as its
``repr``, so that a response never fails on one odd value.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from branchline.runner.types import Interrupt, PregelTask, StateSnapshot


def _plain(value: Any) -> Any:
    """``json.dumps``'s ``default``: a value JSON has no type for, as JSON can hold it."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, BaseException):
        return {"error": type(value).__name__, "message": str(value)}
    return repr(value)


def dumps(value: Any) -> str:
    """``value`` as one line of JSON (non-ASCII kept)."""
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":"))


def interrupt(found: Interrupt) -> dict[str, Any]:
    """An interrupt: its id and the value shown to the person."""
    return {"id": found.id, "value": found.value}


def checkpoint(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The checkpoint a config addresses: thread, namespace and id."""
    if not config:
        return None
    configurable = config.get("configurable") or {}
    return {
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
        "checkpoint_id": configurable.get("checkpoint_id"),
    }


def thread_state(snapshot: StateSnapshot) -> dict[str, Any]:
    """A ``StateSnapshot`` as a ThreadState."""
    at, parent = checkpoint(snapshot.config), checkpoint(snapshot.parent_config)
    return {
        "values": snapshot.values,
        "next": list(snapshot.next),
        "tasks": [_task(task) for task in snapshot.tasks],
        "checkpoint": at,
        "parent_checkpoint": parent,
        "metadata": snapshot.metadata,
        "created_at": snapshot.created_at,
        "interrupts": [interrupt(i) for i in snapshot.interrupts],
        "checkpoint_id": at and at["checkpoint_id"],  # deprecated in the API, still read
        "parent_checkpoint_id": parent and parent["checkpoint_id"],
    }


def _task(task: PregelTask) -> dict[str, Any]:
    nested = isinstance(task.state, StateSnapshot)
    return {
        "id": task.id,
        "name": task.name,
        "path": list(task.path),
        "error": task.error,
        "interrupts": [interrupt(i) for i in task.interrupts],
        "checkpoint": None if nested else checkpoint(task.state),
        "state": thread_state(task.state) if nested else None,
        "result": task.result,
    }


def thread(
    thread_id: str,
    snapshot: StateSnapshot | None,
    metadata: Mapping[str, Any],
    created_at: datetime,
    *,
    failed: bool = False,
) -> dict[str, Any]:
    """A Thread: its status (idle, interrupted, error) and what it waits for."""
    updated = snapshot.created_at if snapshot and snapshot.created_at else created_at.isoformat()
    waiting = _waiting(snapshot.tasks) if snapshot else {}
    if failed:
        status = "error"
    elif snapshot is not None and snapshot.next:
        status = "interrupted"  # as LangGraph Server: a question, a breakpoint, a retry
    else:
        status = "idle"
    return {
        "thread_id": thread_id,
        "created_at": created_at.isoformat(),
        "updated_at": updated,
        "state_updated_at": updated,
        "metadata": dict(metadata),
        "status": status,
        "values": snapshot.values if snapshot and snapshot.config else None,
        "interrupts": waiting,
        "config": {},
    }


def _waiting(tasks: Iterable[PregelTask]) -> dict[str, list[dict[str, Any]]]:
    return {t.id: [interrupt(i) for i in t.interrupts] for t in tasks if t.interrupts}


def error(kind: str, message: str) -> dict[str, Any]:
    """A failed run's error, as the API reports it in a stream or a run's result."""
    return {"error": kind, "message": message}
