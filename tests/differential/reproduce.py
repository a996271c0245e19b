"""Run a printed reproduction: ``reproduce(GRAPH, OPS)`` prints the first divergence."""

from __future__ import annotations

from tests.differential.graphs import GraphSpec
from tests.differential.operations import Op
from tests.differential.runner import Report, run_sequence


def reproduce(spec: GraphSpec, ops: list[Op]) -> Report:
    """Play ``ops`` on both engines and print where they first differ."""
    report = run_sequence(spec, ops)
    if report.divergence is None:
        print(f"no divergence (documented differences met: {report.explained or 'none'})")
    else:
        print(report.divergence.describe())
    return report
