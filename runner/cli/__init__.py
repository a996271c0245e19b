"""The ``branchline`` command line: inspect threads, answer interrupts, run the demo."""

from runner.cli import admin, decide, demo, inspect, travel  # noqa: F401  (registers the commands)
from runner.cli.app import app, main

__all__ = ["app", "main"]
