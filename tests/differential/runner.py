"""Run one operation sequence on every side in lockstep and report the first divergence.

After each operation every side is observed (the call's result, the nodes that ran,
``get_state``, ``get_state_history``) and each Branchline side is compared with
LangGraph. A difference is a divergence unless one of the documented deliberate
differences (``differences.py``, ``docs/differences.md``) explains it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.differential import normalise, subgraph_calls
from tests.differential.differences import DIFFERENCES, Difference
from tests.differential.engines import THREAD, Side, error_category, sides
from tests.differential.graphs import GraphSpec
from tests.differential.operations import Op

FOREIGN_ID = "1f0c0000-0000-6000-8000-000000000000"  # no checkpoint of the thread


@dataclass
class Observation:
    """What one side showed after one operation."""

    result: Any
    calls: list[str]
    state: Any
    history: Any

    def as_dict(self) -> dict[str, Any]:
        """The fields, by name."""
        return {
            "result": self.result,
            "calls": self.calls,
            "state": self.state,
            "history": self.history,
        }


@dataclass
class Divergence:
    """The first operation after which a Branchline side differed from LangGraph."""

    index: int
    op: Op
    side: str
    field: str
    langgraph: Any
    branchline: Any

    def describe(self) -> str:
        """A few lines saying where the sides differ."""
        return (
            f"operation {self.index} {self.op!r} on {self.side}: {self.field} differs\n"
            f"  langgraph:  {self.langgraph!r}\n  branchline: {self.branchline!r}"
        )


@dataclass
class Report:
    """How a sequence went: its divergence, or the differences it met."""

    divergence: Divergence | None = None
    explained: list[str] = field(default_factory=list)
    stopped_by: str | None = None


class Player:
    """Plays operations on one side and observes it."""

    def __init__(self, side: Side, thread: dict[str, Any] = THREAD) -> None:
        self.side = side
        self.thread = thread  # the config of the thread it plays on
        self.labels = normalise.Labels()

    def _history(self) -> list[Any]:
        return list(self.side.graph.get_state_history(self.thread))

    def _config_at(self, position: int) -> dict[str, Any]:
        snapshots = self._history()
        return snapshots[position % len(snapshots)].config if snapshots else self.thread

    def pending(self) -> list[Any]:
        """Pending interrupts of ``interrupt()`` calls (not guards), sorted by value."""
        items = self.side.graph.get_state(self.thread).interrupts
        return sorted((i for i in items if not str(i.value).startswith("guard ")), key=repr)

    def play(self, op: Op) -> Observation:
        """Run ``op`` and observe the side."""
        self.side.engine.calls.clear()
        try:
            result = self._call(op)
        except Exception as error:
            result = ["error", error_category(self.side.name, error)]
        calls = sorted(self.side.engine.calls)
        seen = Observation(result, calls, self._state(), self._observed_history())
        return Observation(**normalise.blur_twins(seen.as_dict(), self.labels))

    def observe(self) -> Observation:
        """The side as it is, no operation played."""
        seen = Observation(None, [], self._state(), self._observed_history())
        return Observation(**normalise.blur_twins(seen.as_dict(), self.labels))

    def _call(self, op: Op) -> Any:
        graph, engine = self.side.graph, self.side.engine
        kwargs: dict[str, Any] = {"durability": op.durability} if op.durability else {}
        if op.call_before:
            wildcard = op.call_before == ("*",)
            kwargs["interrupt_before"] = "*" if wildcard else list(op.call_before)
        if op.call_after:
            kwargs["interrupt_after"] = list(op.call_after)
        if op.kind == "invoke":
            return normalise.result(graph.invoke(op.values, self.thread, **kwargs), self.labels)
        if op.kind == "resume":
            config = self.thread if op.at is None else self._config_at(op.at)
            command = engine.Command(resume=op.value, update=op.values)
            if op.stream_mode:
                return self._streamed(command, config, op.stream_mode)
            return normalise.result(graph.invoke(command, config), self.labels)
        if op.kind == "resume_map":
            return normalise.result(graph.invoke(self._answers(op), self.thread), self.labels)
        if op.kind == "update":
            config = self.thread if op.at is None else self._config_at(op.at)
            graph.update_state(config, op.values, as_node=op.as_node)
            return None
        if op.kind == "replay":
            return normalise.result(graph.invoke(None, self._config_at(op.at or 0)), self.labels)
        if op.kind in subgraph_calls.KINDS or op.subgraphs:
            return subgraph_calls.call(op, self)
        if op.kind == "stream":
            return self._streamed(op.values, self.thread, op.stream_mode)
        if op.kind == "goto":
            return normalise.result(
                graph.invoke(engine.Command(goto=op.value), self.thread), self.labels
            )
        if op.kind == "history":
            return self._query(op)
        if op.kind == "peek":
            config = {"configurable": {"thread_id": "t", "checkpoint_id": FOREIGN_ID}}
            return normalise.checkpoint(graph.get_state(config), self.labels, {})
        if op.kind == "stateless":
            # A graph of its own: its questions are labelled apart from the thread's.
            return normalise.result(self.side.stateless().invoke(op.values), normalise.Labels())
        raise ValueError(f"unknown operation kind {op.kind!r}")

    def _streamed(self, given: Any, config: dict[str, Any], mode: str | None) -> Any:
        """``stream(given, config)`` in ``mode`` (several joined by ``+``), normalised."""
        graph = self.side.graph
        if mode and "+" in mode:
            modes = mode.split("+")
            items = list(graph.stream(given, config, stream_mode=modes))
            return normalise.mode_chunks(items, modes, self.labels)
        chunks = list(graph.stream(given, config, stream_mode=mode))
        if mode == "custom":
            return normalise.custom_chunks(chunks, self.labels)
        if mode == "messages":
            return normalise.messages_chunks(chunks, self.labels)
        if mode == "updates":
            return normalise.updates_chunks(chunks, self.labels)
        return normalise.values_chunks(chunks, self.labels)

    def _query(self, op: Op) -> Any:
        """A history query, each checkpoint as its position in the whole history."""
        whole = self._history()
        position = {s.config["configurable"]["checkpoint_id"]: i for i, s in enumerate(whole)}
        graph = self.side.graph
        if op.query == "limit":
            found = graph.get_state_history(self.thread, limit=2)
        elif op.query == "filter":
            found = graph.get_state_history(self.thread, filter={"source": "loop"})
        else:
            found = graph.get_state_history(self.thread, before=self._config_at(op.at or 0))
        return [position.get(s.config["configurable"]["checkpoint_id"], "?") for s in found]

    def _answers(self, op: Op) -> Any:
        """``Command(resume={id: answer})`` for the pending questions at positions
        ``op.picks``. Questions alike (Send tasks of one node ask the same) cannot be told
        apart across engines: all of them are answered, with one answer."""
        pending = self.pending()
        values = sorted({repr(i.value) for i in pending})
        chosen = {repr(pending[p % len(pending)].value) for p in op.picks}
        answers = {
            i.id: f"{op.value}-{values.index(repr(i.value))}"
            for i in pending
            if repr(i.value) in chosen
        }
        return self.side.engine.Command(resume=answers)

    def _state(self) -> Any:
        """``get_state``; when the graph has subgraph nodes, with ``subgraphs=True`` (and
        the subgraph tasks' configs ``get_state`` shows without it, as ``configs``)."""
        graph = self.side.graph
        try:
            nested = bool(self.side.spec.subgraph_nodes())
            snapshot = graph.get_state(self.thread, subgraphs=nested)
            position = {
                s.config["configurable"]["checkpoint_id"]: i for i, s in enumerate(self._history())
            }
            state = normalise.checkpoint(snapshot, self.labels, position)
            if nested:
                state["configs"] = normalise.tasks(graph.get_state(self.thread).tasks, self.labels)
            return state
        except Exception as error:
            return ["error", error_category(self.side.name, error)]

    def _observed_history(self) -> Any:
        try:
            return normalise.history(self._history(), self.labels)
        except Exception as error:
            return ["error", error_category(self.side.name, error)]


def resolve(op: Op, langgraph: Player) -> Op | None:
    """The operation as sent, or None when it is skipped: a resume is sent only when
    LangGraph has an ``interrupt()`` pending (or the op probes strict resumes), a call
    into a subgraph only when LangGraph shows a subgraph run to reach."""
    probing = op.at is not None or op.strict_probe
    if op.kind in ("resume", "resume_map") and not probing and not langgraph.pending():
        return None
    if op.kind in subgraph_calls.KINDS and not subgraph_calls.available(op, langgraph):
        return None
    return op


def run_sequence(spec: GraphSpec, ops: list[Op]) -> Report:
    """Play ``ops`` on every side, comparing after each; stop at the first divergence."""
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        players = [Player(s) for s in sides(spec, Path(tmp))]
        try:
            for index, op in enumerate(ops):
                sent = resolve(op, players[0])
                if sent is None:
                    continue
                observed = [p.play(sent) for p in players]
                if _compare(index, sent, spec, observed, players, report):
                    break
        finally:
            for player in players:
                player.side.close()
    return report


def _compare(
    index: int,
    op: Op,
    spec: GraphSpec,
    observed: list[Observation],
    players: list[Player],
    report: Report,
) -> bool:
    """Record a divergence or the differences explaining it; True when the sequence stops."""
    for player, other in zip(players[1:], observed[1:], strict=True):
        reference = observed[0]
        if other.as_dict() == reference.as_dict():
            continue
        found = _explaining(op, spec, reference, other)
        if found is None:
            reference, other, _ = _taken_out(spec, reference, other)
            theirs, ours = reference.as_dict(), other.as_dict()
            name = next(k for k in ours if ours[k] != theirs[k])
            report.divergence = Divergence(
                index, op, player.side.name, name, theirs[name], ours[name]
            )
            return True
        report.explained += [d.name for d in found]
        stopping = [d.name for d in found if d.stops]
        if stopping:
            report.stopped_by = stopping[0]
            return True
    return False


def _taken_out(
    spec: GraphSpec, langgraph: Observation, ours: Observation
) -> tuple[Observation, Observation, list[Difference]]:
    """Both observations with the differences that only rename or relist things taken
    out, and those differences that changed something."""
    used = []
    for difference in DIFFERENCES:
        if difference.strip is None:
            continue
        theirs, mine = difference.strip(spec, langgraph, ours)
        if (theirs.as_dict(), mine.as_dict()) != (langgraph.as_dict(), ours.as_dict()):
            used.append(difference)
            langgraph, ours = theirs, mine
    return langgraph, ours, used


def _explaining(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> list[Difference] | None:
    """The documented differences that together explain the two observations, or None.

    Differences that only rename or relist (ids, a node listed a step early) are taken
    out first; what is left must be equal, or explained by one other difference."""
    langgraph, ours, taken = _taken_out(spec, langgraph, ours)
    used = [replace(d, stops=False) for d in taken]  # taking one out never ends a sequence
    if used and langgraph.as_dict() == ours.as_dict():
        return used
    for difference in DIFFERENCES:
        if difference.explains(op, spec, langgraph, ours):
            return [*used, difference]
    return None
