"""LangGraph's node options and newer API in random graphs (issue 17): retry policies over
nodes that fail their first attempts, ``defer=True``, nodes annotated ``-> Command[
Literal[...]]``, the ``"custom"`` stream mode, LangChain messages in state, and chat
models streamed in the ``"messages"`` mode.

Drawn from a random generator of their own (``case`` seeds it apart), over a graph and
calls already drawn, so that a seed drawn without them is the same case as before they
existed. The features change what nodes do, never the graph's edges. Chat models and the
``"messages"`` mode (``with_chat``, ``with_chat_ops``) come from a third generator, over
a case drawn with features, so a case that draws none is the same as before they existed.

Messages reach a graph as plain data both engines turn into LangChain messages the same
way (``add_messages``): ``("user", "hi")`` tuples, bare strings and dicts, some with an
id given (``h3``), some without (each engine makes one: ``normalise`` labels them).
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from tests.differential.chat_model import CHAT_MODES
from tests.differential.graphs import END, GraphSpec, NodeSpec
from tests.differential.operations import Op

MESSAGES_RATE = 0.4  # chance that a graph drawn with features has messages in its state
STREAM_RATE = 0.3  # chance of a stream call with mode "custom" after each drawn call
CUSTOM_MODES = ("custom", "updates+custom", "values+custom")  # "+": a list of modes
CHAT_NODE_RATE = 0.4  # chance that a node of a graph drawn with chat models has one
MESSAGES_RATE_PER_OP = 0.35  # chance of a "messages" stream call after each drawn call
STREAMED_RESUME_RATE = 0.5  # chance that a bare resume is streamed in a "messages" mode
MESSAGES_MODES = ("messages", "messages", "messages+updates", "values+messages", "messages+custom")


def with_features(rng: random.Random, spec: GraphSpec) -> GraphSpec:
    """``spec`` with some nodes given the newer features (at least one node one feature)."""
    messages = rng.random() < MESSAGES_RATE
    nodes = [_featured(rng, node, spec.names, messages) for node in spec.nodes]
    if all(n == old for n, old in zip(nodes, spec.nodes, strict=True)):
        i = rng.randrange(len(nodes))
        nodes[i] = replace(nodes[i], writes=True, says=messages)
    featured = replace(spec, nodes=tuple(nodes), messages=messages)
    if runs_alone(featured):
        return featured
    # A node that fails for good beside another task of its step is a race in LangGraph
    # (the sibling's result is kept or lost as the threads happen to end): in graphs
    # that run tasks side by side, the retries always get through.
    kept = tuple(
        replace(n, retry=n.fails + 1) if n.fails and n.retry <= n.fails else n for n in nodes
    )
    return replace(featured, nodes=kept)


def runs_alone(spec: GraphSpec) -> bool:
    """Whether every step of the graph runs one task: one way out of START and of each
    node, no join, Send or goto."""
    sources = [e.sources[0] for e in spec.edges]
    return (
        all(e.kind in ("plain", "cond", "loop") for e in spec.edges)
        and len(sources) == len(set(sources))
        and not any(n.goto or n.routes for n in spec.nodes)
    )


def _featured(rng: random.Random, node: NodeSpec, names: tuple[str, ...], chat: bool) -> NodeSpec:
    later = names[names.index(node.name) + 1 :]
    changes: dict[str, Any] = {}
    if rng.random() < 0.15:
        changes["fails"] = rng.choice([1, 1, 2, 3])
        changes["retry"] = rng.choice([0, 2, 3, 3, 4])
    if rng.random() < 0.1:
        changes["defer"] = True
    if later and rng.random() < 0.12:
        changes["routes"] = tuple(rng.sample([*later, END], rng.randint(1, 2)))
        changes["goto"] = None
    if rng.random() < 0.25:
        changes["writes"] = True
    if chat:
        changes["says"] = rng.random() < 0.4
        changes["forgets"] = rng.random() < 0.1
    return replace(node, **changes)


def with_feature_ops(rng: random.Random, spec: GraphSpec, ops: list[Op]) -> list[Op]:
    """``ops`` with messages in some inputs and edits (when the graph has messages), and
    stream calls with the ``"custom"`` mode mixed in (never before the first call)."""
    if spec.messages:
        ops = [_with_messages(rng, op, i) for i, op in enumerate(ops)]
    out = ops[:1]
    for i, op in enumerate(ops[1:], start=1):
        if rng.random() < STREAM_RATE:
            values = rng.choice([None, None, {"log": [f"in{i}"]}])
            out.append(Op("stream", values=values, stream_mode=rng.choice(CUSTOM_MODES)))
        out.append(op)
    return out


def _with_messages(rng: random.Random, op: Op, i: int) -> Op:
    if not isinstance(op.values, dict) or rng.random() < 0.4:
        return op
    if op.kind == "update":
        return replace(op, values={**op.values, "messages": _message_edit(rng, i)})
    if op.kind in ("invoke", "stream"):
        return replace(op, values={**op.values, "messages": _message_input(rng, i)})
    return op


def _message_input(rng: random.Random, i: int) -> Any:
    roll = rng.random()
    if roll < 0.3:
        return [("user", f"hi{i}")]  # the engine makes its id
    if roll < 0.45:
        return f"text{i}"  # a bare string: one HumanMessage
    if roll < 0.8:
        return [{"role": "user", "content": f"q{i}", "id": f"h{i}"}]
    return [{"role": "assistant", "content": f"a{i}", "id": f"h{i}"}, ("user", f"more{i}")]


def _message_edit(rng: random.Random, i: int) -> Any:
    roll = rng.random()
    if roll < 0.5:
        return _message_input(rng, i)
    if roll < 0.65:
        return [{"role": "user", "content": f"fixed{i}", "id": f"h{rng.randrange(i + 1)}"}]
    if roll < 0.85:
        return [{"type": "remove", "id": f"h{rng.randrange(i + 1)}"}]  # may name none
    return [{"type": "remove", "id": "__remove_all__"}]


def with_chat(rng: random.Random, spec: GraphSpec) -> GraphSpec:
    """``spec`` with messages in its state and some nodes (at least one) asking a fake chat
    model first (``chat_model.py``), each called one way of ``CHAT_MODES``."""
    pushed = _send_targets(spec)
    nodes = [
        replace(n, chats=_chat_mode(rng, n.name, pushed))
        if n.sub is None and rng.random() < CHAT_NODE_RATE
        else n
        for n in spec.nodes
    ]
    if not any(n.chats for n in nodes):
        i = rng.randrange(len(nodes))
        nodes[i] = replace(nodes[i], chats="stream")
    return replace(spec, nodes=tuple(nodes), messages=True)


def with_chat_ops(rng: random.Random, ops: list[Op]) -> list[Op]:
    """``ops`` with stream calls in the ``"messages"`` mode (alone or with another mode)
    mixed in, never before the first call, and some bare resumes streamed in one."""
    out = ops[:1]
    for i, op in enumerate(ops[1:], start=1):
        if rng.random() < MESSAGES_RATE_PER_OP:
            values = rng.choice([None, None, {"log": [f"in{i}"]}, {"messages": f"ask{i}"}])
            out.append(Op("stream", values=values, stream_mode=rng.choice(MESSAGES_MODES)))
        bare = op.kind == "resume" and op.at is None and op.values is None
        if bare and rng.random() < STREAMED_RESUME_RATE:
            op = replace(op, stream_mode=rng.choice(MESSAGES_MODES))
        out.append(op)
    return out


def with_inner_chat(
    rng: random.Random, spec: GraphSpec, ops: list[Op]
) -> tuple[GraphSpec, list[Op]]:
    """``spec`` with some nodes of its subgraphs, at any depth, asking a chat model too
    (a subgraph's state has no messages: their answers are streamed, not kept), and
    ``ops`` with some ``"messages"`` stream calls made with ``subgraphs=True``."""
    ops = [
        replace(op, subgraphs=True)
        if op.kind == "stream" and op.stream_mode == "messages" and rng.random() < 0.5
        else op
        for op in ops
    ]
    return _chatting(rng, spec, inner=False), ops


def _chatting(rng: random.Random, spec: GraphSpec, inner: bool = True) -> GraphSpec:
    pushed = _send_targets(spec)
    nodes = []
    for node in spec.nodes:
        if node.sub is not None:
            graph = _chatting(rng, node.sub.graph)
            node = replace(node, sub=replace(node.sub, graph=graph))
        elif inner and rng.random() < CHAT_NODE_RATE:
            node = replace(node, chats=_chat_mode(rng, node.name, pushed))
        nodes.append(node)
    return replace(spec, nodes=tuple(nodes))


def _send_targets(spec: GraphSpec) -> set[str]:
    return {t for edge in spec.edges if edge.kind == "send" for t in edge.targets}


def _chat_mode(rng: random.Random, name: str, pushed: set[str]) -> str:
    """How node ``name`` calls its chat model: drawn, but ``"stream"`` for a target of
    ``Send`` (``pushed``). Its task reads the ``Send``'s payload, not the state's
    messages, so its answer's id is the same in every ``Send`` task of it (two can run
    in one step) and may be in the state a parallel task reads; LangGraph streams a
    returned or whole message only if its id was neither streamed nor in a task's input
    yet, so which task's answer streams would be a race between threads. Chunks always
    stream."""
    mode = rng.choice(CHAT_MODES)  # drawn all the same: the other nodes draw as before
    return "stream" if name in pushed else mode
