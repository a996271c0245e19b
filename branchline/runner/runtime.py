"""What a node can reach while it runs, besides its state: the run's ``context``, its
config, and a writer to the ``"custom"`` stream, as LangGraph offers them (``Runtime``,
``get_runtime()``, ``get_config()``, ``get_stream_writer()``, and the ``runtime``,
``writer`` and ``config`` parameters a node function may declare).

A call's context and whether it streams ``"custom"`` travel in its config under
``RUNTIME`` (a subgraph's run inherits the context of the task that runs it); each task
runs inside a ``NodeCall`` that ``get_*()`` find in a context variable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, is_dataclass
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from pydantic import BaseModel

from branchline.runner.errors import InvalidConfigError
from branchline.runner.message_stream import MessageStream, TaskMessages, installed, task_metadata

ContextT = TypeVar("ContextT")
StreamWriter = Callable[[Any], None]
RUNTIME = "__branchline_runtime"  # in a run's configurable: its RunContext


def _no_writer(chunk: Any) -> None:
    """The writer of a run that does not stream ``"custom"``: what it is given is dropped."""


@dataclass(frozen=True)
class Runtime(Generic[ContextT]):
    """What a node gets besides its state: declare ``runtime: Runtime[Ctx]`` as a
    parameter, or call ``get_runtime()``. ``context`` is what the call passed as
    ``invoke(..., context=...)``; ``stream_writer`` writes to the ``"custom"`` stream;
    ``store`` and ``previous`` are always None (no long-term store, no functional API)."""

    context: ContextT = field(default=None)  # type: ignore[assignment]
    store: Any = None
    stream_writer: StreamWriter = field(default=_no_writer)
    previous: Any = None


@dataclass(frozen=True)
class RunContext:
    """A run's context, whether its caller streams ``"custom"``, and its ``"messages"``
    stream if it has one (a subgraph streamed for its caller shares its caller's)."""

    context: Any = None
    custom: bool = False
    messages: MessageStream | None = None


def with_run_context(
    config: Mapping[str, Any] | None,
    context: Any,
    modes: Sequence[str],
    schema: type[Any] | None,
) -> dict[str, Any]:
    """``config`` carrying this run's context (given now, else the one of the run whose
    task runs this graph) and the streams of ``modes`` its tasks write to."""
    config = dict(config or {})
    configurable = dict(config.get("configurable") or {})
    inherited = configurable.get(RUNTIME)  # a graph run in a node: that node's run's
    if not isinstance(inherited, RunContext) and (call := _current.get()) is not None:
        inherited = call.run
    outer = inherited if isinstance(inherited, RunContext) else RunContext()
    context = outer.context if context is None else coerced_context(schema, context)
    messages = (outer.messages or MessageStream()) if "messages" in modes else None
    configurable[RUNTIME] = RunContext(context, "custom" in modes, messages)
    return {**config, "configurable": configurable}


def coerced_context(schema: type[Any] | None, context: Any) -> Any:
    """A dict given for a dataclass or pydantic ``context_schema`` made into one, as
    LangGraph does; any other context as it is."""
    if schema is None or not isinstance(context, dict):
        return context
    if not (is_dataclass(schema) or (isinstance(schema, type) and issubclass(schema, BaseModel))):
        return context
    try:
        return schema(**context)
    except (TypeError, ValueError) as error:
        raise InvalidConfigError(
            f"context {context!r} does not fit the graph's context_schema "
            f"{schema.__name__}: {error}; pass context={schema.__name__}(...) or a dict "
            "of its fields"
        ) from error


class NodeCall:
    """One task's run of its node: what ``get_runtime()``, ``get_config()`` and
    ``get_stream_writer()`` return in it, and its share of the ``"messages"`` stream.
    ``with call:`` makes it the current one (and its config the one LangChain chat
    models called in it inherit, when the run streams messages)."""

    __slots__ = (
        "_config",
        "_described",
        "_given",
        "_messages",
        "_runtime",
        "_streamed",
        "_token",
        "_undo",
        "run",
    )

    def __init__(
        self,
        run: Mapping[str, Any],
        streamed: list[Any],
        config: Callable[[], dict[str, Any]],
        described: Callable[[], dict[str, Any]] = dict,
    ) -> None:
        """``run``: the run's config; ``streamed``: where the task's stream chunks go,
        as ``(namespace, mode, chunk)``; ``config``: makes the config the node gets;
        ``described``: makes the task's ``langgraph_*`` metadata."""
        found = (run.get("configurable") or {}).get(RUNTIME)
        self.run = found if isinstance(found, RunContext) else RunContext()
        self._given = run
        self._streamed, self._config, self._described = streamed, config, described
        self._token: Token[NodeCall | None] | None = None
        self._runtime: Runtime[Any] | None = None
        self._messages: TaskMessages | None = None
        self._undo: Callable[[], None] | None = None

    def __enter__(self) -> NodeCall:
        self._token = _current.set(self)
        if self.run.messages is not None:
            config = self._config()
            metadata = task_metadata(self._given, config, self._described())
            self._messages = self.run.messages.task(config, metadata, self._streamed)
        self._undo = installed(self._messages)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._token is not None
        if self._undo is not None:
            self._undo()
        _current.reset(self._token)

    def started(self, state: Any) -> None:
        """The node starts on ``state`` (the ``"messages"`` stream skips its messages)."""
        if self._messages is not None:
            self._messages.started(state)

    def returned(self, output: Any) -> None:
        """The node returned ``output`` (its new messages go to the ``"messages"`` stream)."""
        if self._messages is not None:
            self._messages.returned(output)

    def write(self, chunk: Any) -> None:
        """Stream ``chunk`` in the ``"custom"`` mode, after what the task wrote before."""
        self._streamed.append(((), "custom", chunk))

    @property
    def writer(self) -> StreamWriter:
        """The task's writer to the ``"custom"`` stream (dropping, when not streamed)."""
        return self.write if self.run.custom else _no_writer

    @property
    def runtime(self) -> Runtime[Any]:
        """The task's ``Runtime``, made on first use."""
        if self._runtime is None:
            self._runtime = Runtime(self.run.context, stream_writer=self.writer)
        return self._runtime

    def config(self) -> dict[str, Any]:
        """The config the node gets (``config`` parameter, ``get_config()``): with the
        task's metadata and callbacks when the run streams messages, as LangGraph's."""
        if self._messages is not None:
            return dict(self._messages.config)
        return self._config()

    def arguments(self, func: Callable[..., Any]) -> dict[str, Any]:
        """The keyword arguments ``func`` asks for by name: ``config``, ``runtime``,
        ``writer``, as LangGraph injects them."""
        wanted = injected(func)
        if not wanted:
            return {}
        given: dict[str, Any] = {}
        if "config" in wanted:
            given["config"] = self._config()
        if "runtime" in wanted:
            given["runtime"] = self.runtime
        if "writer" in wanted:
            given["writer"] = self.writer
        return given


_current: ContextVar[NodeCall | None] = ContextVar("branchline_node_call", default=None)
_INJECTED = ("config", "runtime", "writer")
_asked: WeakKeyDictionary[Any, frozenset[str]] = WeakKeyDictionary()


def injected(func: Callable[..., Any]) -> frozenset[str]:
    """The parameters of ``func`` the runner fills in (``config``, ``runtime``,
    ``writer``), read once per function."""
    try:
        return _asked[func]
    except (KeyError, TypeError):
        pass
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        found: frozenset[str] = frozenset()
    else:
        found = frozenset(
            p.name for p in params if p.name in _INJECTED and p.kind != p.POSITIONAL_ONLY
        )
    with suppress(TypeError):  # not weakly referable: read again next time
        _asked[func] = found
    return found


def _inside(what: str) -> NodeCall:
    call = _current.get()
    if call is None:
        raise RuntimeError(
            f"{what} was called outside a graph node; call it from a node function while "
            "the graph runs (graph.invoke or graph.stream)"
        )
    return call


def get_runtime(context_schema: type[ContextT] | None = None) -> Runtime[ContextT]:
    """The ``Runtime`` of the node running now (its ``context``, its ``stream_writer``);
    ``context_schema`` only helps type checkers. RuntimeError outside a node."""
    return _inside("get_runtime()").runtime


def get_config() -> dict[str, Any]:
    """The config of the node running now, as its ``config`` parameter would get it.
    RuntimeError outside a node."""
    return _inside("get_config()").config()


def get_stream_writer() -> StreamWriter:
    """A function that sends what it is given to the ``"custom"`` stream, from the node
    running now (it drops it when the caller does not stream ``"custom"``).
    RuntimeError outside a node."""
    return _inside("get_stream_writer()").writer
