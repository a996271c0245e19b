"""Resuming: match a ``Command(resume=...)`` to the pending interrupts it answers.

Strict by default: a resume with nothing pending, an unknown, answered or superseded
interrupt id, and a bare value with several interrupts pending are errors that write
nothing, and each says what happened and what to do.

An answer reaches only the question it names. A resume map's keys name interrupts when
they are shaped like an interrupt id: a string of 6 to 32 lowercase hex digits, maybe
ending with an ellipsis (``…`` or ``...``, as a table cut it). Such a key is resolved
against the pending ids: the whole id, or a prefix of at least ``MIN_PREFIX`` characters
that starts exactly one pending id. A key that names no pending interrupt, a prefix of
several, two keys naming one interrupt, and a map mixing ids with other keys are errors;
a map of other keys only (``{"approved": True}``) is one plain answer, as in LangGraph.
``Addressed`` answers treat every key as an id, whatever it looks like: the command
line's ``--interrupt`` comes that way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from branchline.domain.model.events import Interrupted, InterruptSuperseded, Resumed
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.errors import AmbiguousResume, InterruptNotPending

MIN_PREFIX = 6  # of an id's 32 hex digits: ~17 million values, few enough to type
_ID_SHAPED = re.compile(r"[0-9a-f]{6,32}(?:…|\.\.\.)?")
_ELLIPSES = ("…", "...")


@dataclass(frozen=True)
class Addressed:
    """Answers to the questions a person named: each key is an interrupt id, or a unique
    prefix of one (a trailing ellipsis is ignored), whatever it looks like.

    Pass it as ``Command(resume=Addressed({interrupt_id: answer}))`` when the keys are
    ids by construction, so that a mistyped one is an error, never a plain answer.
    """

    answers: Mapping[str, Any]


def is_id_shaped(key: object) -> bool:
    """Whether a resume map's key reads as an interrupt id or a prefix of one: 6 to 32
    lowercase hex digits, maybe followed by ``…`` or ``...``."""
    return isinstance(key, str) and _ID_SHAPED.fullmatch(key) is not None


def answers_by_id(resume: Any) -> Mapping[str, Any] | None:
    """The answers a resume addresses by interrupt id, or ``None`` if it is one plain answer."""
    if isinstance(resume, Addressed):
        return resume.answers
    if not isinstance(resume, Mapping):
        return None
    ids = [k for k in resume if is_id_shaped(k)]
    if not ids:
        return None  # ordinary keys: the whole dict is the answer, as in LangGraph
    others = [k for k in resume if not is_id_shaped(k)]
    if others:
        raise AmbiguousResume(
            f"the resume map mixes keys shaped like interrupt ids {ids} with other keys "
            f"{others}, so it is neither answers by id nor one plain answer; answer by id, "
            "Command(resume={interrupt_id: value, ...}), wrapping a dict answer in its id"
        )
    return resume


def match_answers(store: CheckpointStore, thread: Thread | None, resume: Any) -> dict[str, Any]:
    """The answers a resume gives, by interrupt id; raises if it answers nothing pending."""
    pending = thread.pending_interrupts if thread else ()
    pending_ids = [r.interrupt_id for r in pending]
    by_id = answers_by_id(resume)
    if by_id is not None:
        return _resolved(store, thread, by_id, pending_ids)
    if not pending:
        advice = ". Call get_state(config) to see where the thread is"
        raise InterruptNotPending(_nothing_pending(thread) + _last_answer(store, thread) + advice)
    if len(pending) > 1:
        # LangGraph's sentence first (programs match it), then which ones and how.
        raise AmbiguousResume(
            "When there are multiple pending interrupts, you must specify the interrupt id "
            f"when resuming. {len(pending)} are pending on thread {thread.thread_id!r}: "  # type: ignore[union-attr]
            f"{pending_ids}; answer by id: Command(resume={{interrupt_id: value, ...}}); "
            "get_state(config).interrupts lists them"
        )
    return {pending_ids[0]: resume}


def _resolved(
    store: CheckpointStore, thread: Thread | None, by_id: Mapping[str, Any], pending: list[str]
) -> dict[str, Any]:
    """Each answer under the full id of the one pending interrupt its key names."""
    if not by_id:
        raise InterruptNotPending(
            f"the answers name no interrupt; pending now: {pending}. Answer by id: "
            "Command(resume={interrupt_id: value, ...})"
        )
    answers: dict[str, Any] = {}
    named_by: dict[str, str] = {}
    for key, value in by_id.items():
        interrupt_id = resolve_id(store, thread, key, pending)
        if interrupt_id in named_by:
            raise AmbiguousResume(
                f"keys {named_by[interrupt_id]!r} and {key!r} both name interrupt "
                f"{interrupt_id!r}; give one answer per question"
            )
        named_by[interrupt_id] = key
        answers[interrupt_id] = value
    return answers


def resolve_id(store: CheckpointStore, thread: Thread | None, key: str, pending: list[str]) -> str:
    """The pending interrupt ``key`` names: its whole id, or a prefix of at least
    ``MIN_PREFIX`` characters (a trailing ellipsis ignored) that starts only that one."""
    if key in pending:
        return key
    prefix = _uncut(key)
    starting = [i for i in pending if i.startswith(prefix)] if len(prefix) >= MIN_PREFIX else []
    if len(starting) > 1:
        raise AmbiguousResume(
            f"interrupt {key!r} is the start of {len(starting)} pending ids: {starting}; "
            "give more of the id (get_state(config).interrupts or `branchline pending` lists "
            "them whole); nothing was recorded"
        )
    if not starting:
        raise InterruptNotPending(explain(store, thread, key, pending))
    return starting[0]


def _uncut(key: object) -> str:
    """A key without the ellipsis a table's cut left at its end."""
    text = str(key)
    for ellipsis in _ELLIPSES:
        text = text.removesuffix(ellipsis)
    return text


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
    """Why ``interrupt_id`` (an id, or a prefix of one) cannot be answered, from the
    thread's own history."""
    suffix = f"; pending now: {pending}. Call get_state(config) to list them"
    if thread is None:
        return f"interrupt {interrupt_id!r} is not on this thread: it has no checkpoint yet"
    cut = _uncut(interrupt_id)
    if interrupt_id not in pending and len(cut) < MIN_PREFIX:
        return (
            f"interrupt {interrupt_id!r} is too short to name a question: give at least "
            f"{MIN_PREFIX} characters of its id{suffix}"
        )
    asked = ""
    for event in store.events(thread.thread_id):
        if not isinstance(event, (Resumed, InterruptSuperseded, Interrupted)):
            continue
        if not event.interrupt_id.startswith(cut):
            continue
        label = _label(interrupt_id, event.interrupt_id)
        if isinstance(event, Resumed):
            who = event.actor or "an unknown actor"
            when = event.timestamp.isoformat(timespec="seconds")
            return f"{label} was already answered by {who} at {when} with {event.value!r}{suffix}"
        if isinstance(event, InterruptSuperseded):
            who = event.actor or "an unknown actor"
            when = event.timestamp.isoformat(timespec="seconds")
            return f"{label} was superseded by new {event.reason} from {who} at {when}{suffix}"
        asked = asked or label
    if asked:
        return f"{asked} is no longer pending: the thread moved on since it was asked{suffix}"
    return f"interrupt {interrupt_id!r} is unknown on thread {thread.thread_id!r}{suffix}"


def _label(key: str, interrupt_id: str) -> str:
    """How an error names the interrupt a key stood for: with its whole id if cut."""
    if key == interrupt_id:
        return f"interrupt {key!r}"
    return f"interrupt {key!r} ({interrupt_id})"


def explain_lost_race(store: CheckpointStore, before: Thread, resume: Any) -> None:
    """Another writer appended first: if it answered a question this resume answers, say
    whose decision won (writing nothing); return if every one of them is still pending."""
    latest = store.load(before.thread_id)
    ids = list(match_answers(store, before, resume))
    pending = [r.interrupt_id for r in latest.pending_interrupts] if latest else []
    for interrupt_id in ids:
        if interrupt_id not in pending:
            raise InterruptNotPending(explain(store, latest, interrupt_id, pending)) from None
