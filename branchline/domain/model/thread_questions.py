"""The Thread aggregate's commands about questions: a question asked, answered, or
dropped unanswered. A mixin of ``Thread`` (``thread.py``), which holds the state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from branchline.domain.model.checkpoint import Deciders, InterruptRecord
from branchline.domain.model.errors import InvalidCommand
from branchline.domain.model.events import (
    Interrupted,
    InterruptSuperseded,
    Resumed,
    ThreadEvent,
)

E = TypeVar("E", bound=ThreadEvent)


class _Thread(Protocol):
    """What these commands use of ``Thread``."""

    @property
    def thread_id(self) -> str: ...
    @property
    def pending_interrupts(self) -> tuple[InterruptRecord, ...]: ...
    def interrupt(self, interrupt_id: str) -> InterruptRecord | None: ...
    def _event(self, cls: type[E], offset: int = 0, **fields: Any) -> E: ...
    def _require_pending(self, node: str) -> None: ...


class Asking:
    """What a thread decides about its questions."""

    def ask(
        self: _Thread,
        interrupt_id: str,
        task_id: str,
        node: str,
        index: int,
        value: Any,
        ns: str = "",
        deciders: Deciders | None = None,
    ) -> Interrupted:
        """Record that a pending task asked a question and paused (for ``deciders`` to
        answer, if it names any)."""
        self._require_pending(node)
        if self.interrupt(interrupt_id) is not None:
            raise InvalidCommand(
                f"interrupt {interrupt_id!r} is already recorded on thread {self.thread_id!r}"
            )
        return self._event(
            Interrupted,
            interrupt_id=interrupt_id,
            task_id=task_id,
            node=node,
            index=index,
            value=value,
            namespace=ns,
            **(deciders or Deciders()).fields(),
        )

    def answer(
        self: _Thread,
        interrupt_id: str,
        value: Any,
        *,
        actor: str | None,
        digest: str,
        task_id: str | None = None,
    ) -> Resumed:
        """Record a person's answer to a pending interrupt (to ``task_id`` if it moved)."""
        record = self.interrupt(interrupt_id)
        if record is None or record.answered or record.dropped:
            pending = [r.interrupt_id for r in self.pending_interrupts]
            raise InvalidCommand(
                f"no pending interrupt {interrupt_id!r} on thread {self.thread_id!r}; "
                f"pending: {pending}. Call get_state(config) to list them"
            )
        return self._event(
            Resumed,
            interrupt_id=interrupt_id,
            task_id=task_id or record.task_id,
            node=record.node,
            index=record.index,
            value=value,
            actor=actor,
            digest=digest,
        )

    def supersede(
        self: _Thread, reason: str, actor: str | None, only: Iterable[str] | None = None
    ) -> list[InterruptSuperseded]:
        """Drop pending interrupts (every one, or ``only`` these ids) unanswered, saying why
        and on whose action."""
        chosen = None if only is None else set(only)
        dropped = [r for r in self.pending_interrupts if chosen is None or r.interrupt_id in chosen]
        return [
            self._event(
                InterruptSuperseded,
                offset,
                interrupt_id=record.interrupt_id,
                node=record.node,
                reason=reason,
                actor=actor,
            )
            for offset, record in enumerate(dropped)
        ]
