"""The store contract, run on every backend from one suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from branchline.domain import CheckpointStore, ConcurrentUpdate, Thread, evolve
from branchline.domain.model.checkpoint import START
from branchline.domain.model.errors import StoreConfigError

Opener = Callable[[], CheckpointStore]


@pytest.fixture(params=["memory", "sqlite", "postgres", "postgres-4-shards"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Open (and re-open) a store of one backend; memory re-opens the same store."""
    opened: list[CheckpointStore] = []
    memory = CheckpointStore.in_memory() if request.param == "memory" else None
    schema = None
    if request.param.startswith("postgres"):
        sharded = request.param.endswith("shards")
        schema = request.getfixturevalue("pg_sharded_schema" if sharded else "pg_schema")

    def opener() -> CheckpointStore:
        if schema is not None:
            store = CheckpointStore.postgres(request.getfixturevalue("pg_dsn"), schema=schema)
        else:
            store = memory or CheckpointStore.sqlite(tmp_path / "threads.db")
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


def run_step(store: CheckpointStore, thread: Thread | None, thread_id: str = "t") -> Thread:
    """Append one input and its __start__ step, as the runner does."""
    events = []
    if thread is None:
        events.append(Thread.start(thread_id, {"log": []}))
        thread = evolve(None, events[-1])
    events.append(thread.receive_input([START], {"run": 1}))
    thread = evolve(thread, events[-1])
    events.append(
        thread.complete_task(thread.task_for(START), START, assigned={}, appended={"log": ["x"]})
    )
    thread = evolve(thread, events[-1])
    events.append(thread.complete_step(["a"], {}, {"run": 1}))
    base = store.load(thread_id)
    return store.append(base, events).thread


def test_append_then_load_head_returns_the_folded_state(open_store: Opener) -> None:
    store = open_store()
    appended = run_step(store, None)
    loaded = store.load("t")
    assert loaded == appended
    assert loaded is not None and loaded.values == {"log": ["x"]}
    assert loaded.head is not None and loaded.head.next == ("a",)


def test_load_of_unknown_thread_is_none(open_store: Opener) -> None:
    assert open_store().load("nobody") is None


def test_load_at_a_checkpoint_returns_the_state_then(open_store: Opener) -> None:
    store = open_store()
    first = run_step(store, None)
    run_step(store, first)
    assert first.head is not None
    past = store.load("t", first.head.version)
    assert past is not None and past.values == {"log": ["x"]}
    now = store.load("t")
    assert now is not None and now.values == {"log": ["x", "x"]}


def test_checkpoint_states_lists_every_checkpoint_oldest_first(open_store: Opener) -> None:
    store = open_store()
    run_step(store, run_step(store, None))
    heads = [s.head for s in store.checkpoint_states("t")]
    assert [(h.step, h.source) for h in heads if h] == [
        (-1, "input"),
        (0, "loop"),
        (1, "input"),
        (2, "loop"),
    ]
    assert [h.parent for h in heads if h] == [None, 2, 4, 5]


def test_a_stale_writer_loses_and_writes_nothing(open_store: Opener) -> None:
    store = open_store()
    base = run_step(store, None)
    winner = evolve(base, base.receive_input([START], {}))
    store.append(base, [base.receive_input([START], {})])
    with pytest.raises(ConcurrentUpdate, match="changed by another writer"):
        store.append(base, [base.receive_input([START], {"late": True})])
    reloaded = store.load("t")
    assert reloaded is not None and reloaded.version == winner.version
    assert reloaded.head is not None and reloaded.head.metadata == {}


def test_a_new_thread_created_twice_conflicts(open_store: Opener) -> None:
    store = open_store()
    run_step(store, None)
    with pytest.raises(ConcurrentUpdate):
        store.append(None, [Thread.start("t")])


def test_close_and_reopen_reads_the_same_thread(open_store: Opener) -> None:
    store = open_store()
    written = run_step(store, run_step(store, None))
    store.close()
    reopened = open_store()
    assert reopened.load("t") == written
    assert len(reopened.checkpoint_states("t")) == 4


def test_a_cached_thread_shows_what_another_store_appended(open_store: Opener) -> None:
    reader, writer = open_store(), open_store()
    run_step(writer, None)
    assert reader.load("t") == reader.load("t")  # now cached, and read again unchanged

    written = run_step(writer, writer.load("t"))
    written = run_step(writer, written)

    # Another process's appends (its own connections) reach a reader that cached the
    # thread, the first time and every time after.
    assert reader.load("t") == written
    assert reader.load("t") == written
    unrelated = run_step(writer, None, thread_id="u")
    assert reader.load("u") == unrelated
    assert reader.load("t") == written

    # The reader's own append is cached as the latest; another's after it still shows.
    own = run_step(reader, reader.load("t"))
    assert reader.load("t") == own
    theirs = run_step(writer, writer.load("t"))
    assert theirs.version == own.version + 3
    assert reader.load("t") == theirs


def test_a_listed_thread_gives_its_checkpoints_as_they_are_stored_and_up_to_date(
    open_store: Opener,
) -> None:
    lister, writer = open_store(), open_store()
    thread = None
    for _ in range(3):
        thread = run_step(writer, thread)
    listed = lister.timeline("t")  # kept: its checkpoints come from it from now on
    versions = sorted(listed.states)

    later = run_step(writer, writer.load("t"))  # another store (process) goes on

    fresh = open_store()  # one that never listed it restores each from the file
    assert later.head is not None and later.head.version not in versions
    for version in [*versions, later.head.version]:
        assert lister.load_checkpoint("t", version) == fresh.load_checkpoint("t", version)
    assert lister.load_checkpoint("t", later.head.version) is not None
    not_a_checkpoint = versions[0] + 1  # the __start__ task's version in run_step
    assert not_a_checkpoint not in versions
    assert lister.load_checkpoint("t", not_a_checkpoint) is None


def test_snapshots_bound_the_fold_without_changing_the_state(open_store: Opener) -> None:
    store = open_store()
    thread = None
    for _ in range(40):  # 160 events: more than the default snapshot interval
        thread = run_step(store, thread)
    assert thread is not None
    for state in store.checkpoint_states("t")[::7]:
        assert state.head is not None
        loaded = store.load("t", state.head.version)
        assert loaded is not None
        assert (loaded.values, loaded.head) == (state.values, state.head)


def test_notifications_follow_the_record_order_across_threads(open_store: Opener) -> None:
    store = open_store()
    for name in ("one", "two", "three", "four"):
        run_step(store, None, name)
    seen = 0
    for log in store.shard_logs():  # one log, or one per shard
        positions = [p for p, _ in log.notifications(after=0)]
        assert positions == sorted(positions)
        assert log.max_position() == (positions[-1] if positions else 0)
        if len(positions) > 3:
            assert [p for p, _ in log.notifications(after=positions[2])] == positions[3:]
        seen += len(positions)
    assert seen == 16


def test_a_sharded_store_spreads_threads_and_keeps_each_whole(
    pg_dsn: str, pg_sharded_schema: str
) -> None:
    with CheckpointStore.postgres(pg_dsn, schema=pg_sharded_schema) as store:  # 4, as recorded
        for number in range(12):
            run_step(store, run_step(store, None, f"t{number}"), f"t{number}")
        per_shard = [log.max_position() for log in store.shard_logs()]
        assert len(per_shard) == 4 and sum(p > 0 for p in per_shard) >= 3
        assert all(len(store.checkpoint_states(f"t{n}")) == 4 for n in range(12))
        assert len(store.verify()) == 12 and all(r.intact for r in store.verify())
    with pytest.raises(StoreConfigError, match="set up with 4 shard"):
        CheckpointStore.postgres(pg_dsn, schema=pg_sharded_schema, shards=2)


def test_only_a_postgres_store_is_sharded(tmp_path: Path) -> None:
    with pytest.raises(StoreConfigError, match="only PostgreSQL is sharded"):
        CheckpointStore.sqlite(tmp_path / "threads.db", shards=2)
