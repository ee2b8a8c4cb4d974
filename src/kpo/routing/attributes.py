"""The attributes a target filter may read, their types, and how they are built.

A compiled filter is evaluated on two plain mappings, ``item`` and ``specialist``, keyed by the
attribute names below (without the ``item.`` / ``specialist.`` root). The builders
:func:`item_attributes` and :func:`specialist_attributes` make those mappings from domain
objects; the routing engine may keep and update them itself as long as every key is present.

``specialist.level.<skill>`` reads ``specialist["level"]``, a mapping of skill to level 1–5;
a skill the specialist does not have reads as 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine
from kpo.domain.reference import LANGUAGES
from kpo.domain.specialists import Specialist, SpecialistStatus
from kpo.domain.work_items import WorkItem

__all__ = [
    "ITEM_ATTRIBUTES",
    "KNOWN_VALUES",
    "LEVEL",
    "SPECIALIST_ATTRIBUTES",
    "ValueType",
    "item_attributes",
    "specialist_attributes",
]


class ValueType(StrEnum):
    """Type of an attribute or literal; comparisons need both sides of one type."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING_SET = "set of strings"


# The map attribute read as ``specialist.level.<skill>`` (a number, 0 when missing).
LEVEL = "level"

ITEM_ATTRIBUTES: Mapping[str, ValueType] = {
    "id": ValueType.STRING,
    "service_line": ValueType.STRING,
    "client": ValueType.STRING,
    "channel": ValueType.STRING,
    "language": ValueType.STRING,
    "priority": ValueType.NUMBER,  # 0–9, higher first
    "age_seconds": ValueType.NUMBER,  # since queued; never reset by a rejected offer
    "tags": ValueType.STRING_SET,  # the service line's tags
}

SPECIALIST_ATTRIBUTES: Mapping[str, ValueType] = {
    "id": ValueType.STRING,
    "vendor": ValueType.STRING,  # vendor id
    "country": ValueType.STRING,  # the vendor's ISO 3166-1 code
    "time_zone": ValueType.STRING,
    "languages": ValueType.STRING_SET,
    "skills": ValueType.STRING_SET,
    "cost": ValueType.NUMBER,  # hourly cost, in the vendor's currency
    "tags": ValueType.STRING_SET,
    "status": ValueType.STRING,  # available | break | offline
}

# The only strings these attributes ever hold: a literal outside them is a typo, rejected when
# the filter is compiled ('Chat' for 'chat', 'EN' for 'en').
KNOWN_VALUES: Mapping[str, frozenset[str]] = {
    "item.channel": frozenset(c.value for c in Channel),
    "item.language": LANGUAGES,
    "specialist.languages": LANGUAGES,
    "specialist.status": frozenset(s.value for s in SpecialistStatus),
}


def item_attributes(item: WorkItem, line: ServiceLine, *, now: datetime) -> dict[str, Any]:
    """The ``item`` mapping a filter reads; ``age_seconds`` is whole seconds at ``now``."""
    return {
        "id": item.id,
        "service_line": line.id,
        "client": line.client_id,
        "channel": line.channel.value,
        "language": item.language,
        "priority": item.priority,
        "age_seconds": int((now - item.created_at).total_seconds()),
        "tags": line.tags,
    }


def specialist_attributes(specialist: Specialist, *, country: str = "") -> dict[str, Any]:
    """The ``specialist`` mapping a filter reads; ``cost`` is the exact hourly amount and
    ``country`` the vendor's ISO 3166-1 code."""
    return {
        "id": specialist.id,
        "vendor": specialist.vendor_id,
        "country": country,
        "time_zone": specialist.time_zone,
        "languages": specialist.languages,
        "skills": frozenset(specialist.skills),
        LEVEL: dict(specialist.skills),
        "cost": specialist.hourly_cost.amount,
        "tags": specialist.tags,
        "status": specialist.status.value,
    }
