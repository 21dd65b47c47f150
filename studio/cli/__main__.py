"""``python -m studio.cli``: the same command as ``studio``."""

from studio.cli import main

main()
