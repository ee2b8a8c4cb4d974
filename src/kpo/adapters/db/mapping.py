"""Rows ↔ domain objects. Kept apart from queries so that both directions sit side by side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from kpo.domain.calendars import format_hours, parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import Client, Coverage, ServiceLine, SkillRequirement
from kpo.domain.money import Money
from kpo.domain.reference import parse_language, parse_skill_name
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import Specialist, SpecialistStatus
from kpo.domain.text_formats import format_counts, format_set, parse_counts, parse_set
from kpo.domain.vendors import RateCard, Vendor
from kpo.domain.work_items import Transition, WorkItem, WorkItemState

__all__ = [
    "client_from_row",
    "client_to_row",
    "service_line_from_row",
    "service_line_to_row",
    "specialist_from_rows",
    "specialist_to_rows",
    "vendor_from_row",
    "vendor_to_row",
    "work_item_from_row",
    "work_item_from_rows",
    "work_item_to_row",
]

Row = Any  # a SQLAlchemy RowMapping or any mapping of column names


def client_to_row(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "time_zone": client.time_zone,
        "currency": client.currency,
    }


def client_from_row(row: Row) -> Client:
    return Client(row["id"], row["name"], row["time_zone"], row["currency"])


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def _delta(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def service_line_to_row(line: ServiceLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "client_id": line.client_id,
        "name": line.name,
        "channel": line.channel.value,
        "required_skills": format_counts({r.skill: r.min_level for r in line.required_skills}),
        "languages": format_set(line.languages),
        "first_response_seconds": _seconds(line.sla.first_response),
        "resolution_seconds": _seconds(line.sla.resolution),
        "answer_within_seconds": _seconds(line.sla.answer_within),
        "answer_target": line.sla.answer_target,
        "coverage_time_zone": line.coverage.time_zone,
        "coverage_hours": line.coverage.hours,
        "coverage_country": line.coverage.country,
        "coverage_closed_dates": format_set(d.isoformat() for d in line.coverage.closed_dates),
        "handle_time_seconds": _seconds(line.handle_time),
        "routing_policy": line.routing_policy,
    }


def service_line_from_row(row: Row) -> ServiceLine:
    skills = parse_counts(row["required_skills"], parse_skill_name, what="level", low=1, high=5)
    closed = row["coverage_closed_dates"] or ""
    return ServiceLine(
        id=row["id"],
        client_id=row["client_id"],
        name=row["name"],
        channel=Channel(row["channel"]),
        required_skills=tuple(SkillRequirement(s, lvl) for s, lvl in sorted(skills.items())),
        languages=parse_set(row["languages"], parse_language),
        sla=SlaPolicy(
            first_response=_delta(row["first_response_seconds"]),
            resolution=_delta(row["resolution_seconds"]),
            answer_within=_delta(row["answer_within_seconds"]),
            answer_target=row["answer_target"],
        ),
        coverage=Coverage(
            time_zone=row["coverage_time_zone"],
            hours=row["coverage_hours"],
            country=row["coverage_country"],
            closed_dates=frozenset(date.fromisoformat(d) for d in closed.split(";") if d),
        ),
        handle_time=timedelta(seconds=row["handle_time_seconds"]),
        routing_policy=row["routing_policy"],
    )


def vendor_to_row(vendor: Vendor) -> dict[str, Any]:
    return {
        "id": vendor.id,
        "name": vendor.name,
        "country": vendor.country,
        "time_zone": vendor.time_zone,
        "currency": vendor.currency,
        "hourly_rate": vendor.rate_card.hourly_rate.amount,
    }


def vendor_from_row(row: Row) -> Vendor:
    rate = Money(Decimal(row["hourly_rate"]), row["currency"])
    return Vendor(row["id"], row["name"], row["country"], row["time_zone"], RateCard(rate))


def specialist_to_rows(
    specialist: Specialist,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The specialist row and its skill, language and capacity rows."""
    main = {
        "id": specialist.id,
        "vendor_id": specialist.vendor_id,
        "name": specialist.name,
        "time_zone": specialist.time_zone,
        "working_hours": format_hours(specialist.working_hours),
        "hourly_cost": specialist.hourly_cost.amount,
        "currency": specialist.hourly_cost.currency,
        "employment_start": specialist.employment_start,
        "employment_end": specialist.employment_end,
        "status": specialist.status.value,
    }
    skills = [
        {"specialist_id": specialist.id, "skill": skill, "level": level}
        for skill, level in sorted(specialist.skills.items())
    ]
    languages = [
        {"specialist_id": specialist.id, "language": language}
        for language in sorted(specialist.languages)
    ]
    capacity = [
        {"specialist_id": specialist.id, "channel": channel.value, "slots": slots}
        for channel, slots in sorted(specialist.capacity.items())
    ]
    return main, skills, languages, capacity


def specialist_from_rows(
    row: Row, skills: Sequence[Row], languages: Sequence[Row], capacity: Sequence[Row]
) -> Specialist:
    return Specialist(
        id=row["id"],
        vendor_id=row["vendor_id"],
        name=row["name"],
        skills={r["skill"]: r["level"] for r in skills},
        languages=frozenset(r["language"] for r in languages),
        time_zone=row["time_zone"],
        working_hours=parse_hours(row["working_hours"]),
        capacity={Channel(r["channel"]): r["slots"] for r in capacity},
        hourly_cost=Money(Decimal(row["hourly_cost"]), row["currency"]),
        employment_start=row["employment_start"],
        employment_end=row["employment_end"],
        status=SpecialistStatus(row["status"]),
    )


def work_item_to_row(item: WorkItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "service_line_id": item.service_line_id,
        "created_at": item.created_at,
        "subject": item.subject,
        "description": item.description,
        "language": item.language,
        "priority": item.priority,
        "external_ref": item.external_ref,
        "state": item.state.value,
        "specialist_id": item.specialist_id,
    }


def work_item_from_rows(row: Row, transitions: Sequence[Row]) -> WorkItem:
    return WorkItem(
        id=row["id"],
        service_line_id=row["service_line_id"],
        created_at=row["created_at"],
        subject=row["subject"],
        description=row["description"],
        language=row["language"],
        priority=row["priority"],
        external_ref=row["external_ref"],
        state=WorkItemState(row["state"]),
        specialist_id=row["specialist_id"],
        transitions=[
            Transition(t["at"], WorkItemState(t["from_state"]), WorkItemState(t["to_state"]))
            for t in sorted(transitions, key=lambda t: int(t["seq"]))
        ],
    )


_STATES: dict[str, WorkItemState] = {s.value: s for s in WorkItemState}


def work_item_from_row(row: Any, transitions: Sequence[Row]) -> WorkItem:
    """:func:`work_item_from_rows` from a result row read by attribute (no mapping view;
    a rebuild reads a million of them)."""
    return WorkItem(
        row.id,
        row.service_line_id,
        row.created_at,
        row.subject,
        row.description,
        row.language,
        row.priority,
        row.external_ref,
        _STATES[row.state],
        row.specialist_id,
        [
            Transition(t["at"], _STATES[t["from_state"]], _STATES[t["to_state"]])
            for t in sorted(transitions, key=lambda t: int(t["seq"]))
        ]
        if transitions
        else [],
    )
