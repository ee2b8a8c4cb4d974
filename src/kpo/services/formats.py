"""The CSV formats of clients, vendors, service lines, specialists and work items.

Each format reads and writes the same columns, so an export imports back unchanged.
Column meanings are documented in docs/csv-formats.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from kpo.adapters.holidays import CountryHolidays
from kpo.domain.calendars import format_hours, parse_hours
from kpo.domain.channels import Channel, parse_channel
from kpo.domain.clients import Client, Coverage, ServiceLine, SkillRequirement
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money, parse_currency
from kpo.domain.reference import parse_language, parse_skill_name, parse_time_zone
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import DEFAULT_CAPACITY, Specialist, SpecialistStatus
from kpo.domain.text_formats import format_counts, format_set, parse_counts, parse_set
from kpo.domain.vendors import RateCard, Vendor
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.services.tabular import RecordFormat, RowReader

__all__ = [
    "CLIENTS",
    "NO_REFERENCES",
    "SERVICE_LINES",
    "SPECIALISTS",
    "VENDORS",
    "WORK_ITEMS",
    "References",
    "parse_country",
    "parse_instant",
]


@dataclass
class References:
    """What stored data already holds; every row is checked against it.

    ``None`` means "not checked" (reading a file without a database, as ``kpo route batch``
    does).
    """

    ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    skills: set[str] | None = None
    clients: set[str] | None = None
    vendors: set[str] | None = None
    line_languages: dict[str, frozenset[str]] | None = None

    def new_id(self, text: str, what: str) -> str:
        value = parse_id(text)
        if value in self.ids:
            raise ValidationError(f"{what} {value!r} already exists; ids are never reused")
        return value

    def new_name(self, text: str, what: str) -> str:
        if text in self.names:
            raise ValidationError(f"a {what} named {text!r} already exists")
        return text

    @staticmethod
    def known(pool: set[str] | dict[str, frozenset[str]] | None, text: str, what: str) -> str:
        value = parse_id(text)
        if pool is not None and value not in pool:
            raise ValidationError(f"unknown {what} {value!r}")
        return value

    def known_skills(self, skills: dict[str, int]) -> dict[str, int]:
        if self.skills is not None:
            unknown = sorted(set(skills) - self.skills)
            if unknown:
                names = ", ".join(repr(s) for s in unknown)
                raise ValidationError(
                    f"unknown skill {names}: not in the skill catalogue (see `kpo skills list`; "
                    "add one with `kpo skills add`)"
                )
        return skills


NO_REFERENCES = References()
Reader = RowReader[References]


def parse_id(text: str) -> str:
    if len(text) > 64 or any(c.isspace() for c in text):
        raise ValidationError(f"id {text!r} must be at most 64 characters without spaces")
    return text


def parse_country(text: str) -> str:
    code = text.strip().upper()
    CountryHolidays(code)
    return code


def parse_instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{text!r} is not an ISO 8601 date-time such as 2026-10-23T14:30:00Z"
        ) from None
    if value.tzinfo is None:
        raise ValidationError(f"{text!r} has no UTC offset; add 'Z' or '+02:00'")
    return value


def format_instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a date in the form 2026-10-23") from None


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValidationError(f"{text!r} is not a finite number")
    return value


def _priority(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a whole number 0-9") from None
    if not 0 <= value <= 9:
        raise ValidationError(f"priority {value} is outside 0-9 (9 is most urgent)")
    return value


def _minutes(text: str) -> timedelta:
    value = parse_decimal(text)
    if value <= 0:
        raise ValidationError(f"{text!r} minutes must be positive")
    return timedelta(minutes=float(value))


def _seconds(text: str) -> timedelta:
    value = parse_decimal(text)
    if value < 0:
        raise ValidationError(f"{text!r} seconds must not be negative")
    return timedelta(seconds=float(value))


def _skills(text: str) -> dict[str, int]:
    return parse_counts(text, parse_skill_name, what="level", low=1, high=5)


def _languages(text: str) -> frozenset[str]:
    return parse_set(text, parse_language)


def _capacity(text: str) -> dict[Channel, int]:
    counts = parse_counts(text, lambda c: parse_channel(c).value, what="capacity", low=0, high=50)
    return {Channel(channel): slots for channel, slots in counts.items()}


_NO_DATES: frozenset[date] = frozenset()


def _dates(text: str) -> frozenset[date]:
    return frozenset(parse_date(part.strip()) for part in text.split(";") if part.strip())


def _opt(value: object | None) -> str:
    return "" if value is None else str(value)


def _minutes_text(value: timedelta | None) -> str:
    if value is None:
        return ""
    minutes = Decimal(int(value.total_seconds())) / 60
    return format(minutes.normalize(), "f")


class ClientFormat(RecordFormat[Client, References]):
    name = "clients"
    columns = ("id", "name", "time_zone", "currency")
    required = frozenset(columns)

    def read(self, reader: Reader) -> Client | None:
        refs = reader.context
        client_id = reader.parse("id", lambda t: refs.new_id(t, "client"))
        name = reader.parse("name", lambda t: refs.new_name(t, "client")) or ""
        zone = reader.parse("time_zone", parse_time_zone)
        currency = reader.parse("currency", parse_currency)
        if client_id is None or not name or zone is None or currency is None:
            return None
        return Client(client_id, name, zone, currency)

    def write(self, record: Client) -> dict[str, str]:
        return {
            "id": record.id,
            "name": record.name,
            "time_zone": record.time_zone,
            "currency": record.currency,
        }

    def key(self, record: Client) -> str:
        return record.id


class VendorFormat(RecordFormat[Vendor, References]):
    name = "vendors"
    columns = ("id", "name", "country", "time_zone", "currency", "hourly_rate")
    required = frozenset(columns)

    def read(self, reader: Reader) -> Vendor | None:
        refs = reader.context
        vendor_id = reader.parse("id", lambda t: refs.new_id(t, "vendor"))
        name = reader.parse("name", lambda t: refs.new_name(t, "vendor")) or ""
        country = reader.parse("country", parse_country)
        zone = reader.parse("time_zone", parse_time_zone)
        currency = reader.parse("currency", parse_currency)
        rate = reader.parse("hourly_rate", parse_decimal)
        if None in (vendor_id, country, zone, currency, rate) or not name:
            return None
        assert vendor_id
        assert country
        assert zone
        assert currency
        assert rate is not None
        if rate < 0:
            reader.error("hourly_rate", f"{rate} is negative")
            return None
        return Vendor(vendor_id, name, country, zone, RateCard(Money(rate, currency)))

    def write(self, record: Vendor) -> dict[str, str]:
        return {
            "id": record.id,
            "name": record.name,
            "country": record.country,
            "time_zone": record.time_zone,
            "currency": record.currency,
            "hourly_rate": str(record.rate_card.hourly_rate.amount),
        }

    def key(self, record: Vendor) -> str:
        return record.id


class ServiceLineFormat(RecordFormat[ServiceLine, References]):
    name = "service lines"
    columns = (
        "id",
        "client",
        "name",
        "channel",
        "skills",
        "languages",
        "first_response_minutes",
        "resolution_minutes",
        "answer_within_seconds",
        "answer_target",
        "handle_time_seconds",
        "time_zone",
        "hours",
        "country",
        "closed_dates",
    )
    required = frozenset(
        {"id", "client", "name", "channel", "skills", "languages", "time_zone", "hours"}
    )

    def read(self, reader: Reader) -> ServiceLine | None:
        refs = reader.context
        line_id = reader.parse("id", lambda t: refs.new_id(t, "service line"))
        client = reader.parse("client", lambda t: refs.known(refs.clients, t, "client"))
        name = reader.text("name")
        channel = reader.parse("channel", parse_channel)
        skills = reader.parse("skills", lambda t: refs.known_skills(_skills(t)))
        languages = reader.parse("languages", _languages)
        first = reader.parse("first_response_minutes", _minutes, required=False)
        resolution = reader.parse("resolution_minutes", _minutes, required=False)
        within = reader.parse("answer_within_seconds", _seconds, required=False)
        target = reader.parse("answer_target", parse_decimal, required=False)
        handle = reader.parse(
            "handle_time_seconds", _seconds, required=False, default=timedelta(minutes=6)
        )
        zone = reader.parse("time_zone", parse_time_zone)
        hours = reader.parse("hours", parse_hours)
        country = reader.parse("country", parse_country, required=False)
        closed = reader.parse("closed_dates", _dates, required=False, default=_NO_DATES)
        if reader.errors or None in (line_id, client, channel, skills, languages, zone, hours):
            return None
        assert line_id
        assert client
        assert channel
        assert skills
        assert languages
        assert zone
        assert hours
        assert handle is not None
        assert closed is not None
        try:
            sla = SlaPolicy(
                first_response=first,
                resolution=resolution,
                answer_within=within,
                answer_target=target,
            )
            return ServiceLine(
                id=line_id,
                client_id=client,
                name=name,
                channel=channel,
                required_skills=tuple(SkillRequirement(s, v) for s, v in sorted(skills.items())),
                languages=languages,
                sla=sla,
                coverage=Coverage(zone, format_hours(hours), country, closed),
                handle_time=handle,
            )
        except ValidationError as error:
            reader.error(_SLA_COLUMNS.get(error.field or ""), error.message)
            return None

    def write(self, record: ServiceLine) -> dict[str, str]:
        sla = record.sla
        return {
            "id": record.id,
            "client": record.client_id,
            "name": record.name,
            "channel": record.channel.value,
            "skills": format_counts({r.skill: r.min_level for r in record.required_skills}),
            "languages": format_set(record.languages),
            "first_response_minutes": _minutes_text(sla.first_response),
            "resolution_minutes": _minutes_text(sla.resolution),
            "answer_within_seconds": _opt(
                None if sla.answer_within is None else int(sla.answer_within.total_seconds())
            ),
            "answer_target": _opt(sla.answer_target),
            "handle_time_seconds": str(int(record.handle_time.total_seconds())),
            "time_zone": record.coverage.time_zone,
            "hours": record.coverage.hours,
            "country": record.coverage.country or "",
            "closed_dates": format_set(d.isoformat() for d in record.coverage.closed_dates),
        }

    def key(self, record: ServiceLine) -> str:
        return record.id


_SLA_COLUMNS = {
    "first_response": "first_response_minutes",
    "resolution": "resolution_minutes",
    "answer_within": "answer_within_seconds",
    "answer_target": "answer_target",
    "handle_time": "handle_time_seconds",
}


class SpecialistFormat(RecordFormat[Specialist, References]):
    name = "specialists"
    columns = (
        "id",
        "vendor",
        "name",
        "time_zone",
        "working_hours",
        "skills",
        "languages",
        "capacity",
        "hourly_cost",
        "currency",
        "employment_start",
        "employment_end",
        "status",
    )
    required = frozenset(
        {
            "id",
            "vendor",
            "name",
            "time_zone",
            "working_hours",
            "skills",
            "languages",
            "hourly_cost",
            "currency",
            "employment_start",
        }
    )

    def read(self, reader: Reader) -> Specialist | None:
        refs = reader.context
        specialist_id = reader.parse("id", lambda t: refs.new_id(t, "specialist"))
        vendor = reader.parse("vendor", lambda t: refs.known(refs.vendors, t, "vendor"))
        name = reader.text("name")
        zone = reader.parse("time_zone", parse_time_zone)
        hours = reader.parse("working_hours", parse_hours)
        skills = reader.parse("skills", lambda t: refs.known_skills(_skills(t)))
        languages = reader.parse("languages", _languages)
        capacity = reader.parse("capacity", _capacity, required=False, default=DEFAULT_CAPACITY)
        cost = reader.parse("hourly_cost", parse_decimal)
        currency = reader.parse("currency", parse_currency)
        start = reader.parse("employment_start", parse_date)
        end = reader.parse("employment_end", parse_date, required=False)
        status = reader.parse(
            "status",
            lambda t: SpecialistStatus(t.lower()),
            required=False,
            default=SpecialistStatus.AVAILABLE,
        )
        if reader.errors:
            return None
        assert specialist_id
        assert vendor
        assert zone
        assert hours
        assert skills
        assert languages
        assert capacity is not None
        assert cost is not None
        assert currency
        assert start
        assert status
        if cost < 0:
            reader.error("hourly_cost", f"{cost} is negative")
            return None
        if end is not None and end < start:
            reader.error("employment_end", f"{end} is before employment_start {start}")
            return None
        return Specialist(
            id=specialist_id,
            vendor_id=vendor,
            name=name,
            skills=skills,
            languages=languages,
            time_zone=zone,
            working_hours=hours,
            capacity=dict(capacity),
            hourly_cost=Money(cost, currency),
            employment_start=start,
            employment_end=end,
            status=status,
        )

    def write(self, record: Specialist) -> dict[str, str]:
        return {
            "id": record.id,
            "vendor": record.vendor_id,
            "name": record.name,
            "time_zone": record.time_zone,
            "working_hours": format_hours(record.working_hours),
            "skills": format_counts(record.skills),
            "languages": format_set(record.languages),
            "capacity": format_counts({c.value: n for c, n in record.capacity.items()}),
            "hourly_cost": str(record.hourly_cost.amount),
            "currency": record.hourly_cost.currency,
            "employment_start": record.employment_start.isoformat(),
            "employment_end": _opt(record.employment_end and record.employment_end.isoformat()),
            "status": record.status.value,
        }

    def key(self, record: Specialist) -> str:
        return record.id


def _queued_only(text: str) -> WorkItemState:
    try:
        state = WorkItemState(text.lower())
    except ValueError:
        raise ValidationError(f"unknown state {text!r}") from None
    if state is not WorkItemState.QUEUED:
        raise ValidationError(
            f"state {text!r} cannot be imported: imported work starts queued (leave it empty)"
        )
    return state


class WorkItemFormat(RecordFormat[WorkItem, References]):
    name = "work items"
    columns = (
        "id",
        "service_line",
        "created_at",
        "subject",
        "description",
        "language",
        "priority",
        "external_ref",
        "state",
        "specialist",
    )
    required = frozenset({"id", "service_line", "created_at", "language"})

    def read(self, reader: Reader) -> WorkItem | None:
        refs = reader.context
        item_id = reader.parse("id", lambda t: refs.new_id(t, "work item"))
        line = reader.parse(
            "service_line", lambda t: refs.known(refs.line_languages, t, "service line")
        )
        created = reader.parse("created_at", parse_instant)
        language = reader.parse("language", parse_language)
        served = (refs.line_languages or {}).get(line or "")
        if language and served is not None and language not in served:
            reader.error(
                "language",
                f"service line {line!r} does not serve {language!r} (it serves "
                f"{', '.join(sorted(served))})",
            )
        priority = reader.parse("priority", _priority, required=False, default=0)
        reader.parse("state", _queued_only, required=False)
        if reader.text("specialist", required=False):
            reader.error("specialist", "imported work starts unassigned; leave it empty")
        if reader.errors:
            return None
        assert item_id
        assert line
        assert created
        assert language
        assert priority is not None
        return WorkItem(
            id=item_id,
            service_line_id=line,
            created_at=created,
            subject=reader.text("subject", required=False),
            description=reader.text("description", required=False),
            language=language,
            priority=priority,
            external_ref=reader.text("external_ref", required=False) or None,
        )

    def write(self, record: WorkItem) -> dict[str, str]:
        return {
            "id": record.id,
            "service_line": record.service_line_id,
            "created_at": format_instant(record.created_at),
            "subject": record.subject,
            "description": record.description,
            "language": record.language,
            "priority": str(record.priority),
            "external_ref": record.external_ref or "",
            "state": record.state.value,
            "specialist": record.specialist_id or "",
        }

    def key(self, record: WorkItem) -> str:
        return record.id


CLIENTS = ClientFormat()
VENDORS = VendorFormat()
SERVICE_LINES = ServiceLineFormat()
SPECIALISTS = SpecialistFormat()
WORK_ITEMS = WorkItemFormat()
