"""What a node can reach while it runs, besides its state: the run's ``context``, its
config, and a writer to the ``"custom"`` stream, as LangGraph offers them (``Runtime``,
``get_runtime()``, ``get_config()``, ``get_stream_writer()``, and the ``runtime``,
``writer`` and ``config`` parameters a node function may declare).

A call's context and whether it streams ``"custom"`` travel in its config under
``RUNTIME`` (a subgraph's run inherits the context of the task that runs it); each task
runs inside a ``NodeCall`` that ``get_*()`` find in a context variable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, is_dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from branchline.runner.aio import awaited, sync_node_output
from branchline.runner.callbacks import NodeRun, Tracing, tracing
from branchline.runner.config import PARENT_THREAD, task_config
from branchline.runner.errors import InvalidConfigError
from branchline.runner.interrupts import GraphInterrupt, TaskScope, current_scope
from branchline.runner.message_stream import (
    MessageStream,
    TaskMessages,
    installed,
    langchain_config_set,
    task_described,
    task_metadata,
)
from branchline.runner.subgraph import SubgraphPaused
from branchline.runner.topology import Node

ContextT = TypeVar("ContextT")
StreamWriter = Callable[[Any], None]
RUNTIME = "__branchline_runtime"  # in a run's configurable: its RunContext
# Where a task runs, as ``task_described`` takes it: its step, node, Send packet (None
# for a task its edges started), the graph's joins, and the metadata add_node was given.
TaskPlace = tuple[
    int, str, int | None, Sequence[tuple[Sequence[str], str]], Mapping[str, Any] | None
]


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
    """A run's context, whether its caller streams ``"custom"``, its ``"messages"``
    stream if it has one (a subgraph streamed for its caller shares its caller's), and
    the LangChain callbacks its config names (``tracing``: each call's own, not inherited)."""

    context: Any = None
    custom: bool = False
    messages: MessageStream | None = None
    tracing: Tracing | None = None


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
    if not isinstance(inherited, RunContext) and (call := _running()) is not None:
        inherited = call.run
    outer = inherited if isinstance(inherited, RunContext) else RunContext()
    context = outer.context if context is None else coerced_context(schema, context)
    messages = (outer.messages or MessageStream()) if "messages" in modes else None
    configurable[RUNTIME] = RunContext(context, "custom" in modes, messages, tracing(config))
    return {**config, "configurable": configurable}


def traced(
    config: Mapping[str, Any],
    name: str,
    input: Any,
    chunks: Iterator[Any],
    left: Callable[[], Any],
) -> Iterator[Any]:
    """The chunks of a call whose config is ``config``, told to its callbacks if it
    names any (``callbacks.Tracing``), as the run ``run_name`` (else the graph's
    ``name``): ``left()`` gives the values it ends with."""
    configurable = config.get("configurable") or {}
    found = configurable.get(RUNTIME)
    if not isinstance(found, RunContext) or found.tracing is None:
        return chunks
    named, nested = config.get("run_name") or name, bool(configurable.get(PARENT_THREAD))
    run_id = config.get("run_id")
    return found.tracing.call(named, input, run_id, chunks, left, nested, as_langgraphs)


def as_langgraphs(error: BaseException) -> BaseException:
    """``error`` as LangGraph's callbacks are told of it: a subgraph's pause is the
    ``GraphInterrupt`` it raises there."""
    if isinstance(error, SubgraphPaused):
        return GraphInterrupt(error.questions, 0)
    return error


def values_left(run: Any, schema: Any, boundary: Any) -> tuple[Any, bool]:
    """The values a call leaves (``run``: its ``executor.Run``), as ``invoke`` returns
    them without its questions, and whether it paused (work is left)."""
    thread = run.thread
    if thread is None:
        return None, False
    values = thread.live_values
    shown = boundary.output(schema.shown(values) if schema.kind == "root" else values)
    return shown, bool(thread.pending_interrupts or thread.pending_tasks)


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

    __slots__ = ("_messages", "_place", "_runtime", "_scope", "_traced", "_undo", "run")

    def __init__(self, scope: TaskScope, place: TaskPlace) -> None:
        """``scope``: the task's (its run's config, its thread, node and id, and where its
        stream chunks go, as ``(namespace, mode, chunk)``); ``place``: the arguments of
        ``task_described``, the task's ``langgraph_*`` metadata, made when asked for."""
        found = (scope.config.get("configurable") or {}).get(RUNTIME)
        self.run = found if isinstance(found, RunContext) else RunContext()
        self._scope, self._place = scope, place
        self._runtime: Runtime[Any] | None = None
        self._messages: TaskMessages | None = None
        self._traced: NodeRun | None = None  # this attempt's run, told to the callbacks
        self._undo: Callable[[], None] | None = None

    def __enter__(self) -> NodeCall:
        if self.run.messages is not None:
            config, scope = self._task_config(), self._scope
            metadata = task_metadata(scope.config, config, task_described(*self._place))
            self._messages = self.run.messages.task(config, metadata, scope.streamed)
        if self._messages is not None or langchain_config_set():
            self._undo = installed(self._messages.config if self._messages else None)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._undo is not None:
            self._undo()

    def run_node(self, node: Node, state: Any) -> Any:
        """One run of ``node`` on ``state``, with the arguments it asks for; the
        ``"messages"`` stream skips its input's messages and takes its new ones."""
        messages = self._messages
        if messages is not None:
            messages.started(state)
        if self.run.tracing is None:
            output = self._called(node, state)
        else:
            output = self._traced_call(self.run.tracing, node, state)
        if messages is not None:
            messages.returned(output)
        return output

    def _called(self, node: Node, state: Any) -> Any:
        given = self.arguments(node.asks) if node.asks else {}
        if node.awaits:
            return awaited(node.func(state, **given), node.name)
        return sync_node_output(node.func, state, **given)

    def _traced_call(self, tracing: Tracing, node: Node, state: Any) -> Any:
        """The call told to the run's callbacks: a chain run of the node (each attempt
        one), under which what it calls of LangChain runs."""
        config = self._task_config()
        self._traced = traced = tracing.node(self._place[0], node.name, state, config["metadata"])
        if self._messages is not None:
            traced.callbacks.add_handler(self._messages.handler, inherit=True)
        undo = installed(self.config())
        try:
            output = self._called(node, state)
        except BaseException as error:
            traced.failed(as_langgraphs(error))
            raise
        finally:
            if undo is not None:
                undo()
        traced.output = output  # it ends once its routes are known (tasks.reduce_outcomes)
        return output

    @property
    def traced(self) -> NodeRun | None:
        """The node's last run as the call's callbacks were told of it, if they were."""
        return self._traced

    def write(self, chunk: Any) -> None:
        """Stream ``chunk`` in the ``"custom"`` mode, after what the task wrote before."""
        self._scope.streamed.append(((), "custom", chunk))

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
        return self._traced_config(
            dict(self._messages.config) if self._messages else self._task_config()
        )

    def _traced_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """``config`` with the callbacks of the node's run, when the call has callbacks
        (and without the call's ``run_id``, which is the call's run's own)."""
        if self._traced is not None:
            config["callbacks"] = self._traced.callbacks
            config.pop("run_id", None)
        return config

    def _task_config(self) -> dict[str, Any]:
        """The task's config, with its metadata as LangGraph gives a node: the run's, the
        thread's id and the task's ``langgraph_*`` keys (``task_metadata``)."""
        scope = self._scope
        config = task_config(scope.config, scope.thread, scope.node, scope.task_id)
        config["metadata"] = task_metadata(scope.config, config, task_described(*self._place))
        return config

    def arguments(self, wanted: frozenset[str]) -> dict[str, Any]:
        """The keyword arguments a node asks for by name (``Node.asks``): ``config``,
        ``runtime``, ``writer``, as LangGraph injects them."""
        given: dict[str, Any] = {}
        if "config" in wanted:
            given["config"] = self._traced_config(self._task_config())
        if "runtime" in wanted:
            given["runtime"] = self.runtime
        if "writer" in wanted:
            given["writer"] = self.writer
        return given


def needs_call(config: Mapping[str, Any]) -> bool:
    """Whether a task of the run of ``config`` must run its node in a ``NodeCall``
    entered at its start: the run streams messages or has callbacks, or an enclosing
    task set the config LangChain runnables inherit. (Otherwise the call is made when
    the node asks.)"""
    found = (config.get("configurable") or {}).get(RUNTIME)
    if isinstance(found, RunContext) and (found.messages or found.tracing):
        return True
    return langchain_config_set()


def _running() -> NodeCall | None:
    """The call of the node running here, if one is (its task's scope holds it, or
    the task's place to make it from)."""
    scope = current_scope()
    if scope is None:
        return None
    if scope.call is None and scope.place is not None:
        scope.call = NodeCall(scope, scope.place)
    call: NodeCall | None = scope.call
    return call


def _inside(what: str) -> NodeCall:
    call = _running()
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
