"""Value objects of a thread's state: checkpoints, task results and interrupts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from branchline.domain.model.dataclass_init import one_assignment_init

START = "__start__"
END = "__end__"


@one_assignment_init
@dataclass(frozen=True)
class Checkpoint:
    """An immutable point in a thread's history."""

    version: int
    parent: int | None
    step: int
    source: str
    next: tuple[str, ...]
    metadata: dict[str, Any]
    created_at: datetime
    waiting: dict[str, tuple[str, ...]] = field(default_factory=dict)
    writers: tuple[str, ...] = ()
    actor: str | None = None
    packets: tuple[tuple[str, Any], ...] = ()
    # The nodes that ran (not as Send tasks) in the latest step of this lineage in which
    # any did: the node an update is made as when it names none, as in LangGraph.
    ran: tuple[str, ...] = ()
    doubled: tuple[str, ...] = ()  # nodes of ``next`` scheduled by an edge and a join at once
    # A run went on in this lineage (a replay copy, or a step of Send tasks only): with
    # no node run yet, LangGraph finds an update without ``as_node`` ambiguous rather
    # than made as ``__start__``.
    replayed: bool = False

    @property
    def first_packet(self) -> int:
        """The index in ``next`` of the first ``Send`` task (they come last)."""
        return len(self.next) - len(self.packets)

    def task_input(self, index: int) -> tuple[bool, Any]:
        """Whether the task at ``index`` of ``next`` was sent an input of its own, and it."""
        if index >= self.first_packet:
            return True, self.packets[index - self.first_packet][1]
        return False, None


@one_assignment_init
@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task of the step in progress."""

    task_id: str
    node: str
    assigned: dict[str, Any] = field(default_factory=dict)
    appended: dict[str, list[Any]] = field(default_factory=dict)
    triggers: tuple[str, ...] = ()
    error: str | None = None
    sends: tuple[tuple[str, Any], ...] = ()
    returned: dict[str, Any] = field(default_factory=dict)  # see NodeCompleted.returned

    @property
    def wrote(self) -> dict[str, Any]:
        """What the task wrote, as it returned it (a reducer channel's raw write)."""
        if not self.appended and not self.returned:  # a step of last-value channels
            return self.assigned.copy()
        return {**self.assigned, **self.appended, **self.returned}

    def carried(self) -> dict[str, Any]:
        """This result as a ``StepCompleted`` carries it: what is empty left out, lists
        for tuples (``domain.evolve.carried_results`` reads it back)."""
        record: dict[str, Any] = {"task_id": self.task_id, "node": self.node}
        if self.assigned:
            record["assigned"] = self.assigned
        if self.appended:
            record["appended"] = self.appended
        if self.triggers:
            record["triggers"] = list(self.triggers)
        if self.sends:
            record["sends"] = [list(pair) for pair in self.sends]
        if self.returned:
            record["returned"] = self.returned
        return record


@dataclass(frozen=True)
class InterruptRecord:
    """A question a task asked with ``interrupt()``, and its answer once given; who may
    answer it, and until when (``deciders``)."""

    interrupt_id: str
    task_id: str
    node: str
    index: int
    value: Any
    asked_at: datetime
    answered: bool = False
    answer: Any = None
    actor: str | None = None
    dropped: bool = False  # superseded unanswered: still shown in the history
    namespace: str = ""  # asked inside a subgraph that ``node`` runs: see Interrupted
    deciders: Deciders = field(default_factory=lambda: Deciders())


@dataclass(frozen=True)
class Deciders:
    """Who may answer a question, and until when: the actors named, and whoever holds
    one of the roles named (none named: anyone). Past its ``deadline`` (UTC) a question
    is expired: no answer reaches it."""

    actors: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    deadline: datetime | None = None

    def allows(self, actor: str | None, roles: Iterable[str]) -> bool:
        """Whether ``actor``, holding ``roles``, may answer."""
        if not self.actors and not self.roles:
            return True
        return actor in self.actors or not set(self.roles).isdisjoint(roles)

    def expired(self, now: datetime) -> bool:
        """Whether the deadline has passed at ``now``."""
        return self.deadline is not None and now >= self.deadline

    def fields(self) -> dict[str, Any]:
        """The ``Interrupted`` event's fields that record these deciders."""
        deadline = None if self.deadline is None else self.deadline.isoformat()
        return {"actors": self.actors, "roles": self.roles, "deadline": deadline}

    @classmethod
    def of(cls, actors: Iterable[str], roles: Iterable[str], deadline: str | None) -> Deciders:
        """The deciders an ``Interrupted`` event recorded."""
        when = None if deadline is None else datetime.fromisoformat(deadline)
        return cls(tuple(actors), tuple(roles), when)


def apply_writes(
    values: Mapping[str, Any], assigned: Mapping[str, Any], appended: Mapping[str, list[Any]]
) -> dict[str, Any]:
    """Return new channel values with assignments and list appends applied."""
    new = dict(values)
    new.update(assigned)
    for channel, items in appended.items():
        new[channel] = [*new.get(channel, ()), *items]
    return new
