"""Reading input files for commands, with errors that say which file and what is wrong."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpo.domain.errors import ValidationError

__all__ = ["read_json", "read_lines", "read_text"]


def read_text(path: Path, *, field: str = "file") -> str:
    """The whole file as UTF-8 text (a byte-order mark is dropped); ``-`` reads stdin."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8", field=field
        ) from None
    except OSError as error:
        raise ValidationError(f"cannot read {path}: {error.strerror}", field=field) from None


def read_lines(path: Path, *, field: str = "file") -> list[str]:
    return read_text(path, field=field).splitlines()


def read_json(path: Path, *, field: str = "file") -> Any:
    """Parsed JSON; numbers with a fraction become exact ``Decimal`` values."""
    text = read_text(path, field=field)
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
            field=field,
        ) from None
