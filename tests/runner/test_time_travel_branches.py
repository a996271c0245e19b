"""Forking with update_state, and reading the branches: history, lineage, list, switch, diff.

Also the recorded replay (``graph.replay``): the chunks of a branch streamed again from the
log, with no node called.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from chain_graph import at_step, chain

from branchline import CheckpointStore, Command


def cid(config: dict[str, Any]) -> str:
    return str(config["configurable"]["checkpoint_id"])


def ids(snapshots: Any) -> list[str]:
    return [cid(s.config) for s in snapshots]


def as_actor(config: dict, actor: str, **metadata: Any) -> dict[str, Any]:
    """``config`` sent by ``actor``, with run metadata."""
    return {"configurable": {**config["configurable"], "actor": actor}, "metadata": metadata}


@pytest.fixture
def runs() -> Counter[str]:
    return Counter()


@pytest.fixture
def ran(store: CheckpointStore, config: dict, runs: Counter[str]) -> Any:
    """The chain, run once to its end on thread t1 with topic "cats"; counters reset."""
    graph = chain(store, runs)
    graph.invoke({"log": ["in"], "topic": "cats"}, config)
    runs.clear()
    return graph


@pytest.fixture
def forked(ran: Any, config: dict, runs: Counter[str]) -> Any:
    """``ran``, then alice edits step 1 to topic "dogs" as branch "dogs" and runs it on."""
    edit = as_actor(at_step(ran, config, 1).config, "alice", branch="dogs")
    ran.update_state(edit, {"topic": "dogs"})
    ran.invoke(None, config)
    runs.clear()
    return ran


# update_state on a past checkpoint ---------------------------------------------------------


def test_update_state_on_a_past_checkpoint_writes_one_update_checkpoint_under_it(
    ran: Any, config: dict
) -> None:
    past = at_step(ran, config, 1)
    before = ids(ran.get_state_history(config))

    new = ran.update_state(past.config, {"topic": "dogs"})

    after = ids(ran.get_state_history(config))
    assert sorted(set(after) - set(before)) == [cid(new)]
    written = ran.get_state(new)
    assert written.metadata["source"] == "update"
    assert written.metadata["step"] == 2
    assert written.parent_config == past.config
    assert written.values == {"log": ["in", "a"], "topic": "dogs"}


def test_update_state_on_a_past_checkpoint_becomes_the_head(ran: Any, config: dict) -> None:
    new = ran.update_state(at_step(ran, config, 1).config, {"topic": "dogs"})

    head = ran.get_state(config)
    assert head.config == new
    assert head.next == ("b",)


def test_update_state_on_a_past_checkpoint_keeps_the_old_branch_reachable(
    ran: Any, config: dict
) -> None:
    old = list(ran.get_state_history(config))

    ran.update_state(at_step(ran, config, 1).config, {"topic": "dogs"})

    assert [ran.get_state(s.config).values for s in old] == [s.values for s in old]
    assert set(ids(old)) < set(ids(ran.get_state_history(config)))


def test_invoke_none_on_the_returned_config_runs_from_the_edit(
    ran: Any, config: dict, runs: Counter[str]
) -> None:
    new = ran.update_state(at_step(ran, config, 1).config, {"topic": "dogs"})

    result = ran.invoke(None, new)

    assert result == {"log": ["in", "a", "b", "c"], "topic": "dogs"}
    assert runs == Counter({"b": 1, "c": 1})
    assert cid(new) in ids(ran.get_lineage(config))


def test_update_state_on_a_replays_fork_checkpoint_acts_as_the_node_that_wrote_last(
    ran: Any, config: dict
) -> None:
    ran.invoke(None, at_step(ran, config, 1).config)
    fork = next(s for s in ran.get_state_history(config) if s.metadata["source"] == "fork")
    assert fork.next == ("b",)

    new = ran.update_state(fork.config, {"topic": "dogs"})

    assert ran.get_state(new).next == ("b",)


def test_get_state_of_a_past_checkpoint_equals_its_history_entry(forked: Any, config: dict) -> None:
    history = list(forked.get_state_history(config))

    assert [forked.get_state(s.config) for s in history] == history


# History and lineage -----------------------------------------------------------------------


def test_history_lists_every_branch_newest_first(forked: Any, config: dict) -> None:
    history = list(forked.get_state_history(config))

    assert [(s.metadata["source"], s.metadata["step"]) for s in history] == [
        ("loop", 4),
        ("loop", 3),
        ("update", 2),
        ("loop", 3),
        ("loop", 2),
        ("loop", 1),
        ("loop", 0),
        ("input", -1),
    ]
    assert ids(history) == sorted(ids(history), reverse=True)


def test_lineage_lists_the_head_and_its_ancestors_only(forked: Any, config: dict) -> None:
    lineage = forked.get_lineage(config)

    assert [(s.metadata["source"], s.metadata["step"]) for s in lineage] == [
        ("loop", 4),
        ("loop", 3),
        ("update", 2),
        ("loop", 1),
        ("loop", 0),
        ("input", -1),
    ]
    assert [s.parent_config for s in lineage[:-1]] == [s.config for s in lineage[1:]]


def test_lineage_of_an_old_checkpoint_follows_its_own_branch(forked: Any, config: dict) -> None:
    old_head = at_step(forked, config, 3)

    lineage = forked.get_lineage(old_head.config)

    assert [s.metadata["source"] for s in lineage] == ["loop"] * 4 + ["input"]
    assert lineage[0].values == {"log": ["in", "a", "b", "c"], "topic": "cats"}


# Branches ----------------------------------------------------------------------------------


def test_list_branches_lists_the_first_branch_from_the_threads_start(
    forked: Any, config: dict
) -> None:
    first = forked.list_branches(config)[0]

    assert first.root_config is None
    assert first.head_config == at_step(forked, config, 3).config
    assert first.length == 5
    assert first.name is None


def test_list_branches_describes_a_fork_by_its_root_head_length_and_author(
    forked: Any, config: dict
) -> None:
    branches = forked.list_branches(config)

    assert len(branches) == 2
    fork = branches[1]
    assert fork.root_config == at_step(forked, config, 1).config
    assert fork.head_config == forked.get_state(config).config
    assert fork.length == 3
    assert fork.created_by == "alice"
    assert fork.name == "dogs"
    assert datetime.fromisoformat(fork.created_at) >= datetime.fromisoformat(branches[0].created_at)


def test_switch_branch_moves_the_head_to_the_other_branchs_head(forked: Any, config: dict) -> None:
    old_head = at_step(forked, config, 3)

    forked.switch_branch(old_head.config)

    assert forked.get_state(config).config == old_head.config
    assert forked.get_state(config).values == {"log": ["in", "a", "b", "c"], "topic": "cats"}


def test_switch_branch_writes_no_checkpoint(forked: Any, config: dict) -> None:
    before = ids(forked.get_state_history(config))

    forked.switch_branch(at_step(forked, config, 3).config)

    assert ids(forked.get_state_history(config)) == before


@pytest.fixture
def two_paused(store: CheckpointStore, config: dict, runs: Counter[str]) -> Any:
    """Two branches both paused before c: "cats" (the first) and "dogs" (the head)."""
    graph = chain(store, runs)
    graph.invoke({"log": ["in"], "topic": "cats"}, config, interrupt_before=["c"])
    graph.update_state(at_step(graph, config, 0).config, {"topic": "dogs"})
    graph.invoke(None, config, interrupt_before=["c"])
    runs.clear()
    return graph


def test_invoke_after_switch_branch_continues_that_branch(
    two_paused: Any, config: dict, runs: Counter[str]
) -> None:
    cats = two_paused.list_branches(config)[0].head_config
    two_paused.switch_branch(cats)

    result = two_paused.invoke(None, config)

    assert result == {"log": ["in", "a", "b", "c"], "topic": "cats"}
    assert runs == Counter({"c": 1})
    assert two_paused.get_state(config).parent_config == cats


def test_continuing_a_switched_to_branch_grows_that_branch(two_paused: Any, config: dict) -> None:
    cats = two_paused.list_branches(config)[0].head_config
    two_paused.switch_branch(as_actor(cats, "bob"))

    two_paused.invoke(None, config)

    branches = two_paused.list_branches(config)
    assert len(branches) == 2
    assert branches[0].head_config == two_paused.get_state(config).config
    assert branches[0].length == 5


# Diff --------------------------------------------------------------------------------------


def test_diff_finds_the_common_ancestor(forked: Any, config: dict) -> None:
    old_head = at_step(forked, config, 3).config

    result = forked.diff(old_head, config)

    assert result.ancestor == at_step(forked, config, 1).config


def test_diff_lists_what_happened_on_each_side_since_the_ancestor(
    forked: Any, config: dict
) -> None:
    result = forked.diff(at_step(forked, config, 3).config, config)

    assert [(c.step, c.source, c.nodes) for c in result.left] == [
        (2, "loop", ("b",)),
        (3, "loop", ("c",)),
    ]
    assert [(c.step, c.source, c.nodes) for c in result.right] == [
        (2, "update", ("a",)),
        (3, "loop", ("b",)),
        (4, "loop", ("c",)),
    ]
    assert [c.checkpoint_id for c in result.right] == ids(forked.get_lineage(config)[2::-1])


def test_diff_names_who_edited(forked: Any, config: dict) -> None:
    result = forked.diff(at_step(forked, config, 3).config, config)

    assert [c.actors for c in result.right] == [("alice",), (), ()]
    assert [c.actors for c in result.left] == [(), ()]


def test_diff_names_who_answered_an_interrupt(
    store: CheckpointStore, config: dict, runs: Counter[str]
) -> None:
    graph = chain(store, runs, ask=True)
    graph.invoke({"log": ["in"]}, config)
    paused = graph.get_state(config).config
    graph.invoke(Command(resume="R1"), as_actor(config, "carol"))
    first_head = graph.get_state(config).config
    graph.invoke(Command(resume="R2"), as_actor(paused, "dave"))

    result = graph.diff(first_head, config)

    assert result.ancestor == paused
    assert [(c.source, c.nodes, c.actors) for c in result.left] == [
        ("loop", ("b",), ("carol",)),
        ("loop", ("c",), ()),
    ]
    assert ("loop", ("b",), ("dave",)) in [(c.source, c.nodes, c.actors) for c in result.right]


def test_diff_lists_each_key_whose_values_differ(forked: Any, config: dict) -> None:
    result = forked.diff(at_step(forked, config, 3).config, config)

    assert result.values == {"topic": ("cats", "dogs")}


def test_diff_shows_a_key_missing_on_one_side(ran: Any, config: dict) -> None:
    input_checkpoint = at_step(ran, config, -1).config

    result = ran.diff(input_checkpoint, config)

    assert result.values == {
        "log": ([], ["in", "a", "b", "c"]),
        "topic": ("<missing>", "cats"),
    }


def test_diff_of_a_checkpoint_with_itself_is_empty(forked: Any, config: dict) -> None:
    result = forked.diff(config, config)

    assert result.ancestor == forked.get_state(config).config
    assert (result.left, result.right, result.values) == ([], [], {})


# Recorded replay ---------------------------------------------------------------------------


@pytest.fixture
def live(store: CheckpointStore, config: dict, runs: Counter[str]) -> tuple[Any, list[Any]]:
    """The chain run once on t1 while streaming values and updates; counters reset."""
    graph = chain(store, runs)
    chunks = list(graph.stream({"log": ["in"]}, config, stream_mode=["values", "updates"]))
    runs.clear()
    return graph, chunks


def of_mode(chunks: list[Any], mode: str) -> list[Any]:
    return [chunk for m, chunk in chunks if m == mode]


@pytest.mark.parametrize("mode", ["values", "updates"])
def test_recorded_replay_yields_the_chunks_of_the_live_stream(
    live: tuple[Any, list[Any]], config: dict, mode: str
) -> None:
    graph, chunks = live

    replayed = list(graph.replay(at_step(graph, config, 0).config, stream_mode=mode))

    assert replayed == of_mode(chunks, mode)


def test_recorded_replay_of_several_modes_yields_the_live_mode_chunk_pairs(
    live: tuple[Any, list[Any]], config: dict
) -> None:
    graph, chunks = live

    replayed = list(
        graph.replay(at_step(graph, config, 0).config, stream_mode=["values", "updates"])
    )

    assert replayed == chunks


def test_recorded_replay_of_a_replayed_branch_yields_the_live_replay_chunks(
    live: tuple[Any, list[Any]], config: dict
) -> None:
    graph, _ = live
    rerun = list(
        graph.stream(None, at_step(graph, config, 1).config, stream_mode=["values", "updates"])
    )
    fork = next(s for s in graph.get_state_history(config) if s.metadata["source"] == "fork")

    replayed = list(graph.replay(fork.config, stream_mode=["values", "updates"]))

    assert replayed == rerun


def test_recorded_replay_from_a_checkpoint_starts_with_its_values(
    live: tuple[Any, list[Any]], config: dict
) -> None:
    graph, _ = live

    replayed = list(graph.replay(at_step(graph, config, 2).config))

    assert replayed == [{"log": ["in", "a", "b"]}, {"log": ["in", "a", "b", "c"]}]


def test_recorded_replay_of_an_old_branch_follows_that_branch(forked: Any, config: dict) -> None:
    replayed = list(forked.replay(at_step(forked, config, 2).config))

    assert replayed == [
        {"log": ["in", "a", "b"], "topic": "cats"},
        {"log": ["in", "a", "b", "c"], "topic": "cats"},
    ]


def test_recorded_replay_calls_no_node(
    live: tuple[Any, list[Any]], config: dict, runs: Counter[str]
) -> None:
    graph, _ = live
    graph.invoke(None, at_step(graph, config, 0).config)
    runs.clear()
    before = list(graph.get_state_history(config))

    for start in before:
        list(graph.replay(start.config, stream_mode=["values", "updates"]))

    assert runs == Counter()
    assert list(graph.get_state_history(config)) == before
