"""A thread copied under a new id: its whole history, and that of the subgraph threads
it ran, as the events of new streams (LangGraph Server's ``POST /threads/{id}/copy``).

The copy must not share ids with its original: questions are addressed by id (an
answer, the inbox), and ids are made from the thread id (a checkpoint's from its
version, a task's from its checkpoint, node and place in the step, a question's from
its task, call and attempt). So each id the original's events hold becomes the one
the copy would have made in its place, and the copy goes on as if it had run there.
A subgraph's thread is named inside its parent's (``parent:node:task``): it is copied
and renamed with it.

The copy's first event names the thread it copies and who copied it; the events after
it keep their times, actors and the digests of what people saw, so its audit trail
tells what was decided on the original, and by whom.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from branchline.domain.model.errors import InvalidCommand
from branchline.domain.model.events import CheckpointEvent, Interrupted, ThreadEvent, ThreadStarted
from branchline.domain.model.ids import checkpoint_id, interrupt_id, stream_id, task_id

# The ids events hold: checkpoint and task ids (UUID-shaped), question ids (32 hex digits).
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")
_SHORTEST_ID = 32
_KEPT = ("originator_id", "originator_version", "timestamp")


def copied_threads(
    source: str,
    target: str,
    streams: Mapping[str, Sequence[ThreadEvent]],
    copied_by: str | None,
    now: datetime,
) -> dict[str, list[ThreadEvent]]:
    """The events of the copy of thread ``source`` as ``target``, by the copy's thread
    ids: ``streams`` holds the events of ``source`` and of each subgraph thread it ran."""
    renamed: dict[str, str] = {}
    ids: dict[str, str] = {}
    for old in sorted(streams, key=len):  # a parent before its subgraphs, named after its tasks
        renamed[old] = _renamed(source, target, old, ids)
        ids.update(_checkpoint_and_task_ids(old, renamed[old], streams[old]))
    for events in streams.values():
        ids.update(_question_ids(events, ids))
    copies: dict[str, list[ThreadEvent]] = {}
    for old, events in streams.items():
        copies[renamed[old]] = [_copied(e, renamed[old], ids, renamed) for e in events]
    first = copies[target][0]
    assert isinstance(first, ThreadStarted), "a thread's stream opens with ThreadStarted"
    copies[target][0] = replace(first, timestamp=now, copied_from=source, copied_by=copied_by)
    return copies


def _renamed(source: str, target: str, thread: str, ids: Mapping[str, str]) -> str:
    if thread == source:
        return target
    if not thread.startswith(f"{source}:"):
        raise InvalidCommand(
            f"thread {thread!r} is not a subgraph thread of {source!r}; "
            "copy a thread with the threads its subgraphs ran, and no others"
        )
    return target + str(_translated(thread[len(source) :], ids))


def _checkpoint_and_task_ids(old: str, new: str, events: Sequence[ThreadEvent]) -> dict[str, str]:
    ids = {}
    for event in events:
        if isinstance(event, CheckpointEvent):
            version = event.originator_version
            ids[checkpoint_id(old, version)] = checkpoint_id(new, version)
            for index, node in enumerate(event.next):
                ids[task_id(old, version, node, index)] = task_id(new, version, node, index)
    return ids


def _question_ids(events: Sequence[ThreadEvent], ids: Mapping[str, str]) -> dict[str, str]:
    """Each question's new id, from its task's. A subgraph's question asked again by
    the parent's task keeps the subgraph's id: the subgraph's stream translates it."""
    asked = [e for e in events if isinstance(e, Interrupted)]
    found = {}
    for event in asked:
        task = ids.get(event.task_id)
        if task is None:
            continue
        for attempt in range(len(asked)):  # a question asked again after an answer: attempt 1...
            if interrupt_id(event.task_id, event.index, attempt) == event.interrupt_id:
                found[event.interrupt_id] = interrupt_id(task, event.index, attempt)
                break
    return found


def _copied(
    event: ThreadEvent, thread: str, ids: Mapping[str, str], renamed: Mapping[str, str]
) -> ThreadEvent:
    changes: dict[str, Any] = {
        f.name: _translated(getattr(event, f.name), ids)
        for f in fields(event)
        if f.name not in _KEPT and f.init
    }
    if isinstance(event, ThreadStarted):
        changes["thread_id"] = thread
        if event.parent_thread is not None:
            changes["parent_thread"] = renamed.get(event.parent_thread, event.parent_thread)
    return replace(event, originator_id=stream_id(thread), **changes)


def _translated(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with each id of the original in it (in plain data: strings, and the
    dicts, lists and tuples holding them) replaced by the copy's."""
    if isinstance(value, str):
        if len(value) < _SHORTEST_ID:
            return value
        return _ID.sub(lambda m: ids.get(m.group(), m.group()), value)
    if isinstance(value, dict):
        return {_translated(k, ids): _translated(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple) and type(value) in (list, tuple):
        return type(value)(_translated(v, ids) for v in value)
    return value
