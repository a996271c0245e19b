"""The architecture, checked: one import name, layers that import inward, no cycles.

The layers and what each may import of ours (its own modules are always allowed)::

    branchline.domain.model     nothing: the pure model, no I/O
    branchline.domain.store     the model: the adapters (eventsourcing, SQLite, PostgreSQL)
    branchline.domain           the model and the store (its __init__ re-exports them)
    branchline.projections      the model only, never the adapters
    branchline.runner           the domain
    branchline.prebuilt         the runner (its nodes run in graphs; nothing imports them)
    branchline.cli, branchline.server (the HTTP API), the package's __init__ and
    bootstrap: anything
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "branchline"
BARE = ("domain", "runner", "projections")
LAYERS = {
    "branchline.domain.model": ("branchline.domain.model",),
    "branchline.domain.store": ("branchline.domain.model", "branchline.domain.store"),
    "branchline.projections": ("branchline.domain.model", "branchline.projections"),
    "branchline.runner": ("branchline.domain", "branchline.runner"),
    "branchline.prebuilt": ("branchline.runner", "branchline.prebuilt"),
}
NO_IO = ("eventsourcing", "sqlite3", "sqlite_utils", "psycopg", "psycopg_pool", "os", "pathlib")
NO_IO += ("io", "socket", "threading", "logging", "gc", "subprocess", "time")
EVENTSOURCING_USERS = {
    "checkpoint_store.py",
    "eventlog.py",
    "event_mapper.py",
    "codec.py",
    "lost_replies.py",
    "recorder_appends.py",  # appends through the library's recorder (grouped on PostgreSQL)
    "storage_faults.py",  # the library's connection errors, turned into StoreUnavailable
    "encryption.py",  # the library's AES cipher: the same one the stored events go through
}
MODULE_LINES = 400
TEST_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Absolute names ``path`` imports (``from a import b`` counts as ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text())
    nodes = list(tree.body) if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.If) and top_level_only:  # `if TYPE_CHECKING:` counts too
            nodes += [*node.body, *node.orelse]
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _ours(name: str) -> bool:
    return name == "branchline" or name.startswith("branchline.")


def _modules(folder: Path = PACKAGE) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _layer(module: str) -> str | None:
    return next((layer for layer in LAYERS if module.startswith(layer)), None)


def test_nothing_imports_a_bare_layer_name() -> None:
    everywhere = [
        p for p in ROOT.rglob("*.py") if not {".venv", "build"} & set(p.relative_to(ROOT).parts)
    ]
    wrong = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in everywhere
        for name in _imports(p)
        if name.split(".")[0] in BARE
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layers_import_only_inward(layer: str) -> None:
    wrong = []
    for path in _modules(PACKAGE.joinpath(*layer.split(".")[1:])):
        for name in filter(_ours, _imports(path)):
            if not any(name == ok or name.startswith(f"{ok}.") for ok in LAYERS[layer]):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_the_model_does_no_io() -> None:
    wrong = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _modules(PACKAGE / "domain" / "model")
        for name in _imports(p)
        if name.split(".")[0] in NO_IO
    ]
    assert wrong == []


def test_only_the_store_its_log_and_the_codec_touch_eventsourcing() -> None:
    users = {
        str(p.relative_to(PACKAGE / "domain" / "store"))
        for p in _modules(PACKAGE / "domain" / "store")
        if any(n.startswith("eventsourcing") for n in _imports(p))
    }
    outside = [p for p in _modules() if "store" not in p.parts and "eventsourcing" in _imports(p)]
    assert users <= EVENTSOURCING_USERS and outside == []


def test_the_domain_does_not_use_sqlite_utils() -> None:
    users = [
        p
        for p in _modules(PACKAGE / "domain")
        if any(n.startswith("sqlite_utils") for n in _imports(p))
    ]
    assert users == []


def test_our_modules_are_imported_at_module_level_only() -> None:
    """A function-level import of our own code is how a cycle hides; there are none."""
    hidden = [
        f"{p.relative_to(ROOT)} imports {name} inside a function"
        for p in _modules()
        for name in filter(_ours, _imports(p) - _imports(p, top_level_only=True))
    ]
    assert hidden == []


def _import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _modules()}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        graph[module] = {n for n in _imports(path, top_level_only=True) if n in modules} - {module}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among non-package modules, if there is any."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module], _ = 1, path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[module], _ = 2, path.pop()
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


@pytest.mark.parametrize("layer", [*sorted(LAYERS), "branchline.cli", "branchline.server"])
def test_no_import_cycle_among_a_layers_modules(layer: str) -> None:
    graph = _import_graph()
    packages = {_module_name(p) for p in PACKAGE.rglob("__init__.py")}
    inside = {
        m: {t for t in targets if t.startswith(layer) and t not in packages}
        for m, targets in graph.items()
        if m.startswith(layer) and m not in packages
    }
    assert _cycle(inside) is None


@pytest.mark.parametrize(
    ("folder", "cap"),
    [("branchline", MODULE_LINES), ("bench", MODULE_LINES), ("tests", TEST_LINES)],
)
def test_modules_stay_small(folder: str, cap: int) -> None:
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / folder).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > cap
    }
    assert too_long == {}, f"split these by concept (cap {cap} lines)"


def test_no_two_modules_share_a_name() -> None:
    """``runner/views.py`` beside ``projections/views.py`` made readers guess which is which."""
    names = [p.stem for p in _modules() if p.stem not in {"__init__", "__main__", "errors"}]
    assert sorted({n for n in names if names.count(n) > 1}) == []
