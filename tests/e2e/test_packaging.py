"""The wheel people install: one import name, typed, licensed, with the package's version.

The wheel is built from a copy of the sources (so the build leaves nothing in the work
tree), without build isolation or an index: the dev install brings a setuptools that
reads the SPDX ``license`` of ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

import branchline

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "branchline")
WHY_IT_FAILS = (
    "pip could not build the wheel; if setuptools is older than 77 it cannot read "
    "pyproject.toml's license: install the dev tools with pip install -e '.[dev]'"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """The wheel built from the current sources."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "--quiet", "--wheel-dir", str(out), str(source)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, f"{WHY_IT_FAILS}\n{built.stderr}"
    [path] = out.glob("branchline-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def _dist_info(wheel: zipfile.ZipFile) -> PurePosixPath:
    roots = {PurePosixPath(n).parts[0] for n in wheel.namelist()}
    [folder] = [root for root in roots if root.endswith(".dist-info")]
    return PurePosixPath(folder)


def _top_level_names(wheel: zipfile.ZipFile) -> set[str]:
    listed = _dist_info(wheel) / "top_level.txt"
    if str(listed) in wheel.namelist():
        return set(wheel.read(str(listed)).decode().split())
    return {PurePosixPath(n).parts[0] for n in wheel.namelist() if n.endswith(".py")}


def test_the_wheel_installs_one_import_name(wheel: zipfile.ZipFile) -> None:
    python_roots = {PurePosixPath(n).parts[0] for n in wheel.namelist() if n.endswith(".py")}

    assert _top_level_names(wheel) == {"branchline"} and python_roots == {"branchline"}


def test_the_wheel_marks_the_package_typed(wheel: zipfile.ZipFile) -> None:
    assert "branchline/py.typed" in wheel.namelist()


def test_the_wheel_carries_the_license(wheel: zipfile.ZipFile) -> None:
    licenses = [n for n in wheel.namelist() if PurePosixPath(n).name == "LICENSE"]

    assert len(licenses) == 1 and licenses[0].startswith(f"{_dist_info(wheel)}/")
    assert wheel.read(licenses[0]) == (ROOT / "LICENSE").read_bytes()


def test_the_wheels_version_is_branchline_version(wheel: zipfile.ZipFile) -> None:
    metadata = wheel.read(str(_dist_info(wheel) / "METADATA")).decode()
    version = next(
        line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Version: ")
    )

    assert version == branchline.__version__
    assert _dist_info(wheel).name == f"branchline-{branchline.__version__}.dist-info"
