"""The compact text forms used in CSV files and storage for lists and maps.

``"en;es"`` for a set, ``"card_disputes:4;payments:3"`` for a map of names to whole numbers.
One definition serves imports, exports and the database, so the three never drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from kpo.domain.errors import ValidationError

__all__ = ["format_counts", "format_set", "parse_counts", "parse_set"]

SEPARATOR = ";"


def parse_set(text: str, parse_one: Callable[[str], str]) -> frozenset[str]:
    """``"en;es"`` → ``{"en", "es"}``; each element is checked by ``parse_one``."""
    parts = [part.strip() for part in text.split(SEPARATOR)]
    return frozenset(parse_one(part) for part in parts if part)


def format_set(values: Iterable[str]) -> str:
    return SEPARATOR.join(sorted(values))


def parse_counts(
    text: str,
    parse_key: Callable[[str], str],
    *,
    what: str,
    low: int,
    high: int,
) -> dict[str, int]:
    """``"a:4;b:3"`` → ``{"a": 4, "b": 3}`` with values checked to lie in ``low..high``."""
    result: dict[str, int] = {}
    for part in (p.strip() for p in text.split(SEPARATOR)):
        if not part:
            continue
        key, colon, value = part.partition(":")
        if not colon:
            raise ValidationError(f"{part!r} is not NAME:{what.upper()}")
        name = parse_key(key)
        try:
            number = int(value.strip())
        except ValueError:
            raise ValidationError(
                f"{what} {value.strip()!r} of {name!r} is not a whole number"
            ) from None
        if not low <= number <= high:
            raise ValidationError(f"{what} {number} of {name!r} is outside {low}-{high}")
        if name in result:
            raise ValidationError(f"{name!r} is listed twice")
        result[name] = number
    return result


def format_counts(values: Mapping[str, int]) -> str:
    return SEPARATOR.join(f"{key}:{values[key]}" for key in sorted(values))
