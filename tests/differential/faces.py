"""The async face (issue 18): every call of a sequence played through the async API of
both engines, and ``async def`` nodes in some of those graphs.

A graph whose ``GraphSpec.face`` is ``"async"`` is wrapped in an ``AsyncFace``: the
harness calls it as it calls a compiled graph (``invoke``, ``stream``, ``get_state``...),
and each call is made as its async twin (``ainvoke``, ``astream``, ``aget_state``,
``aget_state_history``, ``aupdate_state``, ``abulk_update_state``), awaited on an event
loop of the side's own. LangGraph keeps its ``InMemorySaver``, whose async methods are
what its async API uses.

``with_async_nodes`` makes some of a graph's nodes ``async def`` nodes that do the same as
the sync node they replace (``NodeSpec.awaits``); only the async face can run them.
Both are drawn from a generator of their own (``cases.faced_case``), after everything
else, so that a seed run through the sync face is the same case as before.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from typing import Any, TypeVar

from tests.differential.graphs import GraphSpec, NodeSpec

FACES = ("sync", "async")
NODE_RATE = 0.4  # chance that a plain node of a graph with async nodes is async def
T = TypeVar("T")


class AsyncFace:
    """A compiled graph whose methods the harness calls as the sync ones, each played
    through its async twin on ``loop``. Updates alternate between ``aupdate_state`` and
    ``abulk_update_state`` with one superstep of that one update (which is what
    ``update_state`` is in LangGraph)."""

    def __init__(self, graph: Any, loop: asyncio.AbstractEventLoop, update: Any) -> None:
        self.graph = graph
        self.loop = loop
        self._update = update  # the engine's StateUpdate
        self._updates = 0

    def _wait(self, awaitable: Awaitable[T]) -> T:
        async def awaited() -> T:
            return await awaitable

        return self.loop.run_until_complete(awaited())

    def _all(self, items: AsyncIterator[T]) -> list[T]:
        async def collected() -> list[T]:
            return [item async for item in items]

        return self.loop.run_until_complete(collected())

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        """``ainvoke``."""
        return self._wait(self.graph.ainvoke(*args, **kwargs))

    def stream(self, *args: Any, **kwargs: Any) -> list[Any]:
        """``astream``'s chunks, all of them."""
        return self._all(self.graph.astream(*args, **kwargs))

    def get_state(self, *args: Any, **kwargs: Any) -> Any:
        """``aget_state``."""
        return self._wait(self.graph.aget_state(*args, **kwargs))

    def get_state_history(self, *args: Any, **kwargs: Any) -> list[Any]:
        """``aget_state_history``'s snapshots, all of them."""
        return self._all(self.graph.aget_state_history(*args, **kwargs))

    def update_state(self, config: Any, values: Any, as_node: str | None = None) -> Any:
        """``aupdate_state``, or every other time ``abulk_update_state`` of that update."""
        self._updates += 1
        if self._updates % 2:
            return self._wait(self.graph.aupdate_state(config, values, as_node=as_node))
        supersteps = [[self._update(values, as_node)]]
        return self._wait(self.graph.abulk_update_state(config, supersteps))


def faced(graph: Any, face: str, loop: asyncio.AbstractEventLoop | None, update: Any) -> Any:
    """``graph`` as the harness calls it through ``face``."""
    if face == "sync":
        return graph
    if face != "async" or loop is None:
        raise ValueError(f"unknown face {face!r} (or no loop for it); faces: {FACES}")
    return AsyncFace(graph, loop, update)


def with_async_nodes(rng: random.Random, spec: GraphSpec) -> GraphSpec:
    """``spec`` with some plain nodes, also inside subgraphs, made ``async def`` (at least
    one when it has a plain node)."""
    nodes = [_awaiting(rng, node) for node in spec.nodes]
    plain = [i for i, node in enumerate(nodes) if node.sub is None]
    if plain and not any(node.awaits for node in nodes if node.sub is None):
        i = rng.choice(plain)
        nodes[i] = replace(nodes[i], awaits=True)
    return replace(spec, nodes=tuple(nodes))


def _awaiting(rng: random.Random, node: NodeSpec) -> NodeSpec:
    if node.sub is None:
        return replace(node, awaits=rng.random() < NODE_RATE)
    inner = node.sub.graph
    awaited = replace(inner, nodes=tuple(_awaiting(rng, n) for n in inner.nodes))
    return replace(node, sub=replace(node.sub, graph=awaited))
