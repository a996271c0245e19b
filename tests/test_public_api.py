"""``branchline`` is the whole user API: one import name, a pinned ``__all__``."""

from __future__ import annotations

import builtins
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import branchline
import branchline.prebuilt as prebuilt
from branchline import BranchlineError

PINNED = [
    "END",
    "REMOVE_ALL_MESSAGES",
    "START",
    "ActionRequest",
    "AmbiguousResume",
    "Branch",
    "BranchlineError",
    "CachePolicy",
    "CheckpointNotFound",
    "CheckpointRow",
    "CheckpointStore",
    "CheckpointerTypeError",
    "CodecError",
    "Command",
    "CompiledStateGraph",
    "ConcurrentUpdate",
    "ConnectionLost",
    "Decision",
    "DeltaChannel",
    "Diff",
    "EmptyInputError",
    "EventTooLarge",
    "GraphError",
    "GraphInterrupt",
    "GraphRecursionError",
    "GraphValidationError",
    "HumanInterrupt",
    "HumanInterruptConfig",
    "HumanResponse",
    "InMemoryCache",
    "Interrupt",
    "InterruptNotPending",
    "InvalidAnswer",
    "InvalidCommand",
    "InvalidConfigError",
    "InvalidThreadId",
    "InvalidUpdateError",
    "LogMismatch",
    "MessagesState",
    "NodeInterrupt",
    "NotAllowedToAnswer",
    "Overwrite",
    "PendingInterrupt",
    "PregelTask",
    "ProjectionError",
    "QuestionExpired",
    "ReducerTypeError",
    "RemainingSteps",
    "RetryPolicy",
    "Runtime",
    "Send",
    "SkippedEvent",
    "StateGraph",
    "StateSnapshot",
    "StateUpdate",
    "StoreConfigError",
    "StoreReadOnly",
    "StoreUnavailable",
    "StreamWriter",
    "ThreadNotFound",
    "ThreadRow",
    "UnknownStream",
    "UnreadableEvent",
    "UnsupportedValueError",
    "Views",
    "ViewsConfigError",
    "__version__",
    "add_messages",
    "copy_thread",
    "get_config",
    "get_runtime",
    "get_stream_writer",
    "human_review",
    "interrupt",
    "open_views",
]


# branchline.prebuilt needs langchain-core (the langchain extra), so its names are its own.
PINNED_PREBUILT = ["ToolInvocationError", "ToolNode", "tools_condition"]


def _isort_style(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_pinned_sorted_and_importable() -> None:
    assert branchline.__all__ == PINNED
    assert sorted(PINNED, key=_isort_style) == PINNED
    assert all(hasattr(branchline, name) for name in PINNED)


def test_prebuilt_all_is_pinned_sorted_and_importable() -> None:
    assert prebuilt.__all__ == PINNED_PREBUILT
    assert sorted(PINNED_PREBUILT, key=_isort_style) == PINNED_PREBUILT
    assert all(hasattr(prebuilt, name) for name in PINNED_PREBUILT)


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_a_user_may_catch_is_exported() -> None:
    public = {c for c in _subclasses(BranchlineError) if not c.__name__.startswith("_")}
    exported = {getattr(branchline, name) for name in PINNED}
    assert sorted(c.__name__ for c in public - exported) == []


def test_every_exported_error_resembles_a_builtin() -> None:
    errors = [
        getattr(branchline, n)
        for n in PINNED
        if isinstance(getattr(branchline, n), type)
        and issubclass(getattr(branchline, n), BranchlineError)
    ]
    vague = {BranchlineError, branchline.GraphError, branchline.ProjectionError}
    plain = [
        e.__name__
        for e in errors
        if e not in vague
        and not any(b in vars(builtins).values() and b is not Exception for b in e.__mro__[1:-2])
    ]
    assert plain == []


def test_the_version_is_the_distributions() -> None:
    assert branchline.__version__ == importlib.metadata.version("branchline")


def test_a_users_own_runner_and_domain_modules_shadow_nothing(tmp_path: Path) -> None:
    (tmp_path / "runner.py").write_text("RUNNER = 'the user\\'s own'\n")
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "__init__.py").write_text("DOMAIN = 'the user\\'s own'\n")
    (tmp_path / "projections.py").write_text("PROJECTIONS = 'the user\\'s own'\n")
    (tmp_path / "app.py").write_text(
        "import domain, projections, runner\n"
        "from branchline import END, START, CheckpointStore, StateGraph\n"
        "from typing import TypedDict\n"
        "class S(TypedDict):\n    n: int\n"
        "b = StateGraph(S)\n"
        "b.add_node('inc', lambda s: {'n': s['n'] + 1})\n"
        "b.add_edge(START, 'inc')\nb.add_edge('inc', END)\n"
        "g = b.compile(checkpointer=CheckpointStore.in_memory())\n"
        "print(g.invoke({'n': 1}, {'configurable': {'thread_id': 't'}})['n'],"
        " runner.RUNNER, domain.DOMAIN, projections.PROJECTIONS)\n"
    )
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2 the user's own the user's own the user's own\n"


def test_python_dash_m_branchline_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "branchline", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "Usage" in done.stdout and "demo" in done.stdout


def test_importing_branchline_loads_neither_langchain_nor_the_read_models() -> None:
    # langchain-core is an optional extra, loaded only when a message needs it; the read
    # models (sqlite-utils) load when a program first names them; asyncio, when an async
    # call is made.
    script = (
        "import sys, branchline\n"
        "print(sorted(sys.modules))\n"
        "branchline.open_views, branchline.Views\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded, named = done.stdout.splitlines()
    assert "langchain" not in loaded and "sqlite_utils" not in loaded
    assert "'asyncio'" not in loaded
    assert named == "True"
