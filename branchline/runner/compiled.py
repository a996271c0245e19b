"""CompiledStateGraph: run a graph durably and read or edit its threads."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from branchline.domain.model.events import ThreadEvent
from branchline.domain.model.ids import checkpoint_version
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.collection_pause import collection_paused
from branchline.runner.async_methods import AsyncMethods
from branchline.runner.boundary import Boundary
from branchline.runner.branching import Branching
from branchline.runner.callbacks import traced_update
from branchline.runner.config import KEPT_BASE, ROOT_THREAD, RunConfig, checked_step_timeout
from branchline.runner.durability import Durability, Journal, check_durability
from branchline.runner.errors import InvalidConfigError
from branchline.runner.executor import Breakpoints, Run, lazy_pool
from branchline.runner.intake import Intake
from branchline.runner.interrupts import in_durable_task
from branchline.runner.output_keys import OutputKeys, check_output_keys, selected, selected_values
from branchline.runner.runnable import RunnableMethods
from branchline.runner.runtime import traced, values_left, with_run_context
from branchline.runner.schema import StateSchema
from branchline.runner.snapshots import config_of, empty_snapshot, snapshot_of
from branchline.runner.spec import GraphSpec
from branchline.runner.stream_chunks import DEBUG_MODES, Emitter, printed, shaped, stream_modes
from branchline.runner.subgraph import Persistence, check_runs_alone, join_task, joins_task
from branchline.runner.subgraph_state import (
    outer_snapshot,
    run_from_subgraph,
    shown_in_history,
    subgraph_of,
    subgraphs_in,
    update_subgraph,
    with_subgraph_states,
)
from branchline.runner.topology import Topology, node_names
from branchline.runner.types import StateSnapshot, StateUpdate

TASKS, WRITER = "branchline-task", "branchline-writer"  # the names of a graph's threads


class CompiledStateGraph(Branching, RunnableMethods, AsyncMethods):
    """A validated graph, bound to an optional checkpoint store."""

    name: str = "LangGraph"  # compile(name=...), as LangGraph's default
    context_schema: type[Any] | None = None  # StateGraph(..., context_schema=...)

    def __init__(
        self,
        schema: StateSchema,
        topology: Topology,
        store: CheckpointStore | None,
        interrupt_before: tuple[str, ...],
        interrupt_after: tuple[str, ...],
        debug: bool = False,
        boundary: Boundary | None = None,
        persistence: Persistence = "per_call",
    ) -> None:
        self.spec = GraphSpec(schema, topology, store)
        self.schema, self.topology, self.store = schema, topology, store
        self.interrupt_before, self.interrupt_after = interrupt_before, interrupt_after
        self.debug = debug
        self.step_timeout: float | None = None  # seconds a step may take (as LangGraph's)
        self.boundary = boundary or Boundary()
        self.persistence = persistence  # as a subgraph: see runner/subgraph.py
        self._pool, self._writer = lazy_pool(8, TASKS), lazy_pool(8, WRITER)
        self._on_stores: dict[int, CompiledStateGraph] = {}

    def with_store(self, store: CheckpointStore) -> CompiledStateGraph:
        """This graph on another store (a subgraph runs on its parent's), made once."""
        bound = self._on_stores.get(id(store))
        if bound is None or bound.store is not store:
            bound = copy.copy(self)
            bound.store, bound.spec = store, replace(self.spec, store=store)
            bound._pool, bound._writer = lazy_pool(8, TASKS), lazy_pool(8, WRITER)
            bound._on_stores, self._on_stores[id(store)] = {}, bound
        return bound

    # Running -------------------------------------------------------------------------

    def invoke(
        self,
        input: Any,
        config: Mapping[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] = "values",
        output_keys: OutputKeys | None = None,
        interrupt_before: Sequence[str] | str | None = None,
        interrupt_after: Sequence[str] | str | None = None,
        durability: Durability | None = None,
        checkpoint_during: bool | None = None,
        debug: bool | None = None,
    ) -> dict[str, Any] | Any:  # LangGraph's annotation: a dict, or None (see below)
        """Run until the graph finishes or pauses; return the latest values, with
        ``"__interrupt__"`` (the pending ``Interrupt(value, id)``) when a node waits for an
        answer. ``context``: what nodes find in ``runtime.context``; ``durability``: when
        steps are committed, ``"sync"`` (the default), ``"async"`` or ``"exit"``;
        ``debug=True`` prints each step's updates and values. With another
        ``stream_mode`` than ``"values"``: the list of chunks ``stream`` yields.
        ``output_keys``: the state keys returned (one key: its value alone)."""
        stops, durable = (interrupt_before, interrupt_after), (durability, checkpoint_during)
        if stream_mode != "values":  # as LangGraph: every chunk, in a list
            options = {"context": context, "output_keys": output_keys, "debug": debug}
            chunks = self._stream(input, config, stream_mode, stops, durable, **options)
            return list(chunks)
        check_output_keys(output_keys, tuple(self.schema.channels))
        if joins_task(self):  # called in a node: part of that task's run
            return join_task(self, input, self.bound_config(config))
        run, chunks = self._start(
            input, config, ("values",), stops, durable, debug, context=context
        )
        values: Any = None
        for _, chunk in chunks:
            values = chunk
        if output_keys is None:
            values = self.boundary.output(values)
        else:
            values = selected_values(values, output_keys)
        # As LangGraph: the last values streamed, with every question the run asked.
        if run.asked:
            shown = {} if self.schema.kind == "root" or not isinstance(values, dict) else values
            return {**shown, "__interrupt__": list(run.asked)}
        return values  # None only when nothing at all was streamed, as in LangGraph

    def stream(
        self,
        input: Any,
        config: Mapping[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] = "updates",
        output_keys: OutputKeys | None = None,
        interrupt_before: Sequence[str] | str | None = None,
        interrupt_after: Sequence[str] | str | None = None,
        durability: Durability | None = None,
        checkpoint_during: bool | None = None,
        debug: bool | None = None,
        subgraphs: bool = False,
    ) -> Iterator[Any]:
        """Run and yield chunks as steps complete: each already stored with the default
        durability; with ``"async"``/``"exit"``, all stored by the time the stream ends.
        ``"custom"`` chunks (what nodes gave ``get_stream_writer()``) and ``"messages"``
        ones (``(message, metadata)``: a chat model's chunks, the messages nodes return;
        needs langchain-core) are yielded when their task ends, before its update.
        ``output_keys``: the state keys shown in ``"values"`` and ``"updates"`` chunks
        (one key: its value alone)."""
        stops, durable = (interrupt_before, interrupt_after), (durability, checkpoint_during)
        options = {"context": context, "output_keys": output_keys, "debug": debug}
        yield from self._stream(input, config, stream_mode, stops, durable, subgraphs, **options)

    def _stream(
        self,
        input: Any,
        config: Mapping[str, Any] | None,
        stream_mode: str | Sequence[str],
        stops: tuple[Sequence[str] | str | None, Sequence[str] | str | None],
        durability: tuple[object, bool | None],
        subgraphs: bool = False,
        *,
        context: Any,
        output_keys: OutputKeys | None,
        debug: bool | None,
    ) -> Iterator[Any]:
        modes = stream_modes(stream_mode)
        check_output_keys(output_keys, tuple(self.schema.channels))
        shown = (*modes, "updates") if output_keys is not None and "values" in modes else modes
        _, chunks = self._start(
            input, config, shown, stops, durability, debug, subgraphs, context=context
        )
        if output_keys is not None:
            chunks = selected(chunks, output_keys, modes, input)
        return shaped(chunks, isinstance(stream_mode, str), subgraphs)

    def _start(
        self,
        input: Any,
        config: Mapping[str, Any] | None,
        modes: Sequence[str],
        stops: tuple[Sequence[str] | str | None, Sequence[str] | str | None],
        durability: tuple[object, bool | None],
        debug: bool | None = None,
        subgraphs: bool = False,
        *,
        context: Any = None,
    ) -> tuple[Run, Iterator[tuple[str, Any]]]:
        config = self.bound_config(config)
        if config is not None and type(config) is not dict and not isinstance(config, Mapping):
            RunConfig.parse(config)  # raises, saying what it takes
        config = with_run_context(config, context, modes, self.context_schema)
        cfg = RunConfig.parse(config)
        if cfg.checkpoint_ns:
            cfg = RunConfig.parse(run_from_subgraph(self.spec, config or {}, cfg, input))
        check_runs_alone(self.persistence)
        input = self.boundary.accept(input)
        breakpoints = self._breakpoints(*stops)
        mode = check_durability(durability[0], self.store is not None, durability[1])
        timeout = checked_step_timeout(self.step_timeout)
        journal = Journal(self.journal_append, mode if self.store else "sync", self._writer)
        thread = self._load_for_run(cfg)
        shown = (*modes, *DEBUG_MODES) if (self.debug if debug is None else debug) else modes
        history = partial(self._listed, cfg)
        emitter = Emitter(shown, self.schema, subgraphs, history)
        run = Run(self.spec, cfg, emitter, self._pool, breakpoints, journal, timeout)
        left = partial(values_left, run, self.schema, self.boundary)  # told to callbacks
        chunks = traced(config, self.name, input, run.execute(input, thread), left)
        return run, chunks if shown is modes else printed(chunks, modes)

    def _listed(self, cfg: RunConfig) -> Callable[[StateSnapshot], StateSnapshot]:
        """How the run's checkpoints show in its stream: as the thread's history lists them;
        a subgraph's, as its parent addresses them (the root thread, its namespace)."""
        shown = shown_in_history(self.spec, cfg.thread_id or "")
        if not cfg.namespace:
            return shown
        root = str(cfg.raw["configurable"].get(ROOT_THREAD) or cfg.thread_id)
        return lambda snapshot: outer_snapshot(shown(snapshot), root, cfg.namespace)

    def _breakpoints(
        self, before: Sequence[str] | str | None, after: Sequence[str] | str | None
    ) -> Breakpoints:
        """This call's breakpoints: per-call lists replace the compiled ones when given."""
        chosen = Breakpoints(
            node_names(before) or self.interrupt_before, node_names(after) or self.interrupt_after
        )
        unknown = [
            n for n in (*chosen.before, *chosen.after) if n != "*" and n not in self.topology.nodes
        ]
        if unknown:
            raise InvalidConfigError(
                f"interrupt_before/interrupt_after name unknown node(s) {unknown}; the graph's "
                f"nodes are {list(self.topology.nodes)}"
            )
        if (chosen.before or chosen.after) and self.store is None and not in_durable_task():
            self.spec.durable_store("interrupt_before/interrupt_after")
        return chosen

    def _load_for_run(self, cfg: RunConfig) -> Thread | None:
        if self.store is None:
            return None
        thread_id = cfg.require_thread()
        thread = self.store.load(thread_id)
        if cfg.checkpoint_id is not None and (thread is None or thread.head is None):
            self._require_checkpoint(thread_id, cfg.checkpoint_id)  # raises: none to go to
        elif cfg.checkpoint_id is not None:  # the fork that moves there checks it
            checkpoint_version(thread_id, cfg.checkpoint_id)
        return thread

    def _require_checkpoint(self, thread_id: str, checkpoint: str) -> int:
        """The stream version of a checkpoint of this thread, or a clear LookupError."""
        head = self._store().checkpoint(thread_id, checkpoint).head
        assert head is not None
        return head.version

    def journal_append(
        self, base: Thread | None, events: Sequence[ThreadEvent], folded: Thread
    ) -> Thread:
        """Store a step's events, which lead to ``folded`` (without a store: nothing)."""
        if self.store is None:
            return folded
        return self.store.append(base, events, folded).thread

    # Reading -------------------------------------------------------------------------

    def _store(self) -> CheckpointStore:
        if self.store is None:
            raise InvalidConfigError(
                "No checkpointer set: this graph keeps no state between calls; compile it "
                "with builder.compile(checkpointer=CheckpointStore.sqlite('threads.db'))"
            )
        return self.store

    def get_state(self, config: Mapping[str, Any], *, subgraphs: bool = False) -> StateSnapshot:
        """The thread's state now, or at ``configurable.checkpoint_id``.

        A task running a subgraph shows the subgraph's config in ``tasks[i].state``, or
        its whole snapshot with ``subgraphs=True``. A config with a ``checkpoint_ns``
        (from such a snapshot) addresses the subgraph's own state.
        """
        store = self._store()
        cfg = RunConfig.parse(config)
        thread_id = cfg.require_thread()
        if cfg.checkpoint_ns:
            child, child_cfg, segment = subgraph_of(self.spec, config, cfg, self)
            inner = child.get_state(child_cfg, subgraphs=subgraphs)
            return outer_snapshot(inner, thread_id, segment, self.schema if child is self else None)
        if cfg.checkpoint_id is None:
            thread = store.load(thread_id)
            if thread is None or thread.head is None:
                return empty_snapshot(thread_id)
            snapshot = snapshot_of(thread, live=True)
        else:
            snapshot = snapshot_of(store.checkpoint(thread_id, cfg.checkpoint_id), live=False)
        shown = self.schema.shown_snapshot(snapshot)
        base = (config.get("configurable") or {}).get(KEPT_BASE)
        return with_subgraph_states(self.spec, shown, thread_id, subgraphs, base)

    def get_subgraphs(
        self, *, namespace: str | None = None, recurse: bool = False
    ) -> Iterator[tuple[str, CompiledStateGraph]]:
        """This graph's subgraphs by namespace (``"node"``; ``"node|inner"`` with
        ``recurse``), or only the one ``namespace`` names, as LangGraph lists them."""
        yield from subgraphs_in(self.spec, namespace, recurse)  # type: ignore[misc]

    def get_state_history(
        self,
        config: Mapping[str, Any],
        *,
        filter: Mapping[str, Any] | None = None,
        before: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[StateSnapshot]:
        """Every checkpoint of the thread, newest first, across all branches."""
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidConfigError(
                f"get_state_history(limit={limit!r}): limit is how many checkpoints to list, "
                "0 or more; pass None (the default) for all of them"
            )
        store = self._store()
        cfg = RunConfig.parse(config)
        thread_id = cfg.require_thread()
        if cfg.checkpoint_ns:
            child, child_cfg, segment = subgraph_of(self.spec, config, cfg, self)
            inner = child.get_state_history(child_cfg, filter=filter, before=before, limit=limit)
            read_by = self.schema if child is self else None  # an undeclared subgraph's
            yield from (outer_snapshot(s, thread_id, segment, read_by) for s in inner)
            return
        below = None
        if before is not None:
            below = checkpoint_version(thread_id, RunConfig.parse(before).checkpoint_id or "")
        only = (
            None if cfg.checkpoint_id is None else checkpoint_version(thread_id, cfg.checkpoint_id)
        )
        shown = shown_in_history(self.spec, thread_id)
        if filter is None and only is None and limit is not None:
            # A page of the newest: read just those checkpoints, not the whole stream.
            for found in store.recent_states(thread_id, limit, below):
                yield shown(snapshot_of(found, live=False))
            return
        chosen = [
            thread
            for thread in reversed(store.checkpoint_states(thread_id))
            if thread.head is not None
            and (below is None or thread.head.version < below)
            and (only is None or thread.head.version == only)
        ]
        with collection_paused():
            snapshots = [shown(snapshot_of(t, live=False)) for t in chosen]
        if filter:
            wanted = filter.items()
            snapshots = [
                s for s in snapshots if all((s.metadata or {}).get(k) == v for k, v in wanted)
            ]
        yield from snapshots[:limit]

    # Editing -------------------------------------------------------------------------

    def bulk_update_state(
        self, config: Mapping[str, Any], supersteps: Sequence[Sequence[StateUpdate]]
    ) -> dict[str, Any]:
        """Apply supersteps of updates (lists of ``StateUpdate(values, as_node)``), each one
        checkpoint (see ``runner.bulk_update``), appended together: a bad update anywhere
        writes nothing. On a subgraph's config (``checkpoint_ns``) they edit the subgraph's
        own state, as ``update_state`` does. Returns the last checkpoint's config."""
        store = self._store()
        cfg = RunConfig.parse(config)
        thread_id = cfg.require_thread()
        if cfg.checkpoint_ns:
            return update_subgraph(
                self.spec, config, cfg, lambda child, at: child.bulk_update_state(at, supersteps)
            )
        with traced_update(config, self.name):
            batch = Intake.of(self.spec, cfg).decide_bulk(store.load(thread_id), supersteps)
        return config_of(store.append(batch.base, batch.events).thread)

    def update_state(
        self, config: Mapping[str, Any], values: Any, as_node: str | None = None
    ) -> dict[str, Any]:
        """Write ``values`` as if ``as_node`` returned them; return the new checkpoint's config.

        On a past checkpoint (``checkpoint_id``) it forks: the edit's parent is that
        checkpoint, and it becomes the thread's head.
        """
        store = self._store()
        cfg = RunConfig.parse(config)
        thread_id = cfg.require_thread()
        if cfg.checkpoint_ns:
            return update_subgraph(
                self.spec, config, cfg, lambda child, at: child.update_state(at, values, as_node)
            )
        with traced_update(config, self.name):
            batch = Intake.of(self.spec, cfg).decide_update(store.load(thread_id), values, as_node)
        return config_of(store.append(batch.base, batch.events).thread)
