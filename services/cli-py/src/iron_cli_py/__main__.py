"""`python3 -m iron_cli_py`."""

from iron_cli_py.cli import main

main()
