"""A graph whose one node waits ``seconds`` (a slow model call), then counts: served as
``slow=slow_graph:builder`` to keep a thread busy while the tests act on it."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from branchline import END, START, StateGraph


class Wait(TypedDict, total=False):
    seconds: float
    done: Annotated[int, operator.add]


async def call_model(state: Wait) -> dict[str, Any]:
    await asyncio.sleep(state.get("seconds", 0))
    return {"done": 1}


builder = StateGraph(Wait)
builder.add_node("call_model", call_model)
builder.add_edge(START, "call_model")
builder.add_edge("call_model", END)
