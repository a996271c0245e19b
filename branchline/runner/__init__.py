"""The graph API (LangGraph-compatible): build a graph, run it durably, read and edit threads.

Users import it from ``branchline``; this package holds the engine behind it.
"""
