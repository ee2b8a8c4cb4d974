"""Turn every failure into a message and an exit code; no traceback reaches a user.

Exit codes: 0 success, 2 bad input or usage (the message says what and where),
70 internal error (a bug: rerun with KPO_DEBUG=1 for the traceback), 130 interrupted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from kpo.domain.errors import KpoError

__all__ = ["EXIT_INTERNAL", "EXIT_USAGE", "GuardedGroup", "fail", "guard"]

EXIT_USAGE = 2
EXIT_INTERNAL = 70


def _stderr() -> Console:
    # Built per call so that a swapped sys.stderr (tests, pipes) is honoured.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, *, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    _stderr().print(f"[bold red]error:[/] {message}", markup=True)
    raise SystemExit(code)


@contextmanager
def guard() -> Iterator[None]:
    """Map deliberate errors to exit 2 and anything unexpected to exit 70."""
    try:
        yield
    except KpoError as error:
        _stderr().print("[bold red]error:[/] ", end="", markup=True)
        _stderr().print(error.message, markup=False)
        raise SystemExit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    except (SystemExit, typer.exceptions.TyperException, typer.Exit, typer.Abort):
        raise  # usage errors and exits that Typer reports itself
    except Exception as error:
        if os.environ.get("KPO_DEBUG"):
            raise
        _stderr().print(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in OpenKPO. Run again with KPO_DEBUG=1 for the traceback and report it.",
            markup=False,
        )
        raise SystemExit(EXIT_INTERNAL) from None


class GuardedGroup(TyperGroup):
    """The root command group: every sub-command runs inside :func:`guard`."""

    def invoke(self, ctx: Any) -> Any:
        with guard():
            return super().invoke(ctx)
