"""State machine: the inbox and the audit log agree with the threads' own folds.

Over several threads, runs ask questions, people answer them, new input supersedes
them, people edit the state (with or without an actor) and steps complete. After every
step the inbox must hold exactly the interrupts each thread's fold calls pending, the
audit log one row per decision event, and the threads table must say ``interrupted``
exactly for the threads with an unanswered interrupt.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from branchline.domain import (
    CheckpointStore,
    InterruptSuperseded,
    Resumed,
    StateUpdated,
    Thread,
)
from branchline.projections import Views

THREADS = ("t0", "t1", "t2")
NODES = ("a", "b")

thread_ids = st.sampled_from(THREADS)
actors = st.sampled_from(["ana", "bo", None])
values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=4))
next_steps = st.lists(st.sampled_from(NODES), max_size=2, unique=True)
DECISIONS = (Resumed, StateUpdated, InterruptSuperseded)


class PendingInterruptsMachine(RuleBasedStateMachine):
    """Threads driven by the domain commands on a SQLite store with views attached."""

    def __init__(self, runs_type: Callable[[CheckpointStore], Any]) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="pending-machine-"))
        self.store = CheckpointStore.sqlite(self.folder / "t.db")
        self.views = Views.for_store(self.store)
        self.views.attach(self.store)
        self.runs = runs_type(self.store)

    def teardown(self) -> None:
        self.views.close()
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _thread(self, thread_id: str) -> Thread | None:
        return self.store.load(thread_id)

    def _with_pending_interrupts(self) -> list[str]:
        return [t for t in THREADS if (s := self._thread(t)) is not None and s.pending_interrupts]

    # Rules -------------------------------------------------------------------------

    @rule(thread_id=thread_ids, node=st.sampled_from(NODES), value=values)
    def ask(self, thread_id: str, node: str, value: Any) -> None:
        """A pending node interrupts; an idle thread gets input first."""
        thread = self._thread(thread_id)
        if thread is None or not thread.pending_nodes:
            thread = self.runs.new_input(thread_id, next_nodes=NODES)
        asking = node if node in thread.pending_nodes else thread.pending_nodes[0]
        self.runs.ask(thread_id, value=value, node=asking)

    @precondition(lambda self: self._with_pending_interrupts())
    @rule(data=st.data(), value=values, actor=actors)
    def answer(self, data: st.DataObject, value: Any, actor: str | None) -> None:
        """A person answers one pending interrupt of one thread."""
        thread_id = data.draw(st.sampled_from(self._with_pending_interrupts()))
        thread = self._thread(thread_id)
        assert thread is not None
        record = data.draw(st.sampled_from(thread.pending_interrupts))
        self.runs.answer(thread_id, record.interrupt_id, value=value, actor=actor)

    @rule(thread_id=thread_ids, actor=actors, next_nodes=next_steps)
    def new_input(self, thread_id: str, actor: str | None, next_nodes: list[str]) -> None:
        """New input supersedes every pending interrupt of the thread."""
        self.runs.new_input(thread_id, next_nodes=next_nodes, actor=actor)

    @rule(thread_id=thread_ids, actor=actors, next_nodes=next_steps)
    def update_state(self, thread_id: str, actor: str | None, next_nodes: list[str]) -> None:
        """A person (named or not) edits the state, superseding what was pending."""
        self.runs.update(thread_id, next_nodes=next_nodes, actor=actor)

    @rule(thread_id=thread_ids, next_nodes=next_steps)
    def complete_step(self, thread_id: str, next_nodes: list[str]) -> None:
        """Every pending task completes and the step closes, answered or not."""
        thread = self._thread(thread_id)
        if thread is None or thread.head is None:
            self.runs.new_input(thread_id, next_nodes=NODES)
        self.runs.finish_step(thread_id, next_nodes=next_nodes)

    # Invariants --------------------------------------------------------------------

    @invariant()
    def inbox_equals_the_folds_pending_interrupts(self) -> None:
        folded = {
            (thread.thread_id, record.interrupt_id, record.node)
            for t in THREADS
            if (thread := self._thread(t)) is not None
            for record in thread.pending_interrupts
        }
        kept = {(r.thread_id, r.interrupt_id, r.node) for r in self.views.pending_interrupts()}
        assert kept == folded

    @invariant()
    def audit_has_one_row_per_decision_event(self) -> None:
        events = [e for t in THREADS if self._thread(t) for e in self.store.events(t)]
        assert len(self.views.decisions()) == sum(isinstance(e, DECISIONS) for e in events)

    @invariant()
    def threads_with_unanswered_interrupts_and_only_they_are_interrupted(self) -> None:
        interrupted = {row.thread_id for row in self.views.list_threads(status="interrupted")}
        assert interrupted == set(self._with_pending_interrupts())


def test_inbox_and_audit_follow_every_ask_answer_supersede_edit_and_step(make_runs: Any) -> None:
    run_state_machine_as_test(
        lambda: PendingInterruptsMachine(make_runs),
        settings=settings(max_examples=30, stateful_step_count=20, deadline=None),
    )
