"""``interrupt()`` and ``NodeInterrupt``: pausing a node to ask a person.

A task runs inside a scope that knows the answers already given to it. The n-th
``interrupt()`` call of a run of the node returns the n-th answer; the first call
without an answer stops the node by raising ``GraphInterrupt``, which the executor
records as an ``Interrupted`` event. On resume the node runs again from its first
line, and the earlier calls return their answers in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime, timedelta
from typing import Any

from branchline.domain.model import clock
from branchline.domain.model.checkpoint import Deciders
from branchline.domain.model.ids import interrupt_id
from branchline.runner.errors import InvalidConfigError


class GraphInterrupt(Exception):
    """Raised inside a node by ``interrupt()`` to pause it; the executor catches it."""

    def __init__(self, value: Any, index: int, deciders: Deciders | None = None) -> None:
        super().__init__(value)
        self.value = value
        self.index = index
        self.deciders = deciders or Deciders()


class NodeInterrupt(Exception):
    """Raise in a node to pause the graph there, showing ``value`` to the person.

    The node runs again on resume (and raises again unless the state changed); prefer
    ``interrupt(value)``, which returns the person's answer.
    """

    def __init__(self, value: Any = None) -> None:
        super().__init__(value)
        self.value = value


class TaskScope:
    """What ``interrupt()`` (and a subgraph node) needs to know about its task.

    ``with scope:`` runs a node with it as the answer source of its ``interrupt()`` calls.
    The attributes below the constructor's start at these shared values: most tasks
    never change them, and a task is made for every node run.
    """

    calls = 0  # the interrupt() calls its node made so far
    joined = 0  # graphs without a store invoked in this task so far (subgraph.join_task)
    without_history = False  # it runs a subgraph compiled with checkpointer=False
    # While it runs a graph without history: that graph's namespace, and which of its
    # tasks runs now (they run in this scope, one by one), so subgraphs stream under both.
    stream_at: tuple[str, ...] = ()
    stream_task = ""
    call: Any = None  # the running node's runtime.NodeCall (get_config, get_runtime)
    place: Any = None  # where the task runs (runtime.TaskPlace): its NodeCall's
    _token: Token[TaskScope | None] | None = None

    def __init__(
        self,
        task_id: str,
        answers: list[Any],
        durable: bool,
        answered: dict[str, Any] | None = None,
        store: Any = None,
        thread: Any = None,
        node: str = "",
        config: Any = None,
        stream_modes: tuple[str, ...] = (),
        streamed: list[Any] | None = None,
    ) -> None:
        """``answered``: the answers given to its questions, by interrupt id; ``thread``:
        the Thread whose task this is (a subgraph's parent); ``config``: the config of the
        task's run. When the caller streams subgraphs (``stream(..., subgraphs=True)``):
        ``stream_modes``, and ``streamed``, where the chunks of the subgraph this task
        runs go, as ``(namespace, mode, chunk)``."""
        self.task_id, self.answers, self.durable = task_id, answers, durable
        self.answered = {} if answered is None else answered
        self.store, self.thread, self.node, self.config = store, thread, node, config
        self.stream_modes = stream_modes
        self.streamed = [] if streamed is None else streamed

    def __enter__(self) -> TaskScope:
        self._token = _scope.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._token is not None
        _scope.reset(self._token)


_scope: ContextVar[TaskScope | None] = ContextVar("branchline_task_scope", default=None)


def interrupt(
    value: Any,
    *,
    actors: Iterable[str] = (),
    roles: Iterable[str] = (),
    deadline: datetime | timedelta | None = None,
) -> Any:
    """Pause this node and show ``value`` to a person; return their answer on resume.

    The node runs again from its first line when resumed with
    ``Command(resume=answer)``, and this call then returns ``answer``.

    Branchline's own options: only the ``actors`` named, or whoever holds one of the
    ``roles`` (``config["configurable"]["roles"]``; the server's tokens), may answer;
    after ``deadline`` (a time, or how long from now) nobody may. An answer from anyone
    else, or too late, is refused and writes nothing; so is anyone else's edit or new
    input, which would drop the question unanswered (``runner/deciders.py``).
    """
    scope = _scope.get()
    if scope is None:
        raise RuntimeError(
            "interrupt() was called outside a graph node; call it from a node function "
            "while the graph runs (graph.invoke or graph.stream)"
        )
    if not scope.durable:
        raise InvalidConfigError(
            "interrupt() needs a checkpointer to remember the pause and the answer; compile "
            "the graph with builder.compile(checkpointer=CheckpointStore.sqlite('threads.db'))"
        )
    index = scope.calls
    scope.calls += 1
    if index < len(scope.answers):
        return scope.answers[index]
    raise GraphInterrupt(value, index, deciders_of(actors, roles, deadline))


def deciders_of(
    actors: Iterable[str], roles: Iterable[str], deadline: datetime | timedelta | None
) -> Deciders:
    """``interrupt()``'s ``actors``, ``roles`` and ``deadline``, checked."""
    if isinstance(actors, str) or isinstance(roles, str):
        option, given = ("actors", actors) if isinstance(actors, str) else ("roles", roles)
        raise InvalidConfigError(
            f"interrupt({option}=...) takes a list of names, got {given!r}; "
            f'e.g. interrupt(value, {option}=["ana"])'
        )
    named = {"actors": tuple(actors), "roles": tuple(roles)}  # once: an iterator is spent
    for option, given in named.items():
        if not all(isinstance(n, str) and n for n in given):
            raise InvalidConfigError(
                f"interrupt({option}=...) takes a list of names, got {given!r}; "
                f'e.g. interrupt(value, {option}=["ana"])'
            )
    if isinstance(deadline, timedelta):
        deadline = clock.now() + deadline
    if deadline is not None and (not isinstance(deadline, datetime) or deadline.tzinfo is None):
        raise InvalidConfigError(
            f"interrupt(deadline=...) takes a timezone-aware datetime or a timedelta, got "
            f"{deadline!r}; e.g. deadline=timedelta(hours=4)"
        )
    when = None if deadline is None else deadline.astimezone(UTC)
    return Deciders(named["actors"], named["roles"], when)


def current_scope() -> TaskScope | None:
    """The scope of the task running in this context, if any."""
    return _scope.get()


@contextmanager
def without_history(scope: TaskScope | None, namespace: tuple[str, ...]) -> Iterator[None]:
    """While the task of ``scope`` runs a graph that keeps no history (streaming at
    ``namespace``): the subgraphs that graph runs keep none either."""
    if scope is None:
        yield
        return
    kept = scope.without_history, scope.stream_at, scope.stream_task
    scope.without_history, scope.stream_at = True, namespace
    try:
        yield
    finally:
        scope.without_history, scope.stream_at, scope.stream_task = kept


@contextmanager
def streaming_for(scope: TaskScope, task_id: str, call: Any) -> Iterator[None]:
    """While task ``task_id`` of a graph without history runs in the task of ``scope``
    (its node's ``call``)."""
    kept = scope.stream_task, scope.call
    scope.stream_task, scope.call = task_id, call
    try:
        yield
    finally:
        scope.stream_task, scope.call = kept


def in_durable_task() -> bool:
    """Whether this runs in a task of a graph that keeps history (a graph without history
    run there, as a subgraph compiled with checkpointer=False, pauses with that task)."""
    scope = _scope.get()
    return scope is not None and scope.durable and scope.thread is not None


def node_interrupt_id(scope: TaskScope) -> str:
    """The id of the ``NodeInterrupt`` the task of ``scope`` raised: raised again after a
    resume (LangGraph keeps it pending each time), it is a new question."""
    before = sum(
        1
        for r in scope.thread.interrupts
        if r.task_id == scope.task_id and r.index == scope.calls and (r.answered or r.dropped)
    )
    return interrupt_id(scope.task_id, scope.calls, before)


def digest(encoded: bytes) -> str:
    """A short digest of an interrupt's value, recorded with each answer to it."""
    return hashlib.sha256(encoded).hexdigest()[:16]
