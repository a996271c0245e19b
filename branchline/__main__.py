"""``python -m branchline``: the same as the ``branchline`` command."""

from branchline.cli import main

main()
