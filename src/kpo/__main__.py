"""``python -m kpo``: the same as the ``kpo`` command."""

from kpo.entrypoints.cli.main import run

if __name__ == "__main__":
    run()
