"""The deliberate differences from LangGraph, one predicate each (docs/differences.md).

A predicate is given the operation, the graph and both observations, and says whether
the difference between them is the documented one, and nothing else. ``stops`` marks a
difference after which the two threads hold different histories by design, so the
sequence ends there (counted, not failed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.differential.graphs import GraphSpec
from tests.differential.operations import Op

if TYPE_CHECKING:
    from tests.differential.runner import Observation

STREAM_MODES = ("values", "updates", "custom", "messages")  # normalise.mode_chunks' keys
Predicate = Callable[[Op, GraphSpec, "Observation", "Observation"], bool]


@dataclass(frozen=True)
class Difference:
    """A documented deliberate difference, by its name in docs/differences.md."""

    name: str
    stops: bool
    predicate: Predicate
    # A difference that only renames or relists things (ids, a node listed a step early)
    # also says how to take it out of both observations, so that the other differences
    # are judged without it.
    strip: (
        Callable[[GraphSpec, Observation, Observation], tuple[Observation, Observation]] | None
    ) = None

    def explains(self, op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation) -> bool:
        """Whether this difference, and nothing else, separates the two observations."""
        return self.predicate(op, spec, langgraph, ours)


def _error(observed: Any, *categories: str) -> bool:
    return isinstance(observed, list) and observed[:1] == ["error"] and observed[1] in categories


def _is_error(observed: Any) -> bool:
    return isinstance(observed, list) and observed[:1] == ["error"]


def strict_resumes(op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation) -> bool:
    """A resume with nothing to answer is refused (LangGraph: ignored, or taken as a plain
    continue at a static breakpoint, whose nodes may then fail)."""
    return (
        op.kind in ("resume", "resume_map")
        and _error(ours.result, "interrupt_not_pending")
        and (not _is_error(langgraph.result) or langgraph.calls != [])
        and ours.calls == []
    )


def immutable_checkpoints(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """``Command(resume=..., update=...)`` writes a new checkpoint for the edit (LangGraph
    rewrites the paused checkpoint's values)."""
    return op.kind == "resume" and op.values is not None and not _is_error(ours.result)


def _without_guard_labels(observed: Any) -> Any:
    if isinstance(observed, dict):
        return {k: _without_guard_labels(v) for k, v in observed.items()}
    if isinstance(observed, list):
        if (
            len(observed) == 2
            and str(observed[0]).startswith("guard ")
            and str(observed[1]).startswith("#")
        ):
            return [observed[0]]
        return [_without_guard_labels(v) for v in observed]
    return observed


def real_node_interrupt_ids(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """Each ``NodeInterrupt`` has an id of its own (LangGraph: ``'placeholder-id'`` for all,
    so every one looks like the same question, and a bare resume with several of them
    pending is taken as one answer, which Branchline refuses as ambiguous)."""
    if _without_guard_labels(langgraph.as_dict()) == _without_guard_labels(ours.as_dict()):
        return True
    return (
        op.kind == "resume"
        and _error(ours.result, "ambiguous_resume")
        and not _is_error(langgraph.result)
        and ours.calls == []
    )


def without_node_interrupt_ids(
    spec: GraphSpec, langgraph: Observation, ours: Observation
) -> tuple[Observation, Observation]:
    """Both observations with the labels of ``NodeInterrupt`` ids left out."""
    return tuple(  # type: ignore[return-value]
        type(o)(**_without_guard_labels(o.as_dict())) for o in (langgraph, ours)
    )


def errors_without_checkpointer(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """Breakpoints or ``interrupt()`` without a checkpointer are an error (LangGraph stops
    silently, with no way to resume)."""
    breakpoints = spec.has_breakpoints()  # the graph's, or a subgraph's
    refused_first = breakpoints and ours.calls == []  # refused before anything ran
    return (
        op.kind == "stateless"
        and (spec.has_questions() or breakpoints)
        and _error(ours.result, "no_checkpointer")
        and (refused_first or not _is_error(langgraph.result))
        and (langgraph.state, langgraph.history) == (ours.state, ours.history)
    )


def exit_keeps_every_checkpoint(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """``durability="exit"`` keeps every checkpoint of the run (LangGraph keeps the last)."""
    if op.durability != "exit" or (langgraph.result, langgraph.calls) != (ours.result, ours.calls):
        return False
    theirs, mine = langgraph.history, ours.history
    return isinstance(theirs, list) and isinstance(mine, list) and len(mine) > len(theirs)


def new_answer_to_old_question(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A resume addressed to a past paused checkpoint uses the answer given now (LangGraph
    reuses the first answer), and one addressed to a past checkpoint with nothing pending
    there is refused."""
    return op.kind == "resume" and op.at is not None


def _this_graphs(result: Any) -> Any:
    """A ``stream(..., subgraphs=True)`` result's chunks of this graph (the parent's); a
    stream of several modes' chunks of the ``values`` and ``updates`` modes (a state has a
    ``messages`` key too, but never with only other modes' names beside it)."""
    if isinstance(result, dict) and set(result) == {"root", "subgraphs"}:
        return result["root"]
    if isinstance(result, dict) and len(result) > 1 and set(result) <= set(STREAM_MODES):
        return [chunk for mode in ("values", "updates") for chunk in result.get(mode, [])]
    return result


def _asks(result: Any) -> bool:
    result = _this_graphs(result)
    if isinstance(result, dict):
        return "__interrupt__" in result
    return isinstance(result, list) and any(_asks(chunk) for chunk in result)


def an_answer_answers_one_question(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A continue (``None``, or a replay of a checkpoint) re-runs a node that still has a
    question open and asks it again; an answer's run that comes back to a node (a loop in
    a subgraph) asks it anew (LangGraph hands either the last bare answer, given to an
    earlier question)."""
    replays = op.kind in ("replay", "sub_replay")
    continues = (op.kind in ("invoke", "stream") and op.values is None) or replays
    resumes = op.kind in ("resume", "resume_map")
    if not _shows_questions(op):  # the chunks show no question: the state does
        theirs, mine = _pending(langgraph.state), _pending(ours.state)
    else:
        theirs = _questions(langgraph.result, ids=True)
        mine = _questions(ours.result, ids=True) if _asks(ours.result) else []
    return (
        (continues or resumes)
        and bool(mine)
        and mine != theirs
        and set(ours.calls) <= set(langgraph.calls)
    ) or (
        resumes
        and langgraph.result != ours.result
        and _took_a_stale_answer(langgraph.result, ours.result, str(op.value))
    )


def _shows_questions(op: Op) -> bool:
    """Whether the call's result shows the questions it asked (an invoke's does; a
    stream's, in the ``values`` or ``updates`` mode)."""
    modes = set((op.stream_mode or "values").split("+"))
    return op.kind not in ("stream", "resume") or bool(modes & {"values", "updates"})


def _pending(state: Any) -> list[Any]:
    """The questions an observed state lists as pending (none for an error)."""
    return sorted(map(repr, state.get("interrupts", []))) if isinstance(state, dict) else []


def _took_a_stale_answer(theirs: Any, mine: Any, given: str) -> bool:
    """Whether the results differ only where a node logged an earlier bare answer
    (``node=r<k>``) in LangGraph's and the answer given now (``node=<given>...``) in ours."""
    if isinstance(theirs, dict) and isinstance(mine, dict):
        return theirs.keys() == mine.keys() and all(
            _took_a_stale_answer(theirs[k], mine[k], given) for k in theirs
        )
    if isinstance(theirs, list) and isinstance(mine, list):
        pairs = zip(theirs, mine, strict=False)
        return len(theirs) == len(mine) and all(_took_a_stale_answer(a, b, given) for a, b in pairs)
    if isinstance(theirs, str) and isinstance(mine, str) and theirs != mine:
        node, _, old = theirs.partition("=")
        mine_node, _, new = mine.partition("=")
        return node == mine_node and old.startswith("r") and new.startswith(given)
    return theirs == mine


def _questions(result: Any, ids: bool = False) -> list[Any]:
    """The questions a result asks: their values (and id labels, with ``ids``)."""
    result = _this_graphs(result)
    if isinstance(result, dict):
        return [i if ids else i[0] for i in result.get("__interrupt__", ())]
    if isinstance(result, list):
        return sorted({repr(q) for chunk in result for q in _questions(chunk, ids)})
    return []


def a_rerun_step_starts_clean(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """Time travel to the latest checkpoint (made by an edit) reruns its step from the
    start, and the state shows that rerun (LangGraph reruns it but keeps showing the
    results the earlier run stored on the same checkpoint); also when the time travel is
    to one of a subgraph's checkpoints, which reruns the parent's step that ran it."""
    return (
        op.kind in ("replay", "sub_replay")
        and (langgraph.result, langgraph.calls) == (ours.result, ours.calls)
        and (langgraph.state, langgraph.history) != (ours.state, ours.history)
    )


def _join_ends(spec: GraphSpec) -> set[str]:
    return {e.targets[0] for e in spec.edges if e.kind == "join"}


def _without_phantom_ends(theirs: Any, ours: Any, ends: set[str]) -> Any:
    """LangGraph's checkpoint(s) with the join ends ours does not list taken out of
    ``next`` and ``tasks``."""
    if isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        return [_without_phantom_ends(t, o, ends) for t, o in zip(theirs, ours, strict=True)]
    if not (isinstance(theirs, dict) and isinstance(ours, dict) and "next" in theirs):
        return theirs
    extra = {n for n in theirs["next"] if n in ends and n not in ours.get("next", ())}
    return {
        **theirs,
        "next": [n for n in theirs["next"] if n not in extra],
        "tasks": [t for t in theirs["tasks"] if not (t[0] in extra and t[1] == [])],
    }


def next_is_what_the_step_runs(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A checkpoint's ``next`` lists the tasks its step runs (LangGraph's also lists a
    join's end when a task of that step completes the join: it runs in the step after)."""
    theirs, mine = without_early_join_ends(spec, langgraph, ours)
    return theirs.as_dict() == mine.as_dict()


def without_early_join_ends(
    spec: GraphSpec, langgraph: Observation, ours: Observation
) -> tuple[Observation, Observation]:
    """LangGraph's observation without the join ends its checkpoints list a step early."""
    ends = _join_ends(spec)
    if not ends:
        return langgraph, ours
    theirs = type(langgraph)(
        langgraph.result,
        langgraph.calls,
        _without_phantom_ends(langgraph.state, ours.state, ends),
        _without_phantom_ends(langgraph.history, ours.history, ends),
    )
    return theirs, ours


def readable_threads(op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation) -> bool:
    """A step that writes two values to a last-value key, or whose writes a reducer
    refuses (``add_messages`` removing a message twice), fails and the thread stays
    readable (LangGraph: the thread cannot be read or continued any more)."""
    refused = ("invalid_update", "ValueError") if spec.messages else ("invalid_update",)
    return (
        _error(langgraph.state, *refused)
        and not _is_error(ours.state)
        and _error(ours.result, *refused)
        and _error(langgraph.result, *refused)
    )


def unknown_checkpoint_is_an_error(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A checkpoint id of another thread, or of none, is an error (LangGraph: an empty
    snapshot)."""
    empty = isinstance(langgraph.result, dict) and langgraph.result.get("values") == {}
    return (
        op.kind == "peek"
        and empty
        and _error(ours.result, "checkpoint_not_found")
        and (langgraph.state, langgraph.history) == (ours.state, ours.history)
    )


def _without_history(spec: GraphSpec) -> bool:
    """Whether a subgraph compiled with ``checkpointer=False`` runs somewhere in ``spec``."""
    subs = [n.sub for n in spec.nodes if n.sub is not None]
    return any(s.checkpointer is False or _without_history(s.graph) for s in subs)


def answers_reach_subgraphs_without_history(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A resume answers a question asked in a subgraph compiled with ``checkpointer=False``,
    and a continue asks it again under its id (LangGraph runs the subgraph again and asks
    the question again, under a new id, whatever the call); its parallel nodes' questions
    are asked one at a time (LangGraph asks them all at once); a subgraph kept across
    calls inside it goes on from its question with the answer (LangGraph runs it anew, and
    the question asked again takes the bare answer)."""
    resumes = op.kind in ("resume", "resume_map")
    replays = op.kind in ("replay", "sub_replay")
    continues = (op.kind in ("invoke", "stream") and op.values is None) or replays
    if not _without_history(spec):
        return False
    kept_inside = resumes and _kept_inside_off(spec) and not _is_error(ours.result)
    return (
        ((resumes or continues) and _asks(langgraph.result))
        or _one_at_a_time(langgraph.result, ours.result)
        or kept_inside
    )


def _kept_inside_off(spec: GraphSpec, off: bool = False) -> bool:
    """Whether a subgraph compiled with ``checkpointer=True`` runs inside one compiled
    with ``checkpointer=False`` somewhere in ``spec``."""
    subs = [n.sub for n in spec.nodes if n.sub is not None]
    return any(
        (off and s.checkpointer is True)
        or _kept_inside_off(s.graph, off or s.checkpointer is False)
        for s in subs
    )


def _one_at_a_time(theirs: Any, mine: Any) -> bool:
    """Whether the results differ only in that ours asks fewer of the questions LangGraph
    asks at once (parallel nodes of a subgraph without history: one question at a time)."""
    if not isinstance(theirs, dict) or not isinstance(mine, dict) or not _asks(mine):
        return False
    asked, all_asked = _questions(mine), _questions(theirs)
    rest = {k: v for k, v in theirs.items() if k != "__interrupt__"}
    same = rest == {k: v for k, v in mine.items() if k != "__interrupt__"}
    return same and len(asked) < len(all_asked) and all(q in all_asked for q in asked)


def an_edit_of_a_subgraph_drops_its_question(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """An edit of a paused subgraph drops its question in the parent too (LangGraph's
    parent keeps listing it, though the subgraph no longer asks it)."""
    return op.kind == "sub_update" and _parent_lists_stale(langgraph.state, ours, edited=True)


def a_parent_lists_only_open_questions(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A subgraph's answered question leaves its parent's ``get_state`` when answered
    (LangGraph's parent keeps listing it while the subgraph, run on, stands paused at a
    breakpoint, though the subgraph itself no longer lists it)."""
    return op.kind in ("resume", "resume_map") and _parent_lists_stale(langgraph.state, ours)


def _parent_lists_stale(theirs: Any, ours: Observation, edited: bool = False) -> bool:
    """Whether LangGraph's state is ours but for questions its parent lists and no
    subgraph asks any more (the snapshots of the subgraphs under it do not list them;
    after an ``edited`` subgraph, a subgraph inside it may: the edit superseded them)."""
    mine = ours.state
    if _is_error(ours.result) or not isinstance(theirs, dict) or not isinstance(mine, dict):
        return False
    dropped = [q for q in theirs.get("interrupts", []) if q not in mine.get("interrupts", [])]
    still_asked = any(q in _asked_at_the_bottom(theirs) for q in dropped)
    if not dropped or (still_asked and not edited):
        return False
    return _parent_without(theirs, dropped) == mine


def _asked_at_the_bottom(state: dict[str, Any]) -> list[Any]:
    """The questions the innermost subgraphs under a parent's state list as their own (a
    graph between them and the parent may list them too, stale, as the parent does)."""
    inner = [t[2] for t in state.get("tasks", []) if len(t) > 2 and isinstance(t[2], dict)]
    if not inner:
        return [q for t in state.get("tasks", []) for q in t[1]]
    return [q for snapshot in inner for q in _asked_at_the_bottom(snapshot)]


def _has_subgraphs(state: Any) -> bool:
    """Whether an observed state lists the snapshot of a subgraph under one of its tasks."""
    tasks = state.get("tasks", []) if isinstance(state, dict) else []
    return any(len(t) > 2 and isinstance(t[2], dict) for t in tasks)


def _parent_without(state: dict[str, Any], questions: list[Any]) -> dict[str, Any]:
    """A parent's observed state with ``questions`` taken out of its lists and those of
    the subgraphs between it and the innermost ones (which list them as stale as the
    parent does), not out of the innermost ones'."""

    def under(t: list[Any]) -> list[Any]:
        return [_parent_without(x, questions) if _has_subgraphs(x) else x for x in t[2:]]

    def tasks(listed: list[Any]) -> list[Any]:
        return [[t[0], [q for q in t[1] if q not in questions], *under(t)] for t in listed]

    found = {k: tasks(state[k]) for k in ("tasks", "configs") if k in state}
    if "interrupts" in state:
        found["interrupts"] = [q for q in state["interrupts"] if q not in questions]
    return {**state, **found}


def an_edit_of_an_unknown_key_is_refused(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """``update_state`` with a key the (sub)graph's schema lacks is refused and writes
    nothing (LangGraph drops the key and writes the rest)."""
    return (
        op.kind in ("update", "sub_update")
        and _error(ours.result, "invalid_update")
        and not _is_error(langgraph.result)
    )


def an_edit_of_a_subgraph_that_has_not_run_is_refused(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """``update_state`` on a subgraph that has not run there yet is refused and writes
    nothing (LangGraph records a run of it that ended, or refuses some ``as_node``). The
    errors are compared by kind only, so this also excuses an edit refused for another
    reason that LangGraph refused too."""
    return op.kind == "sub_update" and _error(ours.result, "invalid_update")


def unknown_breakpoint_at_call_time(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A per-call breakpoint naming no node is an error (LangGraph ignores it)."""
    unknown = any(n != "*" and n not in spec.names for n in op.call_before)
    return unknown and _error(ours.result, "InvalidConfigError") and ours.calls == []


def _kept_may_run_twice(spec: GraphSpec) -> bool:
    """Whether a subgraph compiled with ``checkpointer=True`` may run in two tasks of one
    step somewhere in ``spec`` (it is a Send's or a goto's target, so an edge's too)."""
    twice = {t for e in spec.edges if e.kind == "send" for t in e.targets}
    twice |= {n.goto for n in spec.nodes if n.goto is not None}
    subs = [n for n in spec.nodes if n.sub is not None]
    return any(n.sub.checkpointer is True and n.name in twice for n in subs if n.sub) or any(
        _kept_may_run_twice(n.sub.graph) for n in subs if n.sub
    )


def a_kept_subgraph_runs_once_per_step(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """A step that would run a subgraph compiled with ``checkpointer=True`` in two tasks
    is refused (LangGraph runs both at once on its one thread)."""
    return (
        _kept_may_run_twice(spec)
        and _error(ours.result, "invalid_update")
        and not _is_error(langgraph.result)
    )


def _made_ids_blurred(observed: Any) -> Any:
    """An observation with the message ids an engine made (``~k``) all alike."""
    if isinstance(observed, dict):
        made = observed.get("class") and str(observed.get("id", "")).startswith("~")
        return {k: "~" if made and k == "id" else _made_ids_blurred(v) for k, v in observed.items()}
    if isinstance(observed, list):
        return [_made_ids_blurred(v) for v in observed]
    return observed


def message_ids_are_made_once(
    op: Op, spec: GraphSpec, langgraph: Observation, ours: Observation
) -> bool:
    """Time travel to a checkpoint whose step applied input with messages lacking an id
    replays the messages with the ids they were stored with (LangGraph runs
    ``add_messages`` on the raw input again, making new ids)."""
    return (
        spec.messages
        and op.kind in ("replay", "sub_replay")
        and _made_ids_blurred(langgraph.as_dict()) == _made_ids_blurred(ours.as_dict())
    )


DIFFERENCES = (
    Difference("strict resumes", stops=True, predicate=strict_resumes),
    Difference("immutable checkpoints", stops=True, predicate=immutable_checkpoints),
    Difference(
        "real NodeInterrupt ids",
        stops=True,  # only when a resume is refused because of them
        predicate=real_node_interrupt_ids,
        strip=without_node_interrupt_ids,
    ),
    Difference("errors without a checkpointer", stops=False, predicate=errors_without_checkpointer),
    Difference(
        "durability exit keeps every checkpoint", stops=True, predicate=exit_keeps_every_checkpoint
    ),
    Difference("a new answer to an old question", stops=True, predicate=new_answer_to_old_question),
    Difference("threads stay readable", stops=True, predicate=readable_threads),
    Difference(
        "an answer answers one question", stops=True, predicate=an_answer_answers_one_question
    ),
    Difference("a rerun step starts clean", stops=True, predicate=a_rerun_step_starts_clean),
    Difference(
        "next is what the step runs",
        stops=False,
        predicate=next_is_what_the_step_runs,
        strip=without_early_join_ends,
    ),
    Difference(
        "unknown checkpoint ids are errors", stops=False, predicate=unknown_checkpoint_is_an_error
    ),
    Difference(
        "an edit of a subgraph drops its question",
        stops=True,
        predicate=an_edit_of_a_subgraph_drops_its_question,
    ),
    Difference(
        "a parent lists only open questions",
        stops=True,
        predicate=a_parent_lists_only_open_questions,
    ),
    Difference(
        "an edit of an unknown key is refused",
        stops=True,
        predicate=an_edit_of_an_unknown_key_is_refused,
    ),
    Difference(
        "an edit of a subgraph that has not run is refused",
        stops=True,
        predicate=an_edit_of_a_subgraph_that_has_not_run_is_refused,
    ),
    Difference(
        "answers reach subgraphs without history",
        stops=True,
        predicate=answers_reach_subgraphs_without_history,
    ),
    Difference(
        "a kept subgraph runs once per step",
        stops=True,
        predicate=a_kept_subgraph_runs_once_per_step,
    ),
    Difference(
        "unknown breakpoints at call time are errors",
        stops=True,
        predicate=unknown_breakpoint_at_call_time,
    ),
    # After it, the two sides' labels of made ids no longer match: the sequence ends.
    Difference("stored values stay plain", stops=True, predicate=message_ids_are_made_once),
)
