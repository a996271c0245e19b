"""A fixed set of seeds, each a random graph and operation sequence run on LangGraph
and on Branchline (in memory and on SQLite): no divergence outside docs/differences.md.

More seeds locally: ``python -m tests.differential --seeds 2000``.
"""

from __future__ import annotations

import pytest

from tests.differential.cases import as_python, case, shrink
from tests.differential.runner import run_sequence

CI_SEEDS = range(400)  # about 30 s on 2 cores

# The graphs raise NodeInterrupt on purpose; LangGraph warns that it is deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecatedSinceV10")


@pytest.mark.parametrize("seed", CI_SEEDS)
def test_seed_gives_the_same_answers_as_langgraph(seed: int) -> None:
    spec, ops = case(seed)
    report = run_sequence(spec, ops)
    if report.divergence is not None:
        spec, ops, report = shrink(spec, ops)
        pytest.fail(
            f"diverged from LangGraph; reproduce with:\n{as_python(seed, spec, ops, report)}"
        )
