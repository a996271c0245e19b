"""The events of a thread's stream: immutable, past tense, data only.

Every event has a stable stored name (``TOPIC``, independent of module paths) and
a schema version (``class_version``). A breaking change bumps ``class_version``
and adds a static ``upcast_vN_vN+1(state)``; stored fields are never edited.

Events that create a checkpoint (``CheckpointEvent``) carry its parent, step and
the nodes to run next; the checkpoint id is the event's stream version. The
others are recorded against the current head checkpoint: the results of the
tasks of the step in progress.

Channel writes are deltas: ``assigned`` maps a channel to its new value and
``appended`` maps a list channel to the items appended to it, so a step that adds
one message to a long conversation stores that message, not the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from branchline.domain.model.dataclass_init import one_assignment_init


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class ThreadEvent:
    """Base of every event in a thread's stream."""

    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class ThreadStarted(ThreadEvent):
    """A thread's stream was opened under a user-chosen thread id.

    A subgraph's own thread names the thread of the graph that ran it (``parent_thread``)
    and its place there as LangGraph addresses it (``namespace``, e.g. ``"sub:<task id>"``).
    """

    TOPIC = "branchline.ThreadStarted"

    thread_id: str
    values: dict[str, Any] = field(default_factory=dict)
    parent_thread: str | None = None
    namespace: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)  # said by its creator (HTTP API)
    # A copy (``domain.model.thread_copy``): the thread it copies, and who copied it.
    copied_from: str | None = None
    copied_by: str | None = None


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Writes:
    """Mixin: the channel deltas an event applies."""

    assigned: dict[str, Any] = field(default_factory=dict)
    appended: dict[str, list[Any]] = field(default_factory=dict)


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class CheckpointEvent(ThreadEvent):
    """Base of the events that create a checkpoint."""

    SOURCE: ClassVar[str]

    parent: int | None
    step: int
    next: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    waiting: dict[str, tuple[str, ...]] = field(default_factory=dict)


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class InputReceived(CheckpointEvent):
    """New input arrived; its values are written by the ``__start__`` task that follows
    (in the same append, when a call brings it). Input recorded by ``update_state(config,
    values, as_node="__input__")`` waits for that task: ``packets`` holds it, as the
    ``__start__`` task's own input."""

    TOPIC = "branchline.InputReceived"
    SOURCE = "input"

    packets: tuple[tuple[str, Any], ...] = ()


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class StepCompleted(CheckpointEvent):
    """Every task of a superstep finished; their writes are folded into a new checkpoint.

    ``results`` carries the tasks that finished in the same append as the step closed
    (usually all of them), so a step is one event: each is a ``NodeCompleted``'s fields as
    a dict (``task_id``, ``node``, and ``assigned``, ``appended``, ``triggers``, ``sends``
    unless empty; lists for tuples). Tasks that finished in an earlier append (before an
    interrupt or a failed sibling) were recorded by their own ``NodeCompleted``.
    """

    TOPIC = "branchline.StepCompleted"
    SOURCE = "loop"
    class_version = 3

    packets: tuple[tuple[str, Any], ...] = ()
    results: tuple[dict[str, Any], ...] = ()
    doubled: tuple[str, ...] = ()  # nodes of ``next`` an edge and a join both scheduled

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 2 added ``packets``: the inputs of ``Send`` tasks at the end of ``next``."""
        state["packets"] = ()

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """Version 3 added ``results``: tasks recorded with the step, not before it."""
        state["results"] = ()


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class StateUpdated(CheckpointEvent, Writes):
    """Someone edited the state with ``update_state``, as if ``as_node`` had written it."""

    TOPIC = "branchline.StateUpdated"
    SOURCE = "update"

    as_node: str
    actor: str | None = None
    # The edit starts from the checkpoint's own values: writes of tasks that finished
    # since are dropped with their step, as in LangGraph (older edits kept them).
    discards_step: bool = False
    packets: tuple[tuple[str, Any], ...] = ()  # Send tasks the update routes to
    doubled: tuple[str, ...] = ()  # nodes of ``next`` an edge and a join both scheduled
    # The pending tasks the update was made as, each with what it wrote (records as
    # ``StepCompleted.results`` has them): the history shows them as those tasks' results
    # on the checkpoint the update edits, as LangGraph does.
    results: tuple[dict[str, Any], ...] = ()


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class NodeCompleted(ThreadEvent, Writes):
    """A task of the step in progress returned; its writes and the nodes it routes to."""

    TOPIC = "branchline.NodeCompleted"
    class_version = 2

    task_id: str
    node: str
    triggers: tuple[str, ...] = ()
    sends: tuple[tuple[str, Any], ...] = ()
    # What the node returned for reducer channels whose new value ``assigned`` holds
    # (``n: 1`` when ``n`` became 2): shown when the step goes on in a later run.
    returned: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 2 added ``sends``: the ``Send`` packets the task routed to."""
        state["sends"] = ()


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class NodeFailed(ThreadEvent):
    """A task of the step in progress raised; it is retried by the next run."""

    TOPIC = "branchline.NodeFailed"

    task_id: str
    node: str
    error: str


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Interrupted(ThreadEvent):
    """A task paused to ask a person something (``interrupt(value)``)."""

    TOPIC = "branchline.Interrupted"

    interrupt_id: str
    task_id: str
    node: str
    index: int
    value: Any
    # Where a subgraph's node asked it, when ``node`` runs a subgraph: the path of tasks
    # down to the asking one, as LangGraph names them ("sub:<task id>|ask:<task id>").
    namespace: str = ""
    # Who may answer (``interrupt(value, actors=..., roles=..., deadline=...)``): none
    # named, anyone; the deadline in ISO 8601, UTC.
    actors: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    deadline: str | None = None


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Resumed(ThreadEvent):
    """A person answered an interrupt: who, what, and a digest of what they were shown.

    ``task_id`` is the task the answer goes to: the asking task, or its successor when
    the same call also edited the state (a new checkpoint).
    """

    TOPIC = "branchline.Resumed"

    interrupt_id: str
    task_id: str
    node: str
    index: int
    value: Any
    actor: str | None
    digest: str


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class InterruptSuperseded(ThreadEvent):
    """A pending interrupt was dropped unanswered, because new input or an edit came first."""

    TOPIC = "branchline.InterruptSuperseded"

    interrupt_id: str
    node: str
    reason: str
    actor: str | None


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Paused(ThreadEvent):
    """A static breakpoint stopped the run before or after the named nodes."""

    TOPIC = "branchline.Paused"

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Forked(ThreadEvent):
    """The thread's head moved back to an earlier checkpoint: a new branch starts there.

    Carries that checkpoint and its values, so the fold stays one step. ``reason`` is
    ``replay`` (run again from it), ``edit`` (update_state on it), ``input`` (new input
    on it) or ``switch`` (continue another branch's head). With no checkpoint, the head
    moves to before the first one (``Thread.start_over``).
    """

    TOPIC = "branchline.Forked"
    class_version = 2

    checkpoint: Any
    values: dict[str, Any]
    reason: str
    actor: str | None = None
    name: str | None = None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 2's checkpoint also has ``ran``, ``doubled`` and ``replayed``; an older
        one reads as having none (an update without ``as_node`` on it is made as
        ``__start__``): nothing to change in the stored state."""


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Replayed(CheckpointEvent):
    """A replay from an earlier checkpoint began: a copy of it, to run what was pending."""

    TOPIC = "branchline.Replayed"
    SOURCE = "fork"

    packets: tuple[tuple[str, Any], ...] = ()  # the copied checkpoint's Send inputs


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class ThreadSnapshot(ThreadEvent):
    """The folded state of a thread at one version, stored to bound later folds."""

    TOPIC = "branchline.ThreadSnapshot"

    state: dict[str, Any]


EVENT_TYPES: tuple[type[ThreadEvent], ...] = (
    ThreadStarted,
    InputReceived,
    StepCompleted,
    StateUpdated,
    NodeCompleted,
    NodeFailed,
    Interrupted,
    Resumed,
    InterruptSuperseded,
    Paused,
    Forked,
    Replayed,
)
