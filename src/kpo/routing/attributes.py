"""What target filters see: the attributes of a specialist and of a work item.

These mappings are the contract between the engine and the expression language
(:mod:`kpo.routing.expressions`): an expression such as ``specialist.vendor == 'krakow'``
reads ``specialist["vendor"]``. Specialist attributes are built once per specialist (filters
that read only them are evaluated when a specialist is added or changes); item attributes
only when a step's filter reads the item.

Specialist: ``id``, ``vendor``, ``name``, ``skills`` (skill → level), ``languages``,
``time_zone``, ``hourly_cost`` (``Decimal``), ``currency``, ``tags``, ``channels`` (those
with capacity).

Item: ``id``, ``service_line``, ``client``, ``channel``, ``language``, ``priority``,
``subject``, ``tags`` (the service line's tags).
"""

from __future__ import annotations

from typing import Any

from kpo.domain.clients import ServiceLine
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem

__all__ = ["item_attributes", "specialist_attributes"]


def specialist_attributes(specialist: Specialist) -> dict[str, Any]:
    return {
        "id": specialist.id,
        "vendor": specialist.vendor_id,
        "name": specialist.name,
        "skills": dict(specialist.skills),
        "languages": specialist.languages,
        "time_zone": specialist.time_zone,
        "hourly_cost": specialist.hourly_cost.amount,
        "currency": specialist.hourly_cost.currency,
        "tags": specialist.tags,
        "channels": frozenset(c.value for c, n in specialist.capacity.items() if n > 0),
    }


def item_attributes(item: WorkItem, line: ServiceLine) -> dict[str, Any]:
    return {
        "id": item.id,
        "service_line": line.id,
        "client": line.client_id,
        "channel": line.channel.value,
        "language": item.language,
        "priority": item.priority,
        "subject": item.subject,
        "tags": line.tags,
    }
