"""The architecture, checked: import direction and module size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "runner", "projections")
ALLOWED = {
    "domain": set(),
    "projections": {"domain"},
    "runner": {"domain", "projections"},
}
EVENTSOURCING_USERS = {"domain/store.py", "domain/eventlog.py", "domain/codec.py"}
MODULE_LINES = 400
TEST_LINES = 600


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_inward(package: str) -> None:
    wrong = []
    for path in _modules(package):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_domain_does_not_use_sqlite_utils() -> None:
    users = [
        p for p in _modules("domain") if any(n.startswith("sqlite_utils") for n in _imports(p))
    ]
    assert users == []


def test_only_the_store_its_log_and_the_codec_touch_eventsourcing_in_domain() -> None:
    users = {
        str(p.relative_to(ROOT))
        for p in _modules("domain")
        if any(n.startswith("eventsourcing") for n in _imports(p))
    }
    assert users <= EVENTSOURCING_USERS


@pytest.mark.parametrize(
    ("folder", "cap"), [*((p, MODULE_LINES) for p in PACKAGES), ("tests", TEST_LINES)]
)
def test_modules_stay_small(folder: str, cap: int) -> None:
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / folder).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > cap
    }
    assert too_long == {}, f"split these by concept (cap {cap} lines)"


def test_public_api_is_sorted_and_complete() -> None:
    import runner

    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert runner.__all__ == sorted(runner.__all__, key=isort_style)
    expected = {
        "StateGraph",
        "START",
        "END",
        "Command",
        "CheckpointStore",
        "add_messages",
        "Interrupt",
    }
    assert expected <= set(runner.__all__)
