"""Subgraph nodes in random graphs (issue 16): which nodes of a drawn graph become
compiled subgraphs, what those subgraphs are, the calls that reach into them, and how a
diverging case with subgraphs is made simpler.

Drawn from a random generator of their own (``case`` seeds it apart), after the graph and
its calls, so that a seed without subgraphs is the same case as before they existed.

A subgraph of node ``n1`` has nodes ``n1a``, ``n1b``... (one of them maybe a subgraph
again: ``n1ba``...), over a schema of ``graphs.SCHEMAS``; it is compiled with
``checkpointer=None`` mostly, sometimes ``True`` or ``False``, and sometimes with a
breakpoint. Its nodes ask questions with ``interrupt()`` as the parent's do.
"""

from __future__ import annotations

import random
from dataclasses import replace

from tests.differential.graphs import (
    SCHEMAS,
    START,
    Edge,
    GraphSpec,
    NodeSpec,
    SubSpec,
    _edges_from,
    simpler_variants,
)
from tests.differential.operations import Op

MAX_DEPTH = 2  # a subgraph may hold one more level of subgraph, no deeper
NODE_RATE = 0.35  # chance that a node of the parent becomes a subgraph
OP_RATE = 0.4  # chance of a call that reaches into subgraphs after each drawn call


def with_subgraphs(rng: random.Random, spec: GraphSpec) -> GraphSpec:
    """``spec`` with some nodes (at least one; both targets of a fan-out, sometimes, so
    that two subgraphs run in one superstep) made compiled subgraphs."""
    names = spec.names
    chosen = {n for n in names if rng.random() < NODE_RATE}
    fanouts = [
        edge.targets
        for edge in spec.edges
        if edge.kind == "send" and len(edge.targets) == 2 and edge.sources[0] != START
    ]
    for source in names:
        plain = [e.targets[0] for e in spec.edges if e.kind == "plain" and e.sources[0] == source]
        if len(plain) == 2:
            fanouts.append(tuple(plain))
    if fanouts and rng.random() < 0.5:
        chosen |= set(rng.choice(fanouts)) - {"__end__"}
    if not chosen:
        chosen = {rng.choice(names)}
    nodes = tuple(
        NodeSpec(n.name, sub=random_subgraph(rng, n.name, 1)) if n.name in chosen else n
        for n in spec.nodes
    )
    return replace(spec, nodes=nodes)


def random_subgraph(rng: random.Random, prefix: str, depth: int) -> SubSpec:
    """A subgraph for node ``prefix``: 1 to 3 nodes in a chain, fan-out or condition."""
    schema = rng.choice(["all", "all", "log", "notes", "wide"])
    keys = set(SCHEMAS[schema].__annotations__)
    checkpointer = rng.choices([None, True, False], weights=[6, 2, 2])[0]
    names = [f"{prefix}{letter}" for letter in "abc"[: rng.randint(1, 3)]]
    edges = [Edge("plain", (START,), (names[0],))]
    for i, name in enumerate(names):
        edges += _edges_from(rng, name, names[i + 1 :], names[: i + 1])
    nodes = tuple(_inner_node(rng, name, names, keys, depth) for name in names)
    before = tuple(n for n in names if rng.random() < 0.06)
    return SubSpec(GraphSpec(nodes, tuple(edges), before), schema, checkpointer)


def _inner_node(
    rng: random.Random, name: str, names: list[str], keys: set[str], depth: int
) -> NodeSpec:
    if depth < MAX_DEPTH and rng.random() < 0.15:
        return NodeSpec(name, sub=random_subgraph(rng, name, depth + 1))
    roll = rng.random()
    later = names[names.index(name) + 1 :]
    return NodeSpec(
        name,
        interrupts=0 if roll < 0.5 else (1 if roll < 0.88 else 2),
        guard="gate" in keys and rng.random() < 0.08,
        count="n" in keys and rng.random() < 0.3,
        sets_last="last" in keys and rng.random() < 0.2,
        goto=rng.choice(later) if later and rng.random() < 0.08 else None,
        notes="notes" in keys and rng.random() < 0.6,
    )


def inner_names(spec: GraphSpec) -> tuple[str, ...]:
    """The names of the nodes inside the graph's subgraphs, at every depth."""
    found: list[str] = []
    for node in spec.nodes:
        if node.sub is not None:
            found += [*node.sub.graph.names, *inner_names(node.sub.graph)]
    return tuple(found)


def with_subgraph_ops(rng: random.Random, spec: GraphSpec, ops: list[Op]) -> list[Op]:
    """``ops`` with calls that reach into subgraphs mixed in (never before the first)."""
    out = ops[:1]
    for i, op in enumerate(ops[1:], start=1):
        if rng.random() < OP_RATE:
            out.append(_subgraph_op(rng, spec, i))
        out.append(op)
    if rng.random() < OP_RATE:
        out.append(_subgraph_op(rng, spec, len(ops)))
    return out


def _subgraph_op(rng: random.Random, spec: GraphSpec, i: int) -> Op:
    roll = rng.random()
    if roll < 0.25:
        values = rng.choice([None, None, {"log": [f"in{i}"]}])
        mode = rng.choice(["values", "updates"])
        return Op("stream", values=values, stream_mode=mode, subgraphs=True)
    if roll < 0.42:
        return Op("sub_history", pick=rng.randrange(6), query=rng.choice(["live", "past"]))
    if roll < 0.64:
        inner = inner_names(spec)
        as_node = rng.choice([None, None, *inner]) if inner else None
        at = None if rng.random() < 0.7 else rng.randrange(6)
        return Op(
            "sub_update", values=_sub_edit(rng, i), as_node=as_node, pick=rng.randrange(3), at=at
        )
    if roll < 0.8:
        query = rng.choice(["live", "past"])
        return Op("sub_replay", pick=rng.randrange(6), at=rng.randrange(6), query=query)
    if roll < 0.92:
        return Op("resume", value=f"r{i}")
    return Op("invoke", values=None)


def _sub_edit(rng: random.Random, i: int) -> dict[str, object] | None:
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.65:
        return {"log": [f"sedit{i}"]}
    if roll < 0.85:
        return {"gate": True}  # a key some subgraph schemas lack
    return {"notes": [f"note{i}"]}


def subgraph_variants(spec: GraphSpec) -> list[GraphSpec]:
    """Specs one step simpler in their subgraphs: a subgraph node made a plain node, a
    subgraph compiled with the default checkpointer, a subgraph's graph made simpler."""
    variants = []
    for i, node in enumerate(spec.nodes):
        sub = node.sub
        if sub is None:
            continue

        def put(changed: NodeSpec, i: int = i) -> GraphSpec:
            return replace(spec, nodes=(*spec.nodes[:i], changed, *spec.nodes[i + 1 :]))

        variants.append(put(NodeSpec(node.name)))
        if sub.checkpointer is not None:
            variants.append(put(replace(node, sub=replace(sub, checkpointer=None))))
        for inner in (*simpler_variants(sub.graph), *subgraph_variants(sub.graph)):
            variants.append(put(replace(node, sub=replace(sub, graph=inner))))
    return variants
