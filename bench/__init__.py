"""Side-by-side benchmarks of Branchline against LangGraph: ``python -m bench``.

Benchmarks are not tests (STYLE.md rule 17): nothing here asserts a duration. Each
workload runs both sides in fresh subprocesses, interleaved round by round, and the
report gives medians, min-max spreads and ratios.
"""

__all__: list[str] = []
