"""Running the tasks of one superstep and turning their results into events.

Every task of a step sees the step's checkpoint values. A task ends in one of three
ways: it returns writes, it raises (recorded, retried by the next run), or it asks a
person something (``interrupt()``/``NodeInterrupt``: recorded, answered by a resume).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from branchline.domain.model.checkpoint import Deciders, TaskResult, apply_writes
from branchline.domain.model.events import ThreadEvent
from branchline.domain.model.ids import interrupt_id, task_id
from branchline.domain.model.thread import Thread
from branchline.runner.aio import sync_node_output
from branchline.runner.callbacks import NodeRun
from branchline.runner.channel_writes import Delta, StepWriter
from branchline.runner.errors import InvalidConfigError, InvalidUpdateError
from branchline.runner.interrupts import (
    GraphInterrupt,
    NodeInterrupt,
    TaskScope,
    current_scope,
    node_interrupt_id,
    streaming_for,
)
from branchline.runner.managed import managed_values
from branchline.runner.node_call import call_node
from branchline.runner.overwrite import storable
from branchline.runner.planner import Route, route
from branchline.runner.runtime import NodeCall, needs_call
from branchline.runner.schema import Writes, shown_writes
from branchline.runner.spec import GraphSpec
from branchline.runner.subgraph import ParentCommand, SubgraphPaused
from branchline.runner.types import Command


@dataclass
class Question:
    """What an interrupted task asked."""

    value: Any
    index: int
    interrupt_id: str
    namespace: str = ""  # asked inside a subgraph: see events.Interrupted
    deciders: Deciders = field(default_factory=Deciders)  # who may answer it


@dataclass(slots=True)
class Outcome:
    """What one task did."""

    task_id: str
    node: str
    writes: Writes
    command: Any = None
    error: BaseException | None = None
    questions: list[Question] = field(default_factory=list)
    paused: bool = False
    delta: Delta | None = None
    route: Route = field(default_factory=Route)
    order: int = 0  # when it ended among its step's tasks (streams follow this order)
    index: int = 0  # the task's place in its step (Send tasks after the others)
    # What it streamed as ``(namespace, mode, chunk)``: its subgraph's chunks (see
    # TaskScope), and its own ``"custom"`` ones (namespace ``()``: see runtime.NodeCall).
    streamed: list[Any] = field(default_factory=list)
    managed: dict[str, Any] = field(default_factory=dict)  # its managed values (managed.py)
    cached: bool = False  # its node's result came from the node cache (node_cache.py)
    stopped: bool = False  # cancelled because a sibling failed (async calls: see run_tasks)
    traced: NodeRun | None = None  # its node's run, told to the call's callbacks

    @property
    def finished(self) -> bool:
        """Whether the task returned (neither raised, asked, nor paused in a subgraph)."""
        return self.error is None and not self.questions and not self.paused

    def result(self) -> TaskResult:
        """A finished task's result, as its step records it."""
        assert self.delta is not None, "reduce_outcomes computes a finished task's delta"
        return TaskResult(
            self.task_id,
            self.node,
            self.delta.assigned,
            self.delta.appended,
            self.route.targets,
            None,
            self.route.sends,
            self.returned,
        )

    @property
    def returned(self) -> dict[str, Any]:
        """The writes whose stored value a reducer made different: as the node returned
        them (a snapshot's task result and a cached update show these)."""
        assert self.delta is not None
        assigned, writes = self.delta.assigned, self.writes
        if isinstance(writes, dict):  # most tasks
            changed = {k: v for k, v in writes.items() if k in assigned and assigned[k] is not v}
            return storable(changed) if changed else {}
        shown = self.shown  # a channel written several times shows every write
        several = {c for c, v in shown.items() if isinstance(v, dict) and "$writes" in v}
        return storable(
            {k: v for k, v in shown.items() if k in several or assigned.get(k, v) is not v}
        )

    @property
    def shown(self) -> dict[str, Any]:
        """The writes as LangGraph shows a task's result (``schema.shown_writes``)."""
        return shown_writes(self.writes)


def run_task(
    graph: GraphSpec,
    thread: Thread,
    config: Any,
    tid: str,
    node: str,
    index: int,
    streaming: tuple[str, ...] = (),
) -> Outcome:
    """Run one node on the step's values (or its Send packet), with the answers it has;
    ``streaming``: the modes a subgraph it runs streams for the caller."""
    streamed: list[Any] = []
    outcome = _run_task(graph, thread, config, (tid, node, index), streaming, streamed)
    outcome.streamed = streamed
    return outcome


def _run_task(
    graph: GraphSpec,
    thread: Thread,
    config: Any,
    task: tuple[str, str, int],
    streaming: tuple[str, ...],
    streamed: list[Any],
) -> Outcome:
    tid, node, index = task
    spec = graph.topology.nodes[node]
    assert thread.head is not None
    sent, packet = thread.head.task_input(index)
    keys = graph.schema.managed  # most graphs have none
    managed = managed_values(keys, config, thread.head.step) if keys else {}
    state = packet if sent else graph.schema.node_input(thread.values, managed)
    # A graph that keeps no history run inside another's task (a subgraph compiled with
    # checkpointer=False, or one a node invokes): its questions are that task's own.
    outer = current_scope()
    inherited = graph.store is None and outer is not None and outer.durable
    store = graph.store
    answers, answered = thread.answers(tid), thread.answered(tid)
    scope = TaskScope(
        tid, answers, store is not None, answered, store, thread, node, config, streaming, streamed
    )
    packet = index - thread.head.first_packet if sent else None
    scope.place = (thread.head.step + 1, node, packet, graph.topology.joins, spec.metadata)
    try:
        if spec.plain and not inherited and not needs_call(config):  # most tasks
            with scope:  # its NodeCall is made if the node asks for it (get_config()...)
                output, cached = sync_node_output(spec.func, state), False
        else:
            scope.call = call = NodeCall(scope, scope.place)
            with streaming_for(outer, tid, call) if outer and inherited else scope, call:
                output, cached = call_node(spec, state, call, graph.cache)
    except GraphInterrupt as asked:
        if inherited:  # the enclosing task records the question
            _carry_streamed(asked, streamed)
            raise
        iid = interrupt_id(tid, asked.index)
        question = Question(asked.value, asked.index, iid, deciders=asked.deciders)
        return Outcome(tid, node, {}, questions=[question])
    except NodeInterrupt as raised:
        if inherited:
            _carry_streamed(raised, streamed)
            raise
        if not scope.durable:
            return Outcome(tid, node, {}, error=_needs_store("NodeInterrupt"))
        asked_id = node_interrupt_id(scope)
        return Outcome(tid, node, {}, questions=[Question(raised.value, scope.calls, asked_id)])
    except SubgraphPaused as paused:
        if inherited:
            _carry_streamed(paused, streamed)
            raise
        questions = [
            Question(v, i, iid, ns, who) for i, (iid, v, ns, who) in enumerate(paused.questions)
        ]
        return Outcome(tid, node, {}, questions=questions, paused=not questions)
    except Exception as error:
        return Outcome(tid, node, {}, error=error)
    if isinstance(output, Command) and output.graph == Command.PARENT:
        if outer is None:
            return Outcome(tid, node, {}, error=_no_parent(node))
        raise ParentCommand(output)  # the enclosing subgraph node returns it
    # As LangGraph: a key the state lacks, in what a node returned, is left out.
    writes, command = graph.schema.node_writes(f"node {node!r}", output, known_only=True)
    traced = scope.call.traced if isinstance(scope.call, NodeCall) else None
    return Outcome(
        tid, node, writes, command, index=index, managed=managed, cached=cached, traced=traced
    )


def _carry_streamed(asked: Exception, streamed: list[Any]) -> None:
    """Give a question for the task enclosing a graph without history what the asking
    task streamed before it asked: that task streams it (``subgraph._call``)."""
    asked.streamed = streamed  # type: ignore[attr-defined]


def _no_parent(node: str) -> InvalidUpdateError:
    return InvalidUpdateError(
        f"node {node!r} returned Command(graph=Command.PARENT), but this graph runs on its "
        "own, with no parent to route in; use it as a subgraph (add_node(name, graph)), "
        "or return Command(goto=...) to route in this graph"
    )


def _needs_store(what: str) -> InvalidConfigError:
    return InvalidConfigError(
        f"{what} needs a checkpointer to remember the pause and the answer; compile the graph "
        "with builder.compile(checkpointer=CheckpointStore.sqlite('threads.db'))"
    )


def in_completion_order(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The outcomes in the order their tasks ended, as LangGraph streams them."""
    return sorted(outcomes, key=lambda o: o.order)


def reduce_outcomes(graph: GraphSpec, thread: Thread, outcomes: list[Outcome]) -> None:
    """Compute each finished task's deltas and routes; raises before anything is written.

    Writes apply in LangGraph's order: tasks by node name, then ``Send`` tasks in
    packet order, the writes of tasks of this step that finished in an earlier run (before
    a question or a failure) in their places too. The node runs told to the call's
    callbacks end here, their path functions' runs under them.
    """
    try:
        _reduce(graph, thread, outcomes)
    except BaseException as error:
        for outcome in outcomes:
            if outcome.traced is not None:
                outcome.traced.failed(error)
        raise
    for outcome in outcomes:
        if outcome.traced is not None:
            outcome.traced.ended()


def _reduce(graph: GraphSpec, thread: Thread, outcomes: list[Outcome]) -> None:
    assert thread.head is not None
    head = thread.head
    pulls = len(head.next) - len(head.packets)
    if len(outcomes) > 1:
        outcomes.sort(key=lambda o: write_order(o.node, o.index, pulls))
    finished = [r for r in thread.results if r.error is None]
    if finished and any(o.finished for o in outcomes):
        _reduce_in_order(graph, thread, outcomes, finished, pulls)
    else:
        writer = StepWriter(graph.schema, thread.live_values)
        for outcome in outcomes:
            if outcome.finished:
                outcome.delta = writer.write(f"node {outcome.node!r}", outcome.writes)
    for outcome in outcomes:
        if not outcome.finished:
            continue
        assert outcome.delta is not None
        fresh = apply_writes(thread.values, outcome.delta.assigned, outcome.delta.appended)
        goto = outcome.command.goto_nodes if outcome.command else ()
        state = graph.schema.node_input(fresh, outcome.managed)
        outcome.route = route(graph.topology, outcome.node, state, goto, outcome.traced)


def _reduce_in_order(
    graph: GraphSpec,
    thread: Thread,
    outcomes: list[Outcome],
    earlier: list[TaskResult],
    pulls: int,
) -> None:
    """The deltas of ``outcomes`` when tasks of their step finished in an earlier run:
    every finished task's writes applied in task order. A reducer's value is kept as the
    last recorded task's delta (``step_values`` applies those in recorded order), so that
    one holds the value of them all."""
    assert thread.head is not None
    places = {
        task_id(thread.thread_id, thread.head.version, n, i): write_order(n, i, pulls)
        for i, n in enumerate(thread.head.next)
    }
    steps: list[tuple[tuple[int, str, int], TaskResult | Outcome]] = [
        (places.get(r.task_id, (2, "", 0)), r) for r in earlier
    ]
    steps += [(write_order(o.node, o.index, pulls), o) for o in outcomes if o.finished]
    writer = StepWriter(graph.schema, thread.values)
    for _, done in sorted(steps, key=lambda s: s[0]):
        if isinstance(done, TaskResult):
            writer.write(f"node {done.node!r}", done.wrote)
        else:
            done.delta = writer.write(f"node {done.node!r}", done.writes)
    deltas = [o.delta for o in outcomes if o.delta is not None]
    for channel in {c for r in earlier for c in r.assigned}:
        if graph.schema.channels[channel].reducer is not None:
            last = next((d for d in reversed(deltas) if channel in d.assigned), deltas[-1])
            last.assigned[channel] = writer.values[channel]
            last.appended.pop(channel, None)  # made before the writes after it: in the value


def write_order(node: str, index: int, pulls: int) -> tuple[int, str, int]:
    """Where a task's writes go in its step: tasks of the step's first ``pulls`` places by
    node name, then ``Send`` tasks by their place (packet order), as LangGraph applies them."""
    return (0, node, index) if index < pulls else (1, "", index)


def record(
    thread: Thread, outcomes: Sequence[Outcome], add: Callable[[ThreadEvent], Thread]
) -> None:
    """Decide the events of a step's outcomes, folding each through ``add``."""
    for outcome in outcomes:
        current = thread
        if outcome.error is not None:
            thread = add(current.fail_task(outcome.task_id, outcome.node, repr(outcome.error)))
        elif outcome.questions:
            for asked in outcome.questions:
                if thread.interrupt(asked.interrupt_id) is None:
                    thread = add(
                        thread.ask(
                            asked.interrupt_id,
                            outcome.task_id,
                            outcome.node,
                            asked.index,
                            asked.value,
                            asked.namespace,
                            asked.deciders,
                        )
                    )
        elif outcome.paused:
            thread = add(current.pause(before=[outcome.node]))
        else:
            assert outcome.delta is not None
            delta = outcome.delta
            thread = add(
                current.complete_task(
                    outcome.task_id,
                    outcome.node,
                    assigned=delta.assigned,
                    appended=delta.appended,
                    triggers=outcome.route.targets,
                    sends=outcome.route.sends,
                    returned=outcome.returned,
                )
            )
