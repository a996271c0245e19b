"""Replaying a thread from a past checkpoint: what re-runs, what is written, what is kept.

The seed's "Time Travel" snippets run verbatim on a three-node chain whose nodes count
their runs, so each test can say exactly which nodes executed again (LangGraph 1.2.22
behaviour 7.1-7.5, and Branchline's better answer to a resume of an old pause).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from chain_graph import at_step, chain

from branchline import CheckpointStore, Command
from branchline.domain.model.ids import checkpoint_id


def ids(snapshots: Any) -> list[str]:
    return [s.config["configurable"]["checkpoint_id"] for s in snapshots]


def parent_id(snapshot: Any) -> str | None:
    parent = snapshot.parent_config
    return None if parent is None else parent["configurable"]["checkpoint_id"]


def new_checkpoints(graph: Any, config: dict, before: list[str]) -> list[Any]:
    """Checkpoints written since ``before`` (a list of ids), oldest first."""
    return [s for s in reversed(list(graph.get_state_history(config))) if ids([s])[0] not in before]


@pytest.fixture
def runs() -> Counter[str]:
    return Counter()


@pytest.fixture
def ran(store: CheckpointStore, config: dict, runs: Counter[str]) -> Any:
    """The chain, run once to its end on thread t1; the counters are then reset."""
    graph = chain(store, runs)
    graph.invoke({"log": ["in"]}, config)
    runs.clear()
    return graph


# The seed's snippets ---------------------------------------------------------------------


def test_seed_replay_snippet_streams_from_the_chosen_checkpoint(
    store: CheckpointStore, runs: Counter[str]
) -> None:
    graph = app = chain(store, runs)
    thread = {"configurable": {"thread_id": "1"}}
    graph.invoke({"log": ["in"]}, thread)
    runs.clear()

    all_checkpoints = []
    for state in app.get_state_history(thread):
        all_checkpoints.append(state)
    xxx = next(s for s in all_checkpoints if s.next == ("b",)).config["configurable"][
        "checkpoint_id"
    ]
    config = {"configurable": {"thread_id": "1", "checkpoint_id": xxx}}
    events = list(graph.stream(None, config, stream_mode="values"))

    assert events == [
        {"log": ["in", "a"]},
        {"log": ["in", "a", "b"]},
        {"log": ["in", "a", "b", "c"]},
    ]
    assert runs == Counter({"b": 1, "c": 1})


def test_seed_fork_snippet_runs_the_edited_checkpoint(
    store: CheckpointStore, runs: Counter[str]
) -> None:
    graph = chain(store, runs)
    thread = {"configurable": {"thread_id": "1"}}
    graph.invoke({"log": ["in"], "topic": "cats"}, thread)
    runs.clear()
    xxx = next(s for s in graph.get_state_history(thread) if s.next == ("b",)).config[
        "configurable"
    ]["checkpoint_id"]

    config = {"configurable": {"thread_id": "1", "checkpoint_id": xxx}}
    fork = graph.update_state(config, {"topic": "dogs"})
    xxx_fork = fork["configurable"]["checkpoint_id"]
    config = {"configurable": {"thread_id": "1", "checkpoint_id": xxx_fork}}
    events = list(graph.stream(None, config, stream_mode="values"))

    assert events == [
        {"log": ["in", "a"], "topic": "dogs"},
        {"log": ["in", "a", "b"], "topic": "dogs"},
        {"log": ["in", "a", "b", "c"], "topic": "dogs"},
    ]
    assert runs == Counter({"b": 1, "c": 1})


# What re-runs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "rerun"),
    [(0, {"a": 1, "b": 1, "c": 1}), (1, {"b": 1, "c": 1}), (2, {"c": 1})],
)
def test_replay_reruns_exactly_the_nodes_after_the_checkpoint(
    ran: Any, config: dict, runs: Counter[str], step: int, rerun: dict[str, int]
) -> None:
    ran.invoke(None, at_step(ran, config, step).config)

    assert runs == Counter(rerun)
    assert ran.get_state(config).values == {"log": ["in", "a", "b", "c"]}


def test_replaying_the_input_checkpoint_applies_the_input_again_and_reruns_every_node(
    ran: Any, config: dict, runs: Counter[str]
) -> None:
    first = at_step(ran, config, -1)
    assert first.metadata["source"] == "input"

    chunks = list(ran.stream(None, first.config, stream_mode="values"))

    assert chunks == [
        {"log": []},
        {"log": ["in"]},
        {"log": ["in", "a"]},
        {"log": ["in", "a", "b"]},
        {"log": ["in", "a", "b", "c"]},
    ]
    assert runs == Counter({"a": 1, "b": 1, "c": 1})


def test_replay_streams_the_addressed_state_then_the_rerun_nodes(ran: Any, config: dict) -> None:
    past = at_step(ran, config, 1).config

    chunks = list(ran.stream(None, past, stream_mode=["values", "updates"]))

    assert chunks == [
        ("values", {"log": ["in", "a"]}),
        ("updates", {"b": {"log": ["b"]}}),
        ("values", {"log": ["in", "a", "b"]}),
        ("updates", {"c": {"log": ["c"]}}),
        ("values", {"log": ["in", "a", "b", "c"]}),
    ]


# What is written ---------------------------------------------------------------------------


def test_replay_writes_a_fork_checkpoint_under_the_addressed_one_then_loop_checkpoints(
    ran: Any, config: dict
) -> None:
    past = at_step(ran, config, 1)
    before = ids(ran.get_state_history(config))

    ran.invoke(None, past.config)

    written = new_checkpoints(ran, config, before)
    assert [(s.metadata["source"], s.metadata["step"]) for s in written] == [
        ("fork", 2),
        ("loop", 3),
        ("loop", 4),
    ]
    assert [parent_id(s) for s in written] == [ids([past])[0], *ids(written[:-1])]


def test_replay_leaves_the_old_branch_checkpoints_unchanged(ran: Any, config: dict) -> None:
    old = list(ran.get_state_history(config))
    pinned = [ran.get_state(s.config) for s in old]

    ran.invoke(None, at_step(ran, config, 1).config)
    ran.update_state(config, {"topic": "later"})

    assert [ran.get_state(s.config) for s in old] == pinned
    assert [s.values for s in pinned] == [s.values for s in old]


def test_replay_moves_the_head_to_the_new_branch(ran: Any, config: dict) -> None:
    old_head = ran.get_state(config).config
    past = at_step(ran, config, 1)

    ran.invoke(None, past.config)

    head = ran.get_state(config)
    assert head.config != old_head
    assert ids(ran.get_state_history(config))[0] == ids([head])[0]
    assert ids([past])[0] in ids(ran.get_lineage(config))
    assert ids([ran.get_state(old_head)])[0] not in ids(ran.get_lineage(config))


def test_invoke_none_after_a_replay_continues_the_new_branch(
    store: CheckpointStore, config: dict, runs: Counter[str]
) -> None:
    graph = chain(store, runs)
    graph.invoke({"log": ["in"]}, config, interrupt_before=["c"])
    past = at_step(graph, config, 0).config
    graph.invoke(None, past, interrupt_before=["c"])
    fork_head = graph.get_state(config).config
    runs.clear()

    graph.invoke(None, config)

    assert runs == Counter({"c": 1})
    assert graph.get_state(config).parent_config == fork_head


def test_replaying_the_final_checkpoint_writes_a_fork_and_runs_nothing(
    ran: Any, config: dict, runs: Counter[str]
) -> None:
    final = ran.get_state(config)
    before = ids(ran.get_state_history(config))

    result = ran.invoke(None, final.config)

    written = new_checkpoints(ran, config, before)
    assert [(s.metadata["source"], s.metadata["step"], s.next) for s in written] == [
        ("fork", 4, ())
    ]
    assert parent_id(written[0]) == ids([final])[0]
    assert result == final.values
    assert runs == Counter()


def test_replaying_the_head_by_its_id_forks_and_reruns_what_is_pending(
    store: CheckpointStore, config: dict, runs: Counter[str]
) -> None:
    graph = chain(store, runs)
    graph.invoke({"log": ["in"]}, config, interrupt_before=["c"])
    head = graph.get_state(config)
    before = ids(graph.get_state_history(config))
    runs.clear()

    graph.invoke(None, head.config)

    written = new_checkpoints(graph, config, before)
    assert [s.metadata["source"] for s in written] == ["fork", "loop"]
    assert parent_id(written[0]) == ids([head])[0]
    assert runs == Counter({"c": 1})


def test_continuing_without_a_checkpoint_id_writes_no_fork(
    store: CheckpointStore, config: dict, runs: Counter[str]
) -> None:
    graph = chain(store, runs)
    graph.invoke({"log": ["in"]}, config, interrupt_before=["c"])
    before = ids(graph.get_state_history(config))

    graph.invoke(None, config)

    assert [s.metadata["source"] for s in new_checkpoints(graph, config, before)] == ["loop"]


# Interrupts on a replayed branch -----------------------------------------------------------


@pytest.fixture
def answered(store: CheckpointStore, config: dict, runs: Counter[str]) -> Any:
    """The asking chain on t1: paused at b, answered "R1" by carol, run to its end."""
    graph = chain(store, runs, ask=True)
    graph.invoke({"log": ["in"]}, config)
    resumed = {"configurable": {**config["configurable"], "actor": "carol"}}
    graph.invoke(Command(resume="R1"), resumed)
    runs.clear()
    return graph


def test_replay_before_an_interrupt_asks_again_with_a_new_id(
    answered: Any, config: dict, runs: Counter[str]
) -> None:
    paused = at_step(answered, config, 1)
    (old,) = paused.interrupts

    result = answered.invoke(None, paused.config)

    (new,) = result["__interrupt__"]
    assert new.value == "ok?"
    assert new.id != old.id
    assert answered.get_state(config).interrupts == (new,)
    assert runs == Counter({"b": 1})


def test_resume_after_a_replay_uses_the_new_answer(
    answered: Any, config: dict, runs: Counter[str]
) -> None:
    answered.invoke(None, at_step(answered, config, 1).config)

    result = answered.invoke(Command(resume="R2"), config)

    assert result == {"log": ["in", "a", "b", "c"], "answer": "R2"}
    assert runs == Counter({"b": 2, "c": 1})


def test_resume_addressed_to_an_old_paused_checkpoint_uses_the_new_answer(
    answered: Any, config: dict, runs: Counter[str]
) -> None:
    paused = at_step(answered, config, 1).config

    result = answered.invoke(Command(resume="R3"), paused)

    assert result == {"log": ["in", "a", "b", "c"], "answer": "R3"}
    assert answered.get_state(config).values == result
    assert runs == Counter({"b": 2, "c": 1})


def test_resume_addressed_to_an_old_paused_checkpoint_keeps_the_first_answer_on_its_branch(
    answered: Any, config: dict
) -> None:
    first_head = answered.get_state(config).config
    answered.invoke(Command(resume="R3"), at_step(answered, config, 1).config)

    assert answered.get_state(first_head).values["answer"] == "R1"


# New input on a past checkpoint ------------------------------------------------------------


def test_new_input_on_a_past_checkpoint_applies_on_top_and_runs_from_start(
    ran: Any, config: dict, runs: Counter[str]
) -> None:
    past = at_step(ran, config, 1)

    result = ran.invoke({"log": ["new"]}, past.config)

    assert result == {"log": ["in", "a", "new", "a", "b", "c"]}
    assert ran.get_state(config).values == result
    assert runs == Counter({"a": 1, "b": 1, "c": 1})


def test_new_input_on_a_past_checkpoint_grows_from_that_checkpoint(ran: Any, config: dict) -> None:
    past = at_step(ran, config, 1)
    before = ids(ran.get_state_history(config))

    ran.invoke({"log": ["new"]}, past.config)

    first = new_checkpoints(ran, config, before)[0]
    assert (first.metadata["source"], first.metadata["step"]) == ("input", 2)
    assert parent_id(first) == ids([past])[0]


# Forks of forks ----------------------------------------------------------------------------


def test_a_fork_of_a_fork_reruns_from_the_second_fork_point(
    ran: Any, config: dict, runs: Counter[str]
) -> None:
    ran.invoke(None, at_step(ran, config, 0).config)
    second_branch = ran.get_lineage(config)
    fork_point = next(
        s for s in second_branch if s.metadata["source"] == "loop" and s.next == ("c",)
    )
    runs.clear()

    ran.invoke(None, fork_point.config)

    assert runs == Counter({"c": 1})
    lineage = ran.get_lineage(config)
    assert [s.metadata["source"] for s in lineage] == [
        "loop",
        "fork",
        "loop",
        "loop",
        "fork",
        "loop",
        "input",
    ]
    assert ids([fork_point])[0] in ids(lineage)


def test_an_edit_on_a_forked_branch_keeps_both_earlier_branch_heads(
    ran: Any, config: dict, runs: Counter[str]
) -> None:
    first_head = ran.get_state(config)
    ran.invoke(None, at_step(ran, config, 0).config)
    second_head = ran.get_state(config)
    before_c = ran.get_lineage(config)[1]
    runs.clear()

    edited = ran.update_state(before_c.config, {"topic": "third"})
    ran.invoke(None, config)

    assert ran.get_state(config).values == {"log": ["in", "a", "b", "c"], "topic": "third"}
    assert runs == Counter({"c": 1})
    assert ran.get_state(edited).parent_config == before_c.config
    assert ran.get_state(first_head.config).values == first_head.values
    assert ran.get_state(second_head.config).values == second_head.values


# Addresses that are not checkpoints of the thread ------------------------------------------


def foreign_id(graph: Any) -> str:
    other = {"configurable": {"thread_id": "other"}}
    graph.invoke({"log": ["x"]}, other)
    return str(graph.get_state(other).config["configurable"]["checkpoint_id"])


def unknown_id(graph: Any, config: dict) -> str:
    """An id shaped for thread t1 whose version is past the end of its stream."""
    return checkpoint_id("t1", 0xFFF)


CALLS = {
    "replay": lambda graph, cfg: graph.invoke(None, cfg),
    "stream": lambda graph, cfg: list(graph.stream(None, cfg)),
    "new input": lambda graph, cfg: graph.invoke({"log": ["x"]}, cfg),
    "resume": lambda graph, cfg: graph.invoke(Command(resume="x"), cfg),
    "edit": lambda graph, cfg: graph.update_state(cfg, {"topic": "x"}),
}

ADDRESSES = {
    "unknown": (unknown_id, "is not a checkpoint of thread 't1'"),
    "foreign": (lambda graph, cfg: foreign_id(graph), "does not belong to thread 't1'"),
    "malformed": (lambda graph, cfg: "xxx", "is not a Branchline checkpoint id"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("address", sorted(ADDRESSES))
def test_a_checkpoint_id_that_is_not_the_threads_is_a_lookup_error_that_writes_nothing(
    ran: Any, store: CheckpointStore, config: dict, runs: Counter[str], call: str, address: str
) -> None:
    make, message = ADDRESSES[address]
    bad = make(ran, config)
    runs.clear()
    events = list(store.events("t1"))
    target = {"configurable": {"thread_id": "t1", "checkpoint_id": bad}}

    with pytest.raises(LookupError, match=message):
        CALLS[call](ran, target)

    assert list(store.events("t1")) == events
    assert runs == Counter()
