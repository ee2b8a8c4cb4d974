"""Clients, service lines, vendors and specialists."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from kpo.domain.calendars import format_hours, parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import Client, Coverage, ServiceLine, SkillRequirement
from kpo.domain.errors import ValidationError
from kpo.domain.money import parse_currency
from kpo.domain.reference import parse_language, parse_skill_name, parse_time_zone
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import DEFAULT_CAPACITY, Specialist, SpecialistStatus
from kpo.domain.vendors import RateCard, Vendor
from kpo.entrypoints.api.schemas.common import Id, MoneyIn, MoneyOut, Strict, decimal_text
from kpo.services.formats import parse_country

__all__ = [
    "ClientCreate",
    "ClientPublic",
    "ServiceLineCreate",
    "ServiceLinePublic",
    "SpecialistCreate",
    "SpecialistPublic",
    "SpecialistStatusUpdate",
    "VendorCreate",
    "VendorPublic",
]

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Text64 = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Level = Annotated[int, Field(ge=1, le=5)]


def _country(text: str, field: str) -> str:
    try:
        return parse_country(text)
    except ValidationError as error:
        raise ValidationError(error.message, field=field) from None


class ClientCreate(Strict):
    id: Id
    name: Name
    time_zone: Text64 = Field(examples=["Europe/London"])
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]

    def to_domain(self) -> Client:
        return Client(
            id=self.id,
            name=self.name,
            time_zone=parse_time_zone(self.time_zone, field="time_zone"),
            currency=parse_currency(self.currency, field="currency"),
        )


class ClientPublic(BaseModel):
    id: str
    name: str
    time_zone: str
    currency: str

    @classmethod
    def of(cls, client: Client) -> ClientPublic:
        return cls(
            id=client.id, name=client.name, time_zone=client.time_zone, currency=client.currency
        )


class SlaSpec(Strict):
    """SLA targets in business minutes / seconds of the line's coverage calendar."""

    first_response_minutes: Annotated[int, Field(gt=0, le=525_600)] | None = None
    resolution_minutes: Annotated[int, Field(gt=0, le=5_256_000)] | None = None
    answer_within_seconds: Annotated[int, Field(gt=0, le=86_400)] | None = None
    answer_target: (
        Annotated[str, StringConstraints(pattern=r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$")] | None
    ) = None

    def to_domain(self) -> SlaPolicy:
        def minutes(value: int | None) -> timedelta | None:
            return None if value is None else timedelta(minutes=value)

        try:
            return SlaPolicy(
                first_response=minutes(self.first_response_minutes),
                resolution=minutes(self.resolution_minutes),
                answer_within=None
                if self.answer_within_seconds is None
                else timedelta(seconds=self.answer_within_seconds),
                answer_target=None if self.answer_target is None else Decimal(self.answer_target),
            )
        except ValidationError as error:
            names = {"answer_within": "answer_within_seconds"}
            field = names.get(error.field or "", error.field or "answer_target")
            raise ValidationError(error.message, field=f"sla.{field}") from None


class CoverageSpec(Strict):
    time_zone: Text64 = Field(examples=["Europe/London"])
    hours: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        examples=["mon-fri 08:00-20:00"]
    )
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    closed_dates: Annotated[list[date], Field(max_length=400)] = Field(default_factory=list)

    def to_domain(self) -> Coverage:
        zone = parse_time_zone(self.time_zone, field="coverage.time_zone")
        hours = format_hours(parse_hours(self.hours, field="coverage.hours"))
        country = None if self.country is None else _country(self.country, "coverage.country")
        return Coverage(zone, hours, country, frozenset(self.closed_dates))


class ServiceLineCreate(Strict):
    id: Id
    client_id: Id
    name: Name
    channel: Channel
    required_skills: Annotated[dict[Text64, Level], Field(min_length=1, max_length=50)] = Field(
        examples=[{"card_disputes": 3}]
    )
    languages: Annotated[list[Text64], Field(min_length=1, max_length=50)] = Field(
        examples=[["en", "es"]]
    )
    sla: SlaSpec = Field(default_factory=SlaSpec)
    coverage: CoverageSpec
    handle_time_seconds: Annotated[int, Field(gt=0, le=86_400 * 30)] = 360

    def to_domain(self) -> ServiceLine:
        skills = tuple(
            SkillRequirement(parse_skill_name(name, field="required_skills"), level)
            for name, level in sorted(self.required_skills.items())
        )
        return ServiceLine(
            id=self.id,
            client_id=self.client_id,
            name=self.name,
            channel=self.channel,
            required_skills=skills,
            languages=frozenset(parse_language(c, field="languages") for c in self.languages),
            sla=self.sla.to_domain(),
            coverage=self.coverage.to_domain(),
            handle_time=timedelta(seconds=self.handle_time_seconds),
        )


class ServiceLinePublic(BaseModel):
    id: str
    client_id: str
    name: str
    channel: Channel
    required_skills: dict[str, int]
    languages: list[str]
    sla: dict[str, Any]
    coverage: dict[str, Any]
    handle_time_seconds: int
    routing_policy: list[dict[str, Any]] | None

    @classmethod
    def of(cls, line: ServiceLine) -> ServiceLinePublic:
        sla = line.sla

        def minutes(value: timedelta | None) -> int | None:
            return None if value is None else int(value.total_seconds() // 60)

        return cls(
            id=line.id,
            client_id=line.client_id,
            name=line.name,
            channel=line.channel,
            required_skills={r.skill: r.min_level for r in line.required_skills},
            languages=sorted(line.languages),
            sla={
                "first_response_minutes": minutes(sla.first_response),
                "resolution_minutes": minutes(sla.resolution),
                "answer_within_seconds": None
                if sla.answer_within is None
                else int(sla.answer_within.total_seconds()),
                "answer_target": decimal_text(sla.answer_target),
            },
            coverage={
                "time_zone": line.coverage.time_zone,
                "hours": line.coverage.hours,
                "country": line.coverage.country,
                "closed_dates": sorted(d.isoformat() for d in line.coverage.closed_dates),
            },
            handle_time_seconds=int(line.handle_time.total_seconds()),
            routing_policy=None if line.routing_policy is None else json.loads(line.routing_policy),
        )


class VendorCreate(Strict):
    id: Id
    name: Name
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
    time_zone: Text64 = Field(examples=["Europe/Warsaw"])
    hourly_rate: MoneyIn

    def to_domain(self) -> Vendor:
        rate = self.hourly_rate.to_domain("hourly_rate")
        if rate.amount < 0:
            raise ValidationError("hourly_rate is negative", field="hourly_rate.amount")
        return Vendor(
            id=self.id,
            name=self.name,
            country=_country(self.country, "country"),
            time_zone=parse_time_zone(self.time_zone, field="time_zone"),
            rate_card=RateCard(rate),
        )


class VendorPublic(BaseModel):
    id: str
    name: str
    country: str
    time_zone: str
    hourly_rate: MoneyOut

    @classmethod
    def of(cls, vendor: Vendor) -> VendorPublic:
        return cls(
            id=vendor.id,
            name=vendor.name,
            country=vendor.country,
            time_zone=vendor.time_zone,
            hourly_rate=MoneyOut.of(vendor.rate_card.hourly_rate),
        )


class SpecialistCreate(Strict):
    id: Id
    vendor_id: Id
    name: Name
    time_zone: Text64 = Field(examples=["Europe/Warsaw"])
    working_hours: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        examples=["mon-fri 08:00-16:00"]
    )
    skills: Annotated[dict[Text64, Level], Field(min_length=1, max_length=100)] = Field(
        examples=[{"card_disputes": 4}]
    )
    languages: Annotated[list[Text64], Field(min_length=1, max_length=50)] = Field(
        examples=[["en", "pl"]]
    )
    capacity: dict[Channel, Annotated[int, Field(ge=0, le=50)]] | None = None
    hourly_cost: MoneyIn
    employment_start: date
    employment_end: date | None = None
    status: SpecialistStatus = SpecialistStatus.AVAILABLE

    def to_domain(self) -> Specialist:
        cost = self.hourly_cost.to_domain("hourly_cost")
        if cost.amount < 0:
            raise ValidationError("hourly_cost is negative", field="hourly_cost.amount")
        return Specialist(
            id=self.id,
            vendor_id=self.vendor_id,
            name=self.name,
            skills={parse_skill_name(k, field="skills"): v for k, v in self.skills.items()},
            languages=frozenset(parse_language(c, field="languages") for c in self.languages),
            time_zone=parse_time_zone(self.time_zone, field="time_zone"),
            working_hours=parse_hours(self.working_hours, field="working_hours"),
            capacity=dict(DEFAULT_CAPACITY if self.capacity is None else self.capacity),
            hourly_cost=cost,
            employment_start=self.employment_start,
            employment_end=self.employment_end,
            status=self.status,
        )


class SpecialistPublic(BaseModel):
    id: str
    vendor_id: str
    name: str
    time_zone: str
    working_hours: str
    skills: dict[str, int]
    languages: list[str]
    capacity: dict[str, int]
    hourly_cost: MoneyOut
    employment_start: date
    employment_end: date | None
    status: SpecialistStatus

    @classmethod
    def of(cls, specialist: Specialist) -> SpecialistPublic:
        return cls(
            id=specialist.id,
            vendor_id=specialist.vendor_id,
            name=specialist.name,
            time_zone=specialist.time_zone,
            working_hours=format_hours(specialist.working_hours),
            skills=dict(sorted(specialist.skills.items())),
            languages=sorted(specialist.languages),
            capacity={c.value: n for c, n in specialist.capacity.items()},
            hourly_cost=MoneyOut.of(specialist.hourly_cost),
            employment_start=specialist.employment_start,
            employment_end=specialist.employment_end,
            status=specialist.status,
        )


class SpecialistStatusUpdate(Strict):
    status: SpecialistStatus
