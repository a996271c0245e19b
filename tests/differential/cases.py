"""Seeds to cases, shrinking a diverging case, and printing it as runnable Python."""

from __future__ import annotations

import random
from dataclasses import replace

from tests.differential.faces import with_async_nodes
from tests.differential.features import (
    with_chat,
    with_chat_ops,
    with_feature_ops,
    with_features,
    with_inner_chat,
)
from tests.differential.graphs import GraphSpec, random_graph, simpler_variants
from tests.differential.operations import Op, random_operations
from tests.differential.runner import Report, run_sequence
from tests.differential.subgraphs import (
    inner_names,
    subgraph_variants,
    with_subgraph_ops,
    with_subgraphs,
)

MAX_SHRINK_RUNS = 300
SUBGRAPH_RATE = 0.5  # python -m tests.differential: half the seeds have subgraph nodes
FEATURE_RATE = 0.3  # and about a third use the newer node features (features.py)
CHAT_RATE = 0.5  # half of those also have chat models streamed in the "messages" mode
ASYNC_NODE_RATE = 0.5  # half the cases run through the async face have async def nodes


def case(
    seed: int, subgraph_rate: float = 0.0, feature_rate: float = 0.0
) -> tuple[GraphSpec, list[Op]]:
    """The graph and the operations of one seed. With chance ``feature_rate`` its nodes
    use the newer features (retries, defer, Command[...], custom streams, messages), and
    then with chance ``CHAT_RATE`` chat models and ``"messages"`` streams; with chance
    ``subgraph_rate`` some of its nodes are subgraphs and calls reaching into them are
    mixed in. Each is drawn from a generator of its own: without them the seed's case is
    the same at any rate."""
    rng = random.Random(seed)
    spec = random_graph(rng)
    ops = random_operations(rng, spec, rng.randint(3, 12))
    featured = random.Random(f"features {seed}")
    chat = random.Random(f"chat {seed}")
    chats = False
    if featured.random() < feature_rate:
        spec = with_features(featured, spec)
        ops = with_feature_ops(featured, spec, ops)
        chats = chat.random() < CHAT_RATE
        if chats:
            spec = with_chat(chat, spec)
            ops = with_chat_ops(chat, ops)
    more = random.Random(f"subgraphs {seed}")
    if more.random() < subgraph_rate:
        spec = with_subgraphs(more, spec)
        ops = with_subgraph_ops(more, spec, ops)
        if chats:
            spec, ops = with_inner_chat(chat, spec, ops)
    return spec, ops


def faced_case(
    seed: int, subgraph_rate: float = 0.0, feature_rate: float = 0.0, face: str = "sync"
) -> tuple[GraphSpec, list[Op]]:
    """``case(seed, ...)`` played through ``face`` (``faces.py``): through the async face,
    with chance ``ASYNC_NODE_RATE`` some nodes are ``async def``, drawn from a generator
    of their own (the sync face's case is the case of ``case``)."""
    spec, ops = case(seed, subgraph_rate, feature_rate)
    if face == "sync":
        return spec, ops
    spec = replace(spec, face=face)
    awaits = random.Random(f"async {seed}")
    if awaits.random() < ASYNC_NODE_RATE:
        spec = with_async_nodes(awaits, spec)
    return spec, ops


def _signature(report: Report) -> tuple[str, str] | None:
    found = report.divergence
    return None if found is None else (found.field, found.op.kind)


def shrink(spec: GraphSpec, ops: list[Op]) -> tuple[GraphSpec, list[Op], Report]:
    """A smaller case with the same kind of first divergence: operations dropped (and
    cut after the divergence), nodes and node features removed, while it still diverges."""
    report = run_sequence(spec, ops)
    wanted = _signature(report)
    assert wanted is not None, "shrink() needs a diverging case"
    budget = [MAX_SHRINK_RUNS]

    def still(candidate_spec: GraphSpec, candidate_ops: list[Op]) -> Report | None:
        if budget[0] <= 0 or not candidate_ops:
            return None
        budget[0] -= 1
        try:
            found = run_sequence(candidate_spec, candidate_ops)
        except Exception:
            return None
        return found if _signature(found) == wanted else None

    assert report.divergence is not None
    ops = ops[: report.divergence.index + 1]
    progress = True
    while progress and budget[0] > 0:
        progress = False
        for i in reversed(range(len(ops))):
            fewer = ops[:i] + ops[i + 1 :]
            found = still(spec, fewer)
            if found is not None:
                ops, report, progress = fewer, found, True
                break
        else:
            for simpler in (*simpler_variants(spec), *subgraph_variants(spec)):
                candidate_ops = [_without_missing_nodes(op, simpler) for op in ops]
                found = still(simpler, candidate_ops)
                if found is not None:
                    spec, ops, report, progress = simpler, candidate_ops, found, True
                    break
    return spec, ops, report


def _without_missing_nodes(op: Op, spec: GraphSpec) -> Op:
    if op.as_node is not None and op.as_node not in (
        *spec.names,
        *inner_names(spec),
        "__start__",
    ):
        return replace(op, as_node=None)
    return op


def as_python(seed: int | None, spec: GraphSpec, ops: list[Op], report: Report) -> str:
    """A runnable reproduction: the graph and operations as Python, and the divergence."""
    divergence = report.divergence
    said = divergence.describe() if divergence else "no divergence"
    lines = [
        f"# seed {seed}: {said.splitlines()[0]}" if seed is not None else f"# {said}",
        *(f"#   {line.strip()}" for line in said.splitlines()[1:]),
        "# The graph, as builder calls:",
        *(f"#   {line}" for line in graph_source(spec)),
        "from tests.differential.graphs import Edge, GraphSpec, NodeSpec, SubSpec",
        "from tests.differential.operations import Op",
        "from tests.differential.reproduce import reproduce",
        "",
        f"GRAPH = {spec!r}",
        "OPS = [",
        *(f"    {op!r}," for op in ops),
        "]",
        "reproduce(GRAPH, OPS)",
    ]
    return "\n".join(lines)


def graph_source(spec: GraphSpec, indent: str = "") -> list[str]:
    """The graph as the builder calls a person would write (a subgraph's indented)."""
    lines = []
    for node in spec.nodes:
        if node.sub is not None:
            sub = node.sub
            lines.append(
                f"{indent}add_node({node.name!r}, <StateGraph({sub.schema}) compiled with "
                f"checkpointer={sub.checkpointer!r}>):"
            )
            lines += graph_source(sub.graph, indent + "    ")
            continue
        features = [f"{k}={v!r}" for k, v in vars(node).items() if k not in ("name", "sub") and v]
        lines.append(
            f"{indent}add_node({node.name!r})  # {', '.join(features) or 'appends its name'}"
        )
    for edge in spec.edges:
        if edge.kind == "plain":
            lines.append(f"{indent}add_edge({edge.sources[0]!r}, {edge.targets[0]!r})")
        elif edge.kind == "join":
            lines.append(f"{indent}add_edge({list(edge.sources)!r}, {edge.targets[0]!r})")
        else:
            lines.append(
                f"{indent}add_conditional_edges({edge.sources[0]!r}, <{edge.kind}>, "
                f"{list(edge.targets)!r})"
            )
    if spec.interrupt_before or spec.interrupt_after:
        lines.append(
            f"{indent}compile(interrupt_before={list(spec.interrupt_before)!r}, "
            f"interrupt_after={list(spec.interrupt_after)!r})"
        )
    return lines
