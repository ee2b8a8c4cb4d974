"""Small valid domain objects for tests; override what a test is about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kpo.domain.calendars import parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import Client, Coverage, ServiceLine, SkillRequirement
from kpo.domain.money import Money
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import Specialist
from kpo.domain.vendors import RateCard, Vendor
from kpo.domain.work_items import WorkItem

T0 = datetime(2026, 10, 23, 14, 30, tzinfo=UTC)


def client(**overrides: Any) -> Client:
    fields: dict[str, Any] = {
        "id": "acme",
        "name": "Acme Bank",
        "time_zone": "Europe/London",
        "currency": "GBP",
    }
    return Client(**(fields | overrides))


def vendor(**overrides: Any) -> Vendor:
    fields: dict[str, Any] = {
        "id": "krakow",
        "name": "Vistula BS",
        "country": "PL",
        "time_zone": "Europe/Warsaw",
        "rate_card": RateCard(Money(Decimal("38.00"), "USD")),
    }
    return Vendor(**(fields | overrides))


def service_line(**overrides: Any) -> ServiceLine:
    fields: dict[str, Any] = {
        "id": "acme-disputes",
        "client_id": "acme",
        "name": "Card disputes",
        "channel": Channel.TICKET,
        "required_skills": (SkillRequirement("card_disputes", 3),),
        "languages": frozenset({"en", "es"}),
        "sla": SlaPolicy(
            first_response=timedelta(hours=4),
            resolution=timedelta(hours=24),
            answer_within=None,
            answer_target=None,
        ),
        "coverage": Coverage("Europe/London", "mon-fri 08:00-20:00", "GB"),
        "handle_time": timedelta(minutes=15),
    }
    return ServiceLine(**(fields | overrides))


def specialist(**overrides: Any) -> Specialist:
    fields: dict[str, Any] = {
        "id": "krakow-001",
        "vendor_id": "krakow",
        "name": "Anna Nowak",
        "skills": {"card_disputes": 4, "payments": 3},
        "languages": frozenset({"en", "pl"}),
        "time_zone": "Europe/Warsaw",
        "working_hours": parse_hours("mon-fri 08:00-16:00"),
        "capacity": {Channel.TICKET: 1, Channel.CHAT: 3},
        "hourly_cost": Money(Decimal("24.50"), "USD"),
        "employment_start": date(2024, 3, 1),
    }
    return Specialist(**(fields | overrides))


def work_item(**overrides: Any) -> WorkItem:
    fields: dict[str, Any] = {
        "id": "W000001",
        "service_line_id": "acme-disputes",
        "created_at": T0,
        "subject": "Dispute: goods not received",
        "language": "en",
    }
    return WorkItem(**(fields | overrides))
