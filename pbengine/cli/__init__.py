"""The command line (`pbengine`): one module per command group, `main` in pbengine.cli.main."""

from pbengine.cli.main import main

__all__ = ["main"]
