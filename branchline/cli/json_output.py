"""``--json``: what a command shows, as one JSON document on stdout for scripts.

A listing is an array, a single thing an object; the shapes are in the README's
"Command line" section. Our own objects (snapshots, tasks, interrupts, rows) become JSON
objects with named fields, never Python reprs. A thread's values may hold anything the
store can keep: models and dataclasses become objects of their fields, sets and tuples
arrays, datetimes ISO 8601 text, and anything else its ``str``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from branchline.runner.types import Interrupt, PregelTask, StateSnapshot


def print_json(document: Any) -> None:
    """Write ``document`` to stdout as JSON, non-ASCII text kept as it is."""
    print(json.dumps(plain(document), ensure_ascii=False, indent=2))


def plain(value: Any) -> Any:
    """``value`` as JSON types only (see the module docstring)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [plain(item) for item in items]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def _key(key: Any) -> str:
    return key if isinstance(key, str) else json.dumps(plain(key))


def snapshot(snap: StateSnapshot) -> dict[str, Any]:
    """A checkpoint as ``state --json`` and each entry of ``history --json`` show it."""
    parent = snap.parent_config
    return {
        "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
        "parent_checkpoint_id": parent["configurable"]["checkpoint_id"] if parent else None,
        "created_at": snap.created_at,
        "values": plain(snap.values),
        "next": list(snap.next),
        "metadata": plain(snap.metadata),
        "tasks": [task(t) for t in snap.tasks],
        "interrupts": [interrupt(i) for i in snap.interrupts],
    }


def task(planned: PregelTask) -> dict[str, Any]:
    """A task of a checkpoint's next step: its node, error, questions and what it wrote."""
    return {
        "id": planned.id,
        "name": planned.name,
        "error": planned.error,
        "interrupts": [interrupt(i) for i in planned.interrupts],
        "result": plain(planned.result),
    }


def interrupt(asked: Interrupt) -> dict[str, Any]:
    """A question a node asked: its id (to answer it by) and the value shown."""
    return {"id": asked.id, "value": plain(asked.value)}
