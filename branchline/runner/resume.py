"""Resuming: match a ``Command(resume=...)`` to the pending interrupts it answers.

Strict by default: a resume with nothing pending, an unknown, answered or superseded
interrupt id, and a bare value with several interrupts pending are errors that write
nothing, and each says what happened and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from branchline.domain.model.events import Interrupted, InterruptSuperseded, Resumed
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.errors import AmbiguousResume, InterruptNotPending

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
        advice = ". Call get_state(config) to see where the thread is"
        raise InterruptNotPending(_nothing_pending(thread) + _last_answer(store, thread) + advice)
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
            f"breakpoint before {paused}; continue with invoke(None, config), or edit the "
            "state first with update_state(config, values)"
        )
    return (
        f"no interrupt is pending on thread {thread.thread_id!r} (next: "
        f"{list(thread.pending_nodes)}); there is nothing to resume"
    )


def _last_answer(store: CheckpointStore, thread: Thread | None) -> str:
    """The latest decision on the thread, so a late resume learns whose answer won."""
    if thread is None:
        return ""
    answers = [e for e in store.events(thread.thread_id) if isinstance(e, Resumed)]
    if not answers:
        return ""
    last = answers[-1]
    who = last.actor or "an unknown actor"
    when = last.timestamp.isoformat(timespec="seconds")
    return (
        f". The last interrupt, {last.interrupt_id!r} in node {last.node!r}, was already "
        f"answered by {who} at {when} with {last.value!r}"
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


def explain_lost_race(store: CheckpointStore, before: Thread, resume: Any) -> None:
    """Another writer appended first: if it answered a question this resume answers, say
    whose decision won (writing nothing); return if every one of them is still pending."""
    latest = store.load(before.thread_id)
    ids = (
        list(resume)
        if isinstance(resume, dict)
        else [r.interrupt_id for r in before.pending_interrupts]
    )
    pending = [r.interrupt_id for r in latest.pending_interrupts] if latest else []
    for interrupt_id in ids:
        if interrupt_id not in pending:
            raise InterruptNotPending(explain(store, latest, interrupt_id, pending)) from None
