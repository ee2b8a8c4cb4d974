"""Reference data checked at every boundary: languages, skill names, time zones, countries."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from kpo.domain.errors import UnknownLanguage, UnknownSkill, UnknownTimeZone, ValidationError

__all__ = [
    "LANGUAGES",
    "parse_language",
    "parse_skill_name",
    "parse_time_zone",
    "zone",
]

# ISO 639-1 two-letter language codes.
LANGUAGES: frozenset[str] = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu".split()
)

_SKILL = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")


def parse_language(code: str, *, field: str | None = None) -> str:
    """Return the ISO 639-1 code in lower case, or raise :class:`UnknownLanguage`."""
    normalized = code.strip().lower()
    if normalized not in LANGUAGES:
        raise UnknownLanguage(code, field=field)
    return normalized


def parse_skill_name(name: str, *, field: str | None = None) -> str:
    """Check the shape of a skill name; whether the network knows it is the catalogue's job."""
    normalized = name.strip().lower()
    if not _SKILL.fullmatch(normalized):
        raise UnknownSkill(name, field=field)
    return normalized


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_time_zone(name: str, *, field: str | None = None) -> str:
    """Return the IANA zone name if it exists, or raise :class:`UnknownTimeZone`."""
    normalized = name.strip()
    if normalized not in _zone_names():
        raise UnknownTimeZone(name, field=field)
    return normalized


@cache
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` of a validated IANA name (cached)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(name) from None


def parse_level(text: str, *, field: str | None = None) -> int:
    """A skill level 1–5."""
    try:
        level = int(text)
    except ValueError:
        raise ValidationError(f"level {text!r} is not a whole number 1-5", field=field) from None
    if not 1 <= level <= 5:
        raise ValidationError(f"level {level} is outside 1-5", field=field)
    return level
