"""Differential tests: random graphs and operation sequences run on LangGraph and on
Branchline, every observable compared (``python -m tests.differential --seeds N``)."""
