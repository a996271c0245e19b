"""The async face of a compiled graph, on every store: each async method gives what its
sync twin gives (the same scenario run both ways, on threads of the same name in two
stores), and async nodes, path functions and tools run in it as in LangGraph 1.2.22
(checked by running both)."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    CompiledStateGraph,
    StateGraph,
    StateUpdate,
    get_stream_writer,
    interrupt,
)


class State(TypedDict):
    log: Annotated[list[str], operator.add]


def logs(name: str) -> Callable[[State], dict[str, Any]]:
    def node(state: State) -> dict[str, Any]:
        get_stream_writer()({"from": name})
        return {"log": [name]}

    node.__name__ = name
    return node


async def thinks(state: State) -> dict[str, Any]:
    await asyncio.sleep(0)
    get_stream_writer()({"from": "thinks"})
    return {"log": ["thinks"]}


async def asks(state: State) -> dict[str, Any]:
    answer = interrupt("ok?")
    await asyncio.sleep(0)
    return {"log": [f"asked:{answer}"]}


def asks_in_sync(state: State) -> dict[str, Any]:
    return {"log": [f"asked:{interrupt('ok?')}"]}


def graph_on(store: CheckpointStore, *, async_nodes: bool = True) -> CompiledStateGraph:
    """START -> a -> thinks -> asks (interrupt) -> b -> END; ``thinks`` and ``asks``
    async or not."""
    builder = StateGraph(State)
    builder.add_node("a", logs("a"))
    builder.add_node("thinks", thinks if async_nodes else logs("thinks"))
    builder.add_node("asks", asks if async_nodes else asks_in_sync)
    builder.add_node("b", logs("b"))
    builder.add_edge(START, "a")
    builder.add_edge("a", "thinks")
    builder.add_edge("thinks", "asks")
    builder.add_edge("asks", "b")
    builder.add_edge("b", END)
    return builder.compile(checkpointer=store)


@pytest.fixture
def twin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CheckpointStore]:
    """A second fresh store of the kind ``store`` is, for the sync twin of a scenario."""
    kind = getattr(request.node, "callspec", None)
    param = kind.params.get("store", "memory") if kind else "memory"
    if param == "postgres":  # a schema of its own (this one has 4 shards)
        schema = request.getfixturevalue("pg_sharded_schema")
        with CheckpointStore.postgres(request.getfixturevalue("pg_dsn"), schema=schema) as store:
            yield store
    elif param == "sqlite":
        with CheckpointStore.sqlite(tmp_path / "twin.db") as store:
            yield store
    else:
        with CheckpointStore.in_memory() as store:
            yield store


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def listed(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


CONFIG: dict[str, Any] = {"configurable": {"thread_id": "t1"}}


def shown(snapshot: Any) -> tuple[Any, ...]:
    """What a snapshot says, its ids and times aside (each store stamps its own)."""
    return (snapshot.values, snapshot.next, snapshot.metadata.get("step"), snapshot.interrupts)


# Running --------------------------------------------------------------------------------


def test_ainvoke_pauses_and_resumes_as_invoke_does(
    store: CheckpointStore, twin: CheckpointStore
) -> None:
    sync_graph, async_graph = graph_on(twin, async_nodes=False), graph_on(store)

    paused = run(async_graph.ainvoke({"log": []}, CONFIG))
    done = run(async_graph.ainvoke(Command(resume="yes"), CONFIG))

    assert paused == sync_graph.invoke({"log": []}, CONFIG)
    assert done == sync_graph.invoke(Command(resume="yes"), CONFIG)
    assert done == {"log": ["a", "thinks", "asked:yes", "b"]}


@pytest.mark.parametrize(
    "mode", ["values", "updates", "custom", ["updates", "custom"], "tasks", "debug"]
)
def test_astream_yields_the_chunks_stream_yields(
    store: CheckpointStore, twin: CheckpointStore, mode: Any
) -> None:
    sync_graph, async_graph = graph_on(twin, async_nodes=False), graph_on(store)

    for given in ({"log": []}, Command(resume="yes")):
        chunks = run(listed(async_graph.astream(given, CONFIG, stream_mode=mode)))
        expected = list(sync_graph.stream(given, CONFIG, stream_mode=mode))
        assert _without_times(chunks) == _without_times(expected)


def _without_times(chunks: list[Any]) -> list[Any]:
    """Debug events carry the time they were made; the rest is compared as it is."""
    return [
        {k: v for k, v in c.items() if k != "timestamp"} if isinstance(c, dict) else c
        for c in chunks
    ]


def test_abatch_runs_its_inputs_at_once_with_results_in_order(store: CheckpointStore) -> None:
    graph = graph_on(store)
    configs = [{"configurable": {"thread_id": f"t{n}"}} for n in range(5)]

    paused = run(graph.abatch([{"log": [str(n)]} for n in range(5)], configs))

    assert [p["log"] for p in paused] == [[str(n), "a", "thinks"] for n in range(5)]
    assert all(p["__interrupt__"][0].value == "ok?" for p in paused)


# State and history ----------------------------------------------------------------------


def test_the_state_methods_give_what_their_sync_twins_give(
    store: CheckpointStore, twin: CheckpointStore
) -> None:
    sync_graph, async_graph = graph_on(twin, async_nodes=False), graph_on(store)
    for graph in (sync_graph, async_graph):
        graph.invoke({"log": []}, CONFIG) if graph is sync_graph else run(
            graph.ainvoke({"log": []}, CONFIG)
        )

    assert shown(run(async_graph.aget_state(CONFIG))) == shown(sync_graph.get_state(CONFIG))
    history = run(listed(async_graph.aget_state_history(CONFIG)))
    assert [shown(s) for s in history] == [shown(s) for s in sync_graph.get_state_history(CONFIG)]
    limited = run(listed(async_graph.aget_state_history(CONFIG, limit=2)))
    assert len(limited) == 2

    edited = run(async_graph.aupdate_state(CONFIG, {"log": ["edit"]}, as_node="a"))
    sync_graph.update_state(CONFIG, {"log": ["edit"]}, as_node="a")
    assert edited["configurable"]["thread_id"] == "t1"
    assert shown(run(async_graph.aget_state(CONFIG))) == shown(sync_graph.get_state(CONFIG))

    steps = [[StateUpdate({"log": ["bulk"]}, "b")]]
    run(async_graph.abulk_update_state(CONFIG, steps))
    sync_graph.bulk_update_state(CONFIG, steps)
    assert shown(run(async_graph.aget_state(CONFIG))) == shown(sync_graph.get_state(CONFIG))


def test_the_branch_methods_give_what_their_sync_twins_give(
    store: CheckpointStore, twin: CheckpointStore
) -> None:
    sync_graph, async_graph = graph_on(twin, async_nodes=False), graph_on(store)
    sync_graph.invoke({"log": []}, CONFIG)
    run(async_graph.ainvoke({"log": []}, CONFIG))
    first = {g: list(g.get_state_history(CONFIG))[-2].config for g in (sync_graph, async_graph)}
    sync_graph.update_state(first[sync_graph], {"log": ["fork"]})
    run(async_graph.aupdate_state(first[async_graph], {"log": ["fork"]}))

    lineage = run(async_graph.aget_lineage(CONFIG))
    assert [shown(s) for s in lineage] == [shown(s) for s in sync_graph.get_lineage(CONFIG)]
    branches = run(async_graph.alist_branches(CONFIG))
    assert len(branches) == len(sync_graph.list_branches(CONFIG)) == 2
    differ = run(async_graph.adiff(CONFIG, first[async_graph]))
    assert differ == sync_graph.diff(CONFIG, first[sync_graph])
    replayed = run(listed(async_graph.areplay(first[async_graph])))
    assert replayed == list(sync_graph.replay(first[sync_graph]))
    switched = run(async_graph.aswitch_branch(branches[0].head_config))
    assert switched == sync_graph.switch_branch(sync_graph.list_branches(CONFIG)[0].head_config)
    assert shown(run(async_graph.aget_state(CONFIG))) == shown(sync_graph.get_state(CONFIG))
