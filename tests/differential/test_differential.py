"""A fixed set of seeds, each a random graph and operation sequence run on LangGraph
and on Branchline (in memory and on SQLite): no divergence outside docs/differences.md.

About a third of the seeds (``FEATURE_RATE``) also use the newer node features: retry
policies, ``defer=True``, ``-> Command[Literal[...]]`` nodes, the ``"custom"`` stream mode
and LangChain messages (``features.py``), and half of those chat models streamed in the
``"messages"`` mode (``chat_model.py``); the others are the same cases as before those
existed.

A share of the seeds (``CI_ASYNC_SEEDS``, half of them with subgraph nodes) is played
through the async API on both engines (``faces.py``: ``ainvoke``, ``astream``,
``aget_state``...), half of those with ``async def`` nodes.

Some (``CI_COPY_SEEDS``) copy the Branchline thread halfway (``copies.py``): the copy
and the original then go on alike.

More seeds locally: ``python -m tests.differential --seeds 2000`` (half of them with
subgraph nodes; ``--subgraphs 0`` for none, ``--subgraphs 1`` for all; ``--features``
likewise; ``--faces async`` through the async API; ``--copies`` for the copies).
"""

from __future__ import annotations

import pytest

from tests.differential.cases import FEATURE_RATE, SUBGRAPH_RATE, as_python, faced_case, shrink
from tests.differential.copies import copied_differs
from tests.differential.runner import run_sequence

CI_SEEDS = range(400)  # graphs without subgraph nodes: about 25 s
CI_SUBGRAPH_SEEDS = range(100)  # with them (issue 16): about 10 s
CI_ASYNC_SEEDS = range(75)  # through the async API, half with subgraphs (issue 18): about 8 s
CI_COPY_SEEDS = range(60)  # copied halfway, half with subgraphs (issue 19): about 12 s

# The graphs raise NodeInterrupt on purpose; LangGraph warns that it is deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecatedSinceV10")


@pytest.mark.parametrize("seed", CI_SEEDS)
def test_seed_gives_the_same_answers_as_langgraph(seed: int) -> None:
    _check(seed, subgraph_rate=0.0)


@pytest.mark.parametrize("seed", CI_SUBGRAPH_SEEDS)
def test_seed_with_subgraphs_gives_the_same_answers_as_langgraph(seed: int) -> None:
    _check(seed, subgraph_rate=1.0)


@pytest.mark.parametrize("seed", CI_ASYNC_SEEDS)
def test_seed_through_the_async_api_gives_the_same_answers_as_langgraph(seed: int) -> None:
    _check(seed, subgraph_rate=SUBGRAPH_RATE, face="async")


@pytest.mark.parametrize("seed", CI_COPY_SEEDS)
def test_a_copy_made_halfway_goes_on_as_the_original(seed: int) -> None:
    found = copied_differs(seed, SUBGRAPH_RATE, FEATURE_RATE)
    assert found is None, f"seed {seed}: {found}"


def _check(seed: int, subgraph_rate: float, face: str = "sync") -> None:
    spec, ops = faced_case(seed, subgraph_rate, FEATURE_RATE, face)
    report = run_sequence(spec, ops)
    if report.divergence is None:
        return
    spec, ops, report = shrink(spec, ops)
    pytest.fail(f"diverged from LangGraph; reproduce with:\n{as_python(seed, spec, ops, report)}")
