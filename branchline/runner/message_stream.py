"""Stream mode ``"messages"``: the messages of LangChain chat models called in a node
(chunk by chunk when the model streams) and the messages nodes return, each with the
metadata of its task, as LangGraph 1.2.22 streams them.

It needs langchain-core, loaded only when a call asks for ``"messages"``. A chat model
called in a node finds the task's callbacks where LangChain looks for the config of the
runnable running now (``langchain_core.runnables.config.var_child_runnable_config``, a
context variable each task of such a run sets), so a node need not pass its config on.
A message is streamed once per call: one whose id was streamed already, or was in a
node's input, is left out when a node returns it (model chunks always stream).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import fields, is_dataclass
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from branchline.domain.model.ids import new_id
from branchline.runner.config import PLACE
from branchline.runner.errors import InvalidConfigError
from branchline.runner.types import Command

NOSTREAM = "nostream"  # a chat model run with this tag streams nothing (TAG_NOSTREAM)
_INSTALL = "pip install 'branchline[langchain]'"
# As LangGraph: the keys of a run's configurable its tasks' metadata repeat.
_PROPAGATED = (
    "thread_id",
    "checkpoint_id",
    "checkpoint_ns",
    "task_id",
    "run_id",
    "assistant_id",
    "graph_id",
)


def check_messages_mode() -> None:
    """Raise a clear error when langchain-core, which ``"messages"`` needs, is missing."""
    if _langchain() is None:
        raise InvalidConfigError(
            "stream_mode 'messages' streams the messages of LangChain chat models and "
            f"needs langchain-core, which is not installed; run {_INSTALL}, or stream "
            "another mode ('updates', 'values', 'custom')"
        )


class MessageStream:
    """The ``"messages"`` stream of one call, shared with the subgraphs it streams: the
    ids of the messages already streamed or seen in a node's input."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def task(
        self, config: dict[str, Any], metadata: dict[str, Any], streamed: list[Any]
    ) -> TaskMessages:
        """The part of one task: ``config`` the one its node gets, ``metadata`` its
        chunks', ``streamed`` where its chunks go."""
        return TaskMessages(self, config, metadata, streamed)


class TaskMessages:
    """What one task streams in ``"messages"``, and the config its node and chat models get."""

    def __init__(
        self,
        stream: MessageStream,
        config: dict[str, Any],
        metadata: dict[str, Any],
        streamed: list[Any],
    ) -> None:
        self._seen, self._streamed = stream.seen, streamed
        self.metadata = metadata
        lc = _required()
        self.handler = handler = _handler_class()(self)
        integration = {"ls_integration": "langgraph"}
        callbacks = lc.CallbackManager(
            handlers=[handler],
            inheritable_handlers=[handler],
            metadata=integration,
            inheritable_metadata=integration,
        )
        self.config = {**config, "metadata": metadata, "callbacks": callbacks}

    def started(self, state: Any) -> None:
        """A node run on ``state``: the messages in it are not streamed when returned."""
        for message in _messages_in(state, _required()):
            if message.id is not None:
                self._seen.add(message.id)

    def returned(self, output: Any) -> None:
        """Stream the messages a node returned that were neither streamed nor its input."""
        shown = {**self.metadata}
        shown.setdefault("ls_integration", "langgraph")
        for message in _messages_in(output, _required()):
            self.emit(message, shown, dedupe=True)

    def emit(self, message: Any, metadata: dict[str, Any], dedupe: bool = False) -> None:
        """Stream ``message`` (given an id if it has none, as LangGraph does)."""
        if dedupe and message.id in self._seen:
            return
        if message.id is None:
            message.id = new_id()
        self._seen.add(message.id)
        self._streamed.append(((), "messages", (message, metadata)))


def task_metadata(
    run: Mapping[str, Any], task: Mapping[str, Any], described: Mapping[str, Any]
) -> dict[str, Any]:
    """A task's metadata, as LangGraph gives it: the run's (``run`` config), the keys of
    its configurable LangGraph repeats there, ``described`` (``task_described``), and
    the task's place (``task``: the config its node gets)."""
    metadata = {k: v for k, v in (run.get("metadata") or {}).items() if k != "parents"}
    configurable = task["configurable"]
    given = {**(run.get("configurable") or {}), "thread_id": configurable.get("thread_id")}
    if given.get(PLACE):  # a subgraph's run without history: its place is its namespace
        given["checkpoint_ns"] = given[PLACE]
    for key in _PROPAGATED:
        if key not in metadata and given.get(key):
            metadata[key] = given[key]
    return {**metadata, **described, "langgraph_checkpoint_ns": configurable["checkpoint_ns"]}


def task_described(
    step: int,
    node: str,
    packet: int | None,
    joins: Sequence[tuple[Sequence[str], str]] = (),
    own: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``langgraph_*`` metadata of the task of ``node`` in ``step``, as LangGraph
    names its places: ``packet`` the index of its ``Send`` packet (None for one the
    edges started); ``joins`` the graph's waiting edges (their channels trigger it too);
    ``own``: the metadata ``add_node`` was given, added last."""
    if packet is not None:
        triggers: tuple[Any, ...] = ("__pregel_push",)
        path: tuple[Any, ...] = ("__pregel_push", packet, False)
    else:
        joined = [f"join:{'+'.join(sources)}:{node}" for sources, end in joins if end == node]
        triggers, path = (f"branch:to:{node}", *joined), ("__pregel_pull", node)
    return {
        "langgraph_step": step,
        "langgraph_node": node,
        "langgraph_triggers": triggers,
        "langgraph_path": path,
        **(own or {}),
    }


_installed: ContextVar[bool] = ContextVar("branchline_langchain_config", default=False)


def langchain_config_set() -> bool:
    """Whether an enclosing task made its config the one LangChain runnables inherit."""
    return _installed.get()


def installed(config: dict[str, Any] | None) -> Callable[[], None] | None:
    """Make a task's ``config`` the one LangChain runnables called from here inherit;
    with None (a run that does not stream messages nor has callbacks), clear the one an
    enclosing task set. Returns what undoes it, or None when there was nothing to do."""
    if config is None and not _installed.get():
        return None
    var = _required().var_child_runnable_config
    token, flag = var.set(config), _installed.set(config is not None)

    def undo() -> None:
        var.reset(token)
        _installed.reset(flag)

    return undo


def _messages_in(value: Any, lc: Any) -> Iterator[Any]:
    """The LangChain messages in what a node got or returned, where LangGraph looks: a
    ``Command``'s update, each item of a list holding a ``Command``, a message, the
    messages of a list, the values of a state (a message, or a list's messages)."""
    if isinstance(value, Command):
        yield from _messages_in(value.update, lc)
    elif _listed(value) and any(isinstance(item, Command) for item in value):
        for item in value:
            yield from _messages_in(item, lc)
    elif isinstance(value, lc.BaseMessage):
        yield value
    elif _listed(value):
        yield from (item for item in value if isinstance(item, lc.BaseMessage))
    else:
        for field in _values(value):
            if isinstance(field, lc.BaseMessage):
                yield field
            elif _listed(field):
                yield from (item for item in field if isinstance(item, lc.BaseMessage))


def _listed(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def _values(state: Any) -> list[Any]:
    if isinstance(state, Mapping):
        return list(state.values())
    if isinstance(state, BaseModel):
        return [getattr(state, name) for name in type(state).model_fields]
    if _is_instance_dataclass(state):
        return [getattr(state, f.name) for f in fields(state)]
    return []


def _is_instance_dataclass(value: Any) -> bool:
    return is_dataclass(value) and not isinstance(value, type)


class _Callbacks:
    """The LangChain callbacks of one task's chat models: their chunks, and their whole
    message when they did not stream. Mixed into LangChain's handler classes on first use
    (``_handler_class``), so that this module loads without langchain-core."""

    run_inline = True  # called in the model's thread, in order

    def __init__(self, task: TaskMessages) -> None:
        self._task = task
        self._runs: dict[UUID, dict[str, Any]] = {}

    def on_chat_model_start(
        self,
        serialized: Any,
        messages: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if metadata is None or NOSTREAM in (tags or ()):
            return
        shown = dict(metadata)
        # As LangGraph: the run's tags, less LangChain's own "seq:step:<n>" ones.
        if own := [t for t in tags or () if not t.startswith("seq:step")]:
            shown["tags"] = own
        self._runs[run_id] = shown

    def on_llm_new_token(self, token: str, *, chunk: Any = None, run_id: UUID, **kw: Any) -> None:
        metadata = self._runs.get(run_id)
        if metadata is not None and isinstance(chunk, _required().ChatGenerationChunk):
            self._task.emit(chunk.message, metadata)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        metadata = self._runs.pop(run_id, None)
        if metadata is None or not response.generations or not response.generations[0]:
            return
        generation = response.generations[0][0]
        if isinstance(generation, _required().ChatGeneration):
            self._task.emit(generation.message, metadata, dedupe=True)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._runs.pop(run_id, None)

    def tap_output_iter(self, run_id: UUID, output: Iterator[Any]) -> Iterator[Any]:
        return output

    def tap_output_aiter(self, run_id: UUID, output: Any) -> Any:
        return output


@functools.cache
def _handler_class() -> type[_Callbacks]:
    """``_Callbacks`` as a LangChain handler. Its streaming base (a private LangChain
    class, as LangGraph uses it) makes a chat model stream when invoked."""
    lc = _required()
    bases: tuple[type, ...] = (_Callbacks, lc.BaseCallbackHandler)
    if lc.streaming is not None:
        bases += (lc.streaming,)
    return type("MessagesCallbacks", bases, {})


@functools.cache
def _langchain() -> SimpleNamespace | None:
    """The langchain-core names this module uses, or None when it is not installed."""
    try:
        callbacks = importlib.import_module("langchain_core.callbacks")
        messages = importlib.import_module("langchain_core.messages")
        outputs = importlib.import_module("langchain_core.outputs")
        config = importlib.import_module("langchain_core.runnables.config")
    except ImportError:
        return None
    try:
        streaming = importlib.import_module("langchain_core.tracers._streaming")
    except ImportError:
        streaming = None
    return SimpleNamespace(
        BaseCallbackHandler=callbacks.BaseCallbackHandler,
        CallbackManager=callbacks.CallbackManager,
        BaseMessage=messages.BaseMessage,
        ChatGeneration=outputs.ChatGeneration,
        ChatGenerationChunk=outputs.ChatGenerationChunk,
        var_child_runnable_config=config.var_child_runnable_config,
        streaming=getattr(streaming, "_StreamingCallbackHandler", None),
    )


def _required() -> Any:
    lc = _langchain()
    if lc is None:
        check_messages_mode()
    return lc
