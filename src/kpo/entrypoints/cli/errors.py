"""Turn every failure into a message and an exit code; no traceback reaches a user."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn

from rich.console import Console

from kpo.domain.errors import KpoError

__all__ = ["EXIT_INTERNAL", "EXIT_USAGE", "fail", "guarded"]

EXIT_USAGE = 2
EXIT_INTERNAL = 70

_stderr = Console(stderr=True, highlight=False)


def fail(message: str, *, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    _stderr.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise SystemExit(code)


def guarded(main: Callable[[], object]) -> None:
    """Run ``main``; map deliberate errors to exit 2 and anything else to exit 70."""
    try:
        main()
    except KpoError as error:
        fail(error.message)
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    except (SystemExit, BrokenPipeError):
        raise
    except Exception as error:
        if os.environ.get("KPO_DEBUG"):
            raise
        _stderr.print(
            f"[bold red]internal error:[/] {type(error).__name__}: {error}\n"
            "This is a bug in OpenKPO. Run again with KPO_DEBUG=1 for the traceback and report it.",
            soft_wrap=True,
        )
        sys.exit(EXIT_INTERNAL)
