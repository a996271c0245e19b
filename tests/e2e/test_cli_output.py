"""What the command line prints cannot be spoofed or cut: values from the store are shown
as they are (never read as markup or emoji codes), and piped output keeps every cell whole."""

from __future__ import annotations

import json
import operator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from cli_process import TERMINAL_80, branchline

from branchline import END, START, CheckpointStore, Command, StateGraph, interrupt

LINK = "[link=http://evil.example]dana[/link]"
THREAD = f"{LINK} [bold]t[/]"  # a link, a style and an unbalanced closing tag
QUESTION = f"pay {LINK}? [bold]yes[/bold] [/] :thumbs_up:"
BRANCH = "[red]main[/red]"
NODE = "ask [/]"
LONG_ACTOR = "alice@example.com-with-a-long-suffix"


class Log(TypedDict, total=False):
    log: Annotated[list[Any], operator.add]


def _graph(store: CheckpointStore) -> Any:
    """START -> NODE (asks QUESTION twice) -> END."""

    def ask(state: Log) -> dict[str, Any]:
        return {"log": [interrupt(QUESTION), interrupt(QUESTION)]}

    builder = StateGraph(Log)
    builder.add_node(NODE, ask)
    builder.add_edge(START, NODE)
    builder.add_edge(NODE, END)
    return builder.compile(checkpointer=store)


def _as(actor: str, thread: str = THREAD, **configurable: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread, "actor": actor, **configurable}}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """THREAD: asked QUESTION, answered by LINK, forked by LINK as BRANCH, asked again;
    "long": answered by LONG_ACTOR."""
    db = tmp_path_factory.mktemp("output") / "hostile.db"
    with CheckpointStore.sqlite(db) as store:
        graph = _graph(store)
        graph.invoke({"log": []}, _as(LINK))
        graph.invoke(Command(resume=LINK), _as(LINK))
        first = list(graph.get_state_history(_as(LINK)))[-1].config["configurable"]
        fork = {**_as(LINK, checkpoint_id=first["checkpoint_id"]), "metadata": {"branch": BRANCH}}
        graph.update_state(fork, {"log": [LINK]})
        graph.invoke(None, _as(LINK))
        graph.invoke({"log": []}, _as(LONG_ACTOR, "long"))
        graph.invoke(Command(resume="ok"), _as(LONG_ACTOR, "long"))
    return db


def _checkpoints(db: Path) -> list[str]:
    return [c["checkpoint_id"] for c in json.loads(branchline("history", THREAD, "--json", db=db))]


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["threads"], [THREAD]),
        (["pending"], [THREAD, QUESTION]),
        (["audit", THREAD], [LINK, json.dumps(LINK)]),
        (["audit", THREAD, "--verify"], [THREAD]),
        (["history", THREAD], [NODE]),
        (["history", THREAD, "--tree"], [THREAD, f"by {LINK}", f"{LINK} {BRANCH!r}"]),
        (["state", THREAD], [THREAD, QUESTION]),
        (["branches", THREAD], [BRANCH, LINK]),
    ],
    ids=[
        "threads",
        "pending",
        "audit",
        "audit-verify",
        "history",
        "history-tree",
        "state",
        "branches",
    ],
)
def test_markup_in_stored_values_is_printed_literally(
    hostile: Path, command: list[str], shown: list[str]
) -> None:
    out = branchline(*command, db=hostile)
    for value in shown:
        assert value in out


def test_markup_in_a_diff_is_printed_literally(hostile: Path) -> None:
    newest, *_, oldest = _checkpoints(hostile)
    out = branchline("diff", THREAD, oldest, newest, db=hostile)
    assert json.dumps([LINK]) in out


def test_markup_in_a_resume_confirmation_is_printed_literally(hostile: Path) -> None:
    out = branchline("resume", THREAD, "--value", json.dumps(QUESTION), "--actor", LINK, db=hostile)
    assert f"recorded: {LINK} answered" in out and json.dumps(QUESTION) in out


def test_markup_in_an_error_message_is_printed_literally(hostile: Path) -> None:
    out = branchline("audit", "[/]", db=hostile, expect=1)
    assert "error: no thread '[/]'" in out


def test_piped_audit_shows_a_long_actor_whole_in_80_columns(hostile: Path) -> None:
    out = branchline("audit", "long", db=hostile, env={"COLUMNS": "80"})
    assert LONG_ACTOR in out and "…" not in out


def test_a_narrow_terminal_folds_long_cells_instead_of_cutting_them(hostile: Path) -> None:
    out = branchline("audit", "long", db=hostile, env=TERMINAL_80)
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
