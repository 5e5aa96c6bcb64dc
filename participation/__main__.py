"""``python -m participation`` is the ``participation`` command."""

from participation.cli import main

main()
