"""Resuming: match a ``Command(resume=...)`` to the pending interrupts it answers.

Strict by default: a resume with nothing pending, an unknown, answered or superseded
interrupt id, and a bare value with several interrupts pending are errors that write
nothing, and each says what happened and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from domain.events import Interrupted, InterruptSuperseded, Resumed
from domain.store import CheckpointStore
from domain.thread import Thread
from runner.errors import AmbiguousResume, InterruptNotPending

_INTERRUPT_ID = re.compile(r"[0-9a-f]{32}")


def is_id_map(resume: Any) -> bool:
    """A dict is a map of answers by interrupt id only if every key looks like an id."""
    return (
        isinstance(resume, Mapping)
        and bool(resume)
        and all(isinstance(k, str) and _INTERRUPT_ID.fullmatch(k) for k in resume)
    )


def match_answers(store: CheckpointStore, thread: Thread | None, resume: Any) -> dict[str, Any]:
    """The answers a resume gives, by interrupt id; raises if it answers nothing pending."""
    pending = thread.pending_interrupts if thread else ()
    pending_ids = [r.interrupt_id for r in pending]
    if is_id_map(resume):
        for interrupt_id in resume:
            if interrupt_id not in pending_ids:
                raise InterruptNotPending(explain(store, thread, interrupt_id, pending_ids))
        return dict(resume)
    if not pending:
        raise InterruptNotPending(_nothing_pending(thread))
    if len(pending) > 1:
        raise AmbiguousResume(
            f"{len(pending)} interrupts are pending on thread {thread.thread_id!r}: "  # type: ignore[union-attr]
            f"{pending_ids}; a single resume value cannot say which it answers. Answer by id: "
            "Command(resume={interrupt_id: value, ...}); get_state(config).interrupts lists them"
        )
    return {pending_ids[0]: resume}


def _nothing_pending(thread: Thread | None) -> str:
    if thread is None or thread.head is None:
        return "nothing to resume: the thread has no checkpoint yet; start it with its input"
    paused = [n for n in thread.pending_nodes if n in thread.breakpoints_hit]
    if paused:
        return (
            f"no interrupt is pending on thread {thread.thread_id!r}: it is paused at a "
            f"breakpoint before {paused}. Continue with invoke(None, config), or edit the "
            "state first with update_state(config, values)"
        )
    return (
        f"no interrupt is pending on thread {thread.thread_id!r} (next: "
        f"{list(thread.pending_nodes)}); there is nothing to resume. Call get_state(config) "
        "to see where the thread is"
    )


def explain(
    store: CheckpointStore, thread: Thread | None, interrupt_id: str, pending: list[str]
) -> str:
    """Why ``interrupt_id`` cannot be answered, from the thread's own history."""
    prefix = f"interrupt {interrupt_id!r}"
    suffix = f"; pending now: {pending}. Call get_state(config) to list them"
    if thread is None:
        return f"{prefix} is not on this thread: it has no checkpoint yet"
    asked = False
    for event in store.events(thread.thread_id):
        if isinstance(event, Resumed) and event.interrupt_id == interrupt_id:
            who = event.actor or "an unknown actor"
            when = event.timestamp.isoformat(timespec="seconds")
            return f"{prefix} was already answered by {who} at {when} with {event.value!r}{suffix}"
        if isinstance(event, InterruptSuperseded) and event.interrupt_id == interrupt_id:
            who = event.actor or "an unknown actor"
            when = event.timestamp.isoformat(timespec="seconds")
            return f"{prefix} was superseded by new {event.reason} from {who} at {when}{suffix}"
        asked = asked or (isinstance(event, Interrupted) and event.interrupt_id == interrupt_id)
    if asked:
        return f"{prefix} is no longer pending: the thread moved on since it was asked{suffix}"
    return f"{prefix} is unknown on thread {thread.thread_id!r}{suffix}"
