"""``python -m kpo`` runs the command line."""

from kpo.entrypoints.cli.main import run

run()
