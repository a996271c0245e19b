"""A copied thread goes on as its original would (``copy_thread``, issue 19).

A seed's first operations are played on LangGraph and on Branchline; the Branchline
thread is then copied, and the rest are played on the original and on the copy, each
observed as the differential tests observe a side: after every operation the two must
show the same (their own ids aside, which the labels blur, and the thread id the
subgraph configs name). The nodes that fail their first attempts fail on the copy as
they did on the original. LangGraph only decides which operations are sent, as in
``runner.run_sequence``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import branchline
from tests.differential.cases import case
from tests.differential.engines import sides
from tests.differential.operations import Op
from tests.differential.runner import Observation, Player, resolve

COPY = {"configurable": {"thread_id": "t-copy"}}
_GONE = Op(kind="gone")


def copied_differs(seed: int, subgraph_rate: float, feature_rate: float) -> str | None:
    """What differed between the original and its copy, or None."""
    spec, ops = case(seed, subgraph_rate, feature_rate)
    with tempfile.TemporaryDirectory() as tmp:
        langgraph_side, memory, ours = sides(spec, Path(tmp))  # the copy on SQLite
        try:
            langgraph, player = Player(langgraph_side), Player(ours)
            half = len(ops) // 2
            for op in ops[:half]:
                sent = _resolved(op, langgraph)
                if sent is _GONE:
                    return None
                if sent is not None:
                    langgraph.play(sent)
                    player.play(sent)
            branchline.copy_thread(ours.graph.store, "t", "t-copy")
            original, copy = Player(ours), Player(ours, COPY)
            found = _differs("the copy", original.observe(), copy.observe())
            for index, op in enumerate(ops[half:], start=half):
                if found is not None:
                    return found
                sent = _resolved(op, langgraph)
                if sent is _GONE:
                    return None
                if sent is None:
                    continue
                langgraph.play(sent)
                attempts = ours.engine.attempts
                before = dict(attempts)
                mine = original.play(sent)
                after = dict(attempts)
                attempts.clear()
                attempts.update(before)  # the copy's nodes fail as the original's did
                theirs = copy.play(sent)
                attempts.clear()
                attempts.update(after)
                found = _differs(f"operation {index} {sent!r}", mine, theirs)
            return found
        finally:
            for side in (langgraph_side, memory, ours):
                side.close()


def _resolved(op: Op, langgraph: Player) -> Op | None:
    """The operation to send (``runner.resolve``); ``_GONE`` once LangGraph cannot show
    its state (a sequence the differential tests end at an earlier divergence)."""
    try:
        return resolve(op, langgraph)
    except Exception:
        return _GONE


def _differs(what: str, original: Observation, copy: Observation) -> str | None:
    for field, mine in original.as_dict().items():
        theirs = copy.as_dict()[field]
        if repr(mine) != repr(theirs).replace("'thread': 't-copy'", "'thread': 't'"):
            return f"{what}: {field} differs\n  original: {mine!r}\n  copy:     {theirs!r}"
    return None
