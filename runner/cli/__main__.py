"""``python -m runner.cli``: the same as the ``branchline`` command."""

from runner.cli import main

main()
