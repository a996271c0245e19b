"""``branchline.prebuilt`` where langchain-core is not installed: a clear ImportError.

The test runs a real Python process in which ``import langchain_core`` fails, as it does
where the package is absent (the test environment has it, for the tests beside this one).
"""

from __future__ import annotations

import subprocess
import sys

# ``sys.modules[name] = None`` makes every ``import name...`` raise ModuleNotFoundError.
PROGRAM = """
import sys
sys.modules["langchain_core"] = None
import branchline
print("branchline imported")
try:
    import branchline.prebuilt
except ImportError as error:
    print(type(error).__name__, error)
"""


def test_importing_prebuilt_without_langchain_core_says_to_install_the_extra() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, check=True
    )

    assert done.stdout.splitlines() == [
        "branchline imported",
        "ImportError branchline.prebuilt (ToolNode, tools_condition) needs langchain-core, "
        "which is not installed in this environment. Install the extra: "
        "pip install 'branchline[langchain]'",
    ]
