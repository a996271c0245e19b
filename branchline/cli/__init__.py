"""The ``branchline`` command line: inspect threads, answer interrupts, run the demo."""

from branchline.cli import admin, audit_trail, continuation, decide, demo, inspect, serve, travel  # noqa: F401  (registers)
from branchline.cli.app import app, main

__all__ = ["app", "main"]
