"""Every workload ``python -m bench`` knows, in the order it runs them."""

from __future__ import annotations

from bench import async_load, chat, cold, history, hitl, server_load, steps
from bench.workload import Workload

WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        chat.WORKLOAD,
        steps.WORKLOAD,
        hitl.WORKLOAD,
        history.WORKLOAD,
        cold.WORKLOAD,
        async_load.SQLITE,
        async_load.POSTGRES,
        server_load.WORKLOAD,
    )
}
