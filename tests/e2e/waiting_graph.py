"""A graph for the CLI's run-on tests, copied as ``my_graph.py`` into a test's directory.

``ask`` asks a question; ``wait`` writes ``started`` next to this file, then waits for
``go`` there (so a test can stop the process while a node runs); ``finish`` records
that it ran.
"""

import operator
import time
from pathlib import Path
from typing import Annotated, Any, TypedDict

from branchline import END, START, StateGraph, interrupt

HERE = Path(__file__).parent


class Steps(TypedDict, total=False):
    answer: str
    ran: Annotated[list[str], operator.add]


def ask(state: Steps) -> dict[str, Any]:
    return {"answer": interrupt("go on?"), "ran": ["ask"]}


def wait(state: Steps) -> dict[str, Any]:
    (HERE / "started").touch()
    while not (HERE / "go").exists():
        time.sleep(0.01)
    return {"ran": ["wait"]}


def finish(state: Steps) -> dict[str, Any]:
    return {"ran": ["finish"]}


graph = StateGraph(Steps)
for node in (ask, wait, finish):
    graph.add_node(node)
graph.add_edge(START, "ask")
graph.add_edge("ask", "wait")
graph.add_edge("wait", "finish")
graph.add_edge("finish", END)
