"""LangChain callbacks told of a run as LangGraph tells them: tracers (LangSmith's,
Langfuse's...) given in ``config["callbacks"]``, and ``astream_events``.

The call is a chain run named after the graph; each task's node run is a chain run under
it, tagged ``graph:step:<n>``, with the task's metadata; its path functions run under it
once its step's writes are known, and then its output is streamed to the handlers that
stream and it ends (or fails: a question is a failure to LangChain, as in LangGraph).
What a node calls of LangChain (a chat model, a tool) nests under its node's run: the
node's config carries that run's callbacks, and so does the config LangChain runnables
called without one inherit. A run without callbacks pays nothing: langchain-core is
loaded only when a config has them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from branchline.runner.aio import in_async_call
from branchline.runner.config import CALLS_OWN
from branchline.runner.errors import InvalidConfigError
from branchline.runner.interrupts import GraphInterrupt, TaskScope

_INSTALL = "pip install 'branchline[langchain]'"


class Tracing:
    """The callbacks of one call: its chain run once it started (``call``), and the
    callbacks its tasks' runs start under."""

    def __init__(self, callbacks: Any) -> None:
        self.callbacks = callbacks
        self.run: Any = None  # the call's chain run, once it started

    def call(
        self,
        name: str,
        input: Any,
        run_id: Any,
        chunks: Iterator[Any],
        left: Callable[[], tuple[Any, bool]],
        nested: bool,
        reported: Callable[[BaseException], BaseException],
    ) -> Iterator[Any]:
        """``chunks``, the stream of a call, told as the chain run ``name`` (``run_id``:
        the config's, when it names one): started on the first chunk asked for, ended
        with the values the call leaves, or failed with its error. ``left()``: those
        values, and whether it paused; a subgraph's call that paused (``nested``) fails
        with a ``GraphInterrupt``, as its parent's task does in LangGraph. ``reported``:
        what an error raised is told as (the engine's own signals as LangGraph's)."""
        run = self.callbacks.on_chain_start(None, input, run_id=_uuid(run_id), name=name)
        self.run = run
        try:
            yield from chunks
        except BaseException as error:
            run.on_chain_error(reported(error))
            raise
        values, paused = left()
        if nested and paused:
            run.on_chain_error(GraphInterrupt(values, 0))
        else:
            run.on_chain_end(values)

    def node(self, step: int, node: str, state: Any, metadata: dict[str, Any]) -> NodeRun:
        """A run of ``node`` in ``step`` starts, on ``state``."""
        return NodeRun(self.run.get_child(f"graph:step:{step}"), node, state, metadata)


def tracing(config: Mapping[str, Any]) -> Tracing | None:
    """The tracing of a call whose config is ``config`` (its callbacks, tags and
    metadata), or None when it names no callbacks."""
    given = config.get("callbacks")
    if not given:
        return None
    try:
        manager = importlib.import_module("langchain_core.callbacks.manager")
    except ImportError:
        raise InvalidConfigError(
            f"config['callbacks'] names LangChain callbacks, and langchain-core is not "
            f"installed; run {_INSTALL}, or leave callbacks out of the config"
        ) from None
    callbacks = manager.CallbackManager.configure(
        inheritable_callbacks=given,
        inheritable_tags=list(config.get("tags") or ()),
        inheritable_metadata=dict(config.get("metadata") or {}),
    )
    return Tracing(callbacks)


class NodeRun:
    """One run of a node, told to the callbacks of its call. As in LangGraph, its path
    functions run under it once it returned (``path``), and then it ends (``ended``)."""

    def __init__(
        self, parent: Any, node: str, state: Any, metadata: dict[str, Any], paths_at: int = 0
    ) -> None:
        parent.add_metadata(metadata)  # inherited by what the node calls, as LangGraph's
        self._run = parent.on_chain_start(None, state, name=node)
        # What the node calls runs under, as under the first runnable of LangGraph's node.
        self.callbacks = self._run.get_child("seq:step:1")
        self.output: Any = state
        self._open = True
        self._paths_at = paths_at  # an update's run: its paths' places, from this one

    def path(
        self, place: int, func: Callable[..., Any], chosen: Callable[[], Any], state: Any
    ) -> Any:
        """``chosen()``, what the node's path function ``func`` chooses on ``state``, told
        as a run under the node's (``place``: its runnable's place in LangGraph's node,
        for the tag)."""
        if self._paths_at:
            place, self._paths_at = self._paths_at, self._paths_at + 1
        shown = getattr(func, "__name__", "<lambda>")
        if shown == "<lambda>":  # unnamed: as LangGraph's two faces show it
            shown = "Unnamed" if in_async_call() else "RunnableCallable"
        run = self._run.get_child(f"seq:step:{place}").on_chain_start(None, state, name=shown)
        try:
            choice = chosen()
        except BaseException as error:
            run.on_chain_error(error)
            raise
        run.on_chain_end(choice)
        return choice

    def ended(self) -> None:
        """The node's routes are known: its ``output`` is streamed to the handlers that
        stream, and its run ends (once)."""
        if not self._open:
            return
        self._open = False
        streaming = _streaming_class()
        for handler in self._run.handlers:
            if streaming is not None and isinstance(handler, streaming):
                for _ in handler.tap_output_iter(self._run.run_id, iter([self.output])):
                    pass
        self._run.on_chain_end(self.output)

    def failed(self, error: BaseException) -> None:
        """The node, or one of its path functions, raised ``error`` (or asked a question)."""
        if self._open:
            self._open = False
            self._run.on_chain_error(error)


_updating: ContextVar[tuple[Any, str] | None] = ContextVar("branchline_updating", default=None)


@contextmanager
def traced_update(config: Mapping[str, Any], graph: str) -> Iterator[None]:
    """An ``update_state`` (or ``bulk_update_state``) of ``graph`` with ``config``: each
    update made as a node with path functions is told to the config's callbacks as
    LangGraph tells it, a run ``<graph>UpdateState`` with those functions' runs under it."""
    found = tracing(config)
    if found is None:
        yield
        return
    token = _updating.set((found.callbacks, f"{graph}UpdateState"))
    try:
        yield
    finally:
        _updating.reset(token)


def update_run(state: Any) -> NodeRun | None:
    """The run of an update whose path functions choose on ``state``, if the update is
    told to callbacks (``traced_update``)."""
    found = _updating.get()
    if found is None:
        return None
    callbacks, name = found
    return NodeRun(callbacks, name, state, {}, paths_at=2)  # its node's writes come first


def calling_config(scope: TaskScope | None) -> dict[str, Any]:
    """The config of the run of the task that runs a subgraph, for the subgraph's run:
    without the call's own run id and name, and with the callbacks of the task's node
    run when the call has callbacks (the subgraph's run is told under it)."""
    if scope is None:
        return {}
    config = {k: v for k, v in scope.config.items() if k not in CALLS_OWN}
    traced = getattr(scope.call, "traced", None)
    if traced is not None:
        config["callbacks"] = traced.callbacks
    return config


def langchain_events() -> Any:
    """LangChain's ``astream_events`` (v2) of a runnable, which runs its ``astream``
    with a handler that turns callbacks into events; a clear error without it."""
    try:
        module = importlib.import_module("langchain_core.tracers.event_stream")
    except ImportError:
        raise InvalidConfigError(
            f"astream_events needs langchain-core, which is not installed; run {_INSTALL}"
        ) from None
    return module._astream_events_implementation_v2


def _uuid(run_id: Any) -> UUID | None:
    if run_id is None or isinstance(run_id, UUID):
        return run_id
    return UUID(str(run_id))


def _streaming_class() -> Any:
    """LangChain's class of the handlers that stream runs' outputs (private, as the one
    ``message_stream`` uses), or None."""
    try:
        module = importlib.import_module("langchain_core.tracers._streaming")
    except ImportError:
        return None
    return getattr(module, "_StreamingCallbackHandler", None)
