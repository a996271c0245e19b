"""Who may decide on a thread's questions: the check every answer, and every edit or new
input that would drop a question unanswered, goes through (Python, the command line, the
HTTP API and the inbox alike).

A question asked with ``interrupt(value, actors=..., roles=..., deadline=...)`` takes an
answer only from the actors it names or a holder of one of its roles, and none past its
deadline; nobody else may move the thread past it either (an edit or new input drops a
pending question unanswered): that would decide it by other means. Refusals write nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from branchline.domain.model import clock
from branchline.domain.model.checkpoint import InterruptRecord
from branchline.domain.model.events import InterruptSuperseded
from branchline.domain.model.thread import Thread
from branchline.runner.config import RunConfig
from branchline.runner.errors import NotAllowedToAnswer, QuestionExpired


def check_answer(asked: InterruptRecord, cfg: RunConfig) -> None:
    """Refuse an answer to ``asked`` from someone it does not name, or past its deadline."""
    where = f"interrupt {asked.interrupt_id!r} on thread {cfg.thread_id!r}"
    _check_named(asked, cfg, f"answer {where}")
    deciders = asked.deciders
    if deciders.expired(clock.now()):
        assert deciders.deadline is not None
        raise QuestionExpired(
            f"{where} expired at {deciders.deadline.isoformat()}: it takes no answer. "
            "Nothing was recorded; one of those it names may move the thread on (an edit, "
            "or new input)"
        )


def superseding(
    thread: Thread, reason: str, cfg: RunConfig, only: Iterable[str] | None = None
) -> list[InterruptSuperseded]:
    """The events dropping the pending questions (every one, or ``only`` these ids) that
    an edit or new input leaves unanswered; refused if one of them names other deciders."""
    chosen = None if only is None else set(only)
    for asked in thread.pending_interrupts:
        if chosen is None or asked.interrupt_id in chosen:
            where = f"thread {cfg.thread_id!r} past interrupt {asked.interrupt_id!r}"
            _check_named(asked, cfg, f"move {where} (this {reason} drops it unanswered)")
    return thread.supersede(reason, cfg.actor, chosen)


def _check_named(asked: InterruptRecord, cfg: RunConfig, what: str) -> None:
    deciders, actor, roles = asked.deciders, cfg.actor, cfg.roles
    if not deciders.allows(actor, roles):
        named = [*deciders.actors, *(f"role {r}" for r in deciders.roles)]
        raise NotAllowedToAnswer(
            f"{actor!r} (roles {list(roles)}) may not {what}: it is for "
            f"{', '.join(named)}. Nothing was recorded; act as one of them "
            "(config['configurable']['actor'] and ['roles'], or their API token)"
        )
