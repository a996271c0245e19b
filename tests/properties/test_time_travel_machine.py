"""State machine: time travel keeps one checkpoint tree whose checkpoints never change.

A thread of the chain START -> a -> b -> c is driven by runs (new input), runs whose
``b`` asks a question (``interrupt()``), answers, edits of the head, forks (an edit of a
past checkpoint), replays (``invoke(None)`` on a past checkpoint) and switches to another
branch's head. After every step:

- the checkpoints and their parents form a tree: one root, no cycle, no missing parent;
- the thread's head is a checkpoint of that tree;
- every checkpoint keeps the values it had when first seen, whatever branch grew later;
- every pending interrupt belongs to a task of the head checkpoint;
- (second machine) ``get_state`` of a pinned checkpoint equals its ``get_state_history``
  entry.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    InvalidUpdateError,
    StateGraph,
    interrupt,
)

# No shrink phase: shrinking a failing travel replays thousands of steps (about a minute);
# an unshrunk failure is at most 15 steps, and tests/runner pins the minimal cases.
SETTINGS = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    database=None,
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
CONFIG = {"configurable": {"thread_id": "t"}}

words = st.sampled_from(["x", "y", "z"])


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    ask: bool
    note: str


def a(state: State) -> dict[str, Any]:
    return {"log": ["a"]}


def b(state: State) -> dict[str, Any]:
    if state.get("ask"):
        return {"log": [f"b:{interrupt('ok?')}"]}
    return {"log": ["b"]}


def c(state: State) -> dict[str, Any]:
    return {"log": ["c"]}


def build(store: CheckpointStore) -> Any:
    builder = StateGraph(State)
    for node in (a, b, c):
        builder.add_node(node)
    for start, end in ((START, "a"), ("a", "b"), ("b", "c"), ("c", END)):
        builder.add_edge(start, end)
    return builder.compile(checkpointer=store)


def cid(config: dict[str, Any] | None) -> str | None:
    return None if config is None else str(config["configurable"]["checkpoint_id"])


class TimeTravelMachine(RuleBasedStateMachine):
    """One thread on the in-memory store, travelled through at random."""

    def __init__(self) -> None:
        super().__init__()
        self.store = CheckpointStore.in_memory()
        self.graph = build(self.store)
        self.first_seen: dict[str, dict[str, Any]] = {}
        self.cached: tuple[int, list[Any]] = (0, [])

    def teardown(self) -> None:
        self.store.close()

    # Helpers ---------------------------------------------------------------------------

    def history(self) -> list[Any]:
        """The thread's history, read again only when its stream has grown."""
        thread = self.store.load("t")
        version = 0 if thread is None else thread.version
        if version != self.cached[0]:
            self.cached = (version, list(self.graph.get_state_history(CONFIG)))
        return self.cached[1]

    def started(self) -> bool:
        return bool(self.history())

    def pick(self, data: st.DataObject) -> dict[str, Any]:
        """The config of a checkpoint drawn from the whole tree."""
        checkpoint = data.draw(st.sampled_from(sorted(str(cid(s.config)) for s in self.history())))
        return {"configurable": {"thread_id": "t", "checkpoint_id": checkpoint}}

    # Rules -----------------------------------------------------------------------------

    @rule(word=words, ask=st.booleans())
    def run(self, word: str, ask: bool) -> None:
        self.graph.invoke({"log": [word], "ask": ask}, CONFIG)

    @rule(word=words)
    def run_until_asked(self, word: str) -> None:
        result = self.graph.invoke({"log": [word], "ask": True}, CONFIG)
        assert [i.value for i in result["__interrupt__"]] == ["ok?"]

    @precondition(lambda self: bool(self.graph.get_state(CONFIG).interrupts))
    @rule(answer=words)
    def resume(self, answer: str) -> None:
        self.graph.invoke(Command(resume=answer), CONFIG)

    @precondition(started)
    @rule(note=words)
    def edit_head(self, note: str) -> None:
        self.edit(CONFIG, note)

    def edit(self, config: dict[str, Any], note: str) -> dict[str, Any]:
        """An edit made as the node that last ran; where LangGraph finds that ambiguous
        (right after a replay copy, say), made as START."""
        try:
            return self.graph.update_state(config, {"note": note})
        except InvalidUpdateError as error:
            if "Ambiguous" not in str(error):
                raise
            return self.graph.update_state(config, {"note": note}, as_node=START)

    @precondition(started)
    @rule(data=st.data(), note=words)
    def fork(self, data: st.DataObject, note: str) -> None:
        past = self.pick(data)
        new = self.edit(past, note)
        assert self.graph.get_state(new).parent_config["configurable"] == {
            "checkpoint_ns": "",
            **past["configurable"],
        }

    @precondition(started)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        self.graph.invoke(None, self.pick(data))

    @precondition(started)
    @rule(data=st.data())
    def switch(self, data: st.DataObject) -> None:
        heads = sorted(str(cid(br.head_config)) for br in self.graph.list_branches(CONFIG))
        head = data.draw(st.sampled_from(heads))
        self.graph.switch_branch({"configurable": {"thread_id": "t", "checkpoint_id": head}})
        assert cid(self.graph.get_state(CONFIG).config) == head

    # Invariants ------------------------------------------------------------------------

    @invariant()
    def checkpoints_form_one_tree(self) -> None:
        parents = {cid(s.config): cid(s.parent_config) for s in self.history()}
        roots = [k for k, parent in parents.items() if parent is None]
        assert len(roots) == (1 if parents else 0)
        for start in parents:
            seen: set[str | None] = set()
            node: str | None = start
            while node is not None:
                assert node in parents, f"parent {node} of a checkpoint is not in the history"
                assert node not in seen, f"cycle through {node}"
                seen.add(node)
                node = parents[node]

    @invariant()
    def head_is_in_the_tree(self) -> None:
        head = self.graph.get_state(CONFIG)
        history = {cid(s.config) for s in self.history()}
        if history:
            assert cid(head.config) in history
        else:
            assert head.values == {}

    @invariant()
    def checkpoints_keep_their_values(self) -> None:
        for snapshot in self.history():
            first = self.first_seen.setdefault(str(cid(snapshot.config)), snapshot.values)
            assert snapshot.values == first

    @invariant()
    def pending_interrupts_belong_to_the_heads_tasks(self) -> None:
        live = self.graph.get_state(CONFIG)
        if not live.interrupts:
            return
        entry = next(s for s in self.history() if s.config == live.config)
        for pending in live.interrupts:
            owners = [t for t in entry.tasks if pending in t.interrupts]
            assert len(owners) == 1
            assert owners[0].name in entry.next


class PinnedSnapshotMachine(TimeTravelMachine):
    """The same travels, checking that a pinned get_state reads its history entry."""

    @invariant()
    def pinned_state_equals_history_entry(self) -> None:
        for snapshot in self.history():
            assert self.graph.get_state(snapshot.config) == snapshot


def test_time_travel_keeps_one_tree_with_the_head_in_it_and_checkpoints_unchanged() -> None:
    run_state_machine_as_test(TimeTravelMachine, settings=SETTINGS)


def test_time_travel_keeps_pinned_snapshots_equal_to_their_history_entries() -> None:
    run_state_machine_as_test(PinnedSnapshotMachine, settings=SETTINGS)
