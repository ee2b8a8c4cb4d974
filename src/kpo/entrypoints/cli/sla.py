"""``kpo sla``: SLA due times in business time."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from kpo.domain.errors import KpoError, ValidationError
from kpo.entrypoints.cli.errors import fail

__all__ = ["app"]

app = typer.Typer(
    help="SLA clocks: when is work due, counted in a calendar's business time.",
    no_args_is_help=True,
)

TimeZoneOption = Annotated[
    str,
    typer.Option(
        "--timezone",
        metavar="ZONE",
        help="IANA time zone of the business calendar, e.g. Europe/Warsaw or America/New_York.",
        show_default=False,
    ),
]
HoursOption = Annotated[
    list[str],
    typer.Option(
        "--hours",
        metavar="DAYS HH:MM-HH:MM",
        help=(
            "Weekly opening hours in local time; repeat for more windows. Examples: "
            "'mon-fri 09:00-17:00', 'sat 10:00-14:00', 'mon,wed,fri 08:00-12:00', "
            "'mon-fri 22:00-06:00' (overnight), 'daily 00:00-24:00' (24x7). "
            "Several windows may also be joined with ';'."
        ),
        show_default=False,
    ),
]
CountryOption = Annotated[
    str | None,
    typer.Option(
        "--country",
        metavar="CODE",
        help="Skip the public holidays of this country (ISO 3166-1 code, e.g. PL, US).",
        show_default=False,
    ),
]
ClosedOption = Annotated[
    list[str] | None,
    typer.Option(
        "--closed",
        metavar="YYYY-MM-DD",
        help="A local date on which no window opens, e.g. 2026-12-31; repeat for more dates.",
        show_default=False,
    ),
]
StartOption = Annotated[
    str,
    typer.Option(
        "--start",
        metavar="INSTANT",
        help=(
            "When the clock starts, ISO 8601 with Z or an offset, e.g. 2026-10-23T14:30:00Z "
            "or 2026-10-23T16:30:00+02:00."
        ),
        show_default=False,
    ),
]
MinutesOption = Annotated[
    int,
    typer.Option(
        "--business-minutes",
        metavar="MINUTES",
        help="The SLA target in business minutes, e.g. 240 for four business hours.",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help='Print {"due": "...Z", "due_local": "...+01:00"} instead.'),
]


@app.command()
def due(
    timezone: TimeZoneOption,
    hours: HoursOption,
    start: StartOption,
    business_minutes: MinutesOption,
    country: CountryOption = None,
    closed: ClosedOption = None,
    as_json: JsonOption = False,
) -> None:
    """When an SLA of --business-minutes started at --start falls due.

    Example: kpo sla due --timezone Europe/Warsaw --hours "mon-fri 09:00-17:00"
    --country PL --start 2026-10-23T14:30:00Z --business-minutes 240
    """
    try:
        due_at, zone = _due(timezone, hours, country, closed or [], start, business_minutes)
    except KpoError as error:
        option = _field(error)
        fail(f"{option}: {error.message}" if option else error.message)
    local = due_at.astimezone(zone)
    if as_json:
        typer.echo(json.dumps({"due": _iso_utc(due_at), "due_local": local.isoformat()}))
        return
    table = Table(show_header=True, box=None)
    table.add_column("due (UTC)")
    table.add_column(f"due ({timezone})")
    table.add_row(_iso_utc(due_at), local.isoformat())
    Console(highlight=False).print(table)


def _due(
    timezone: str,
    hours: list[str],
    country: str | None,
    closed: list[str],
    start: str,
    business_minutes: int,
) -> tuple[datetime, ZoneInfo]:
    # Imported here: the holidays package is slow to import and only this command needs it.
    from kpo.adapters.holidays import CountryHolidays
    from kpo.domain.calendars import BusinessCalendar, HolidayCalendar, NoHolidays, parse_hours

    windows = tuple(window for text in hours for window in parse_hours(text, field="--hours"))
    if not windows:
        raise ValidationError(
            "give at least one window, e.g. 'mon-fri 09:00-17:00'", field="--hours"
        )
    holidays: HolidayCalendar = NoHolidays()
    if country is not None:
        try:
            holidays = CountryHolidays(country)
        except KpoError as error:
            raise _on_option(error, "--country") from None
    closed_dates = _closed_dates(closed)
    try:
        calendar = BusinessCalendar(timezone, windows, holidays=holidays, closed_dates=closed_dates)
    except KpoError as error:
        raise _on_option(error, "--timezone") from None
    if business_minutes < 0:
        raise ValidationError(
            f"must not be negative, got {business_minutes}", field="--business-minutes"
        )
    due_at = calendar.add_business_time(_start(start), timedelta(minutes=business_minutes))
    return due_at, ZoneInfo(calendar.time_zone)


def _start(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"cannot read {text!r} as a date and time; use ISO 8601 such as 2026-10-23T14:30:00Z",
            field="--start",
        ) from None
    if value.tzinfo is None:
        raise ValidationError(
            f"{text!r} has no time zone; add Z for UTC or an offset such as +02:00",
            field="--start",
        )
    return value.astimezone(UTC)


def _closed_dates(texts: list[str]) -> frozenset[date]:
    dates: set[date] = set()
    for text in texts:
        try:
            dates.add(date.fromisoformat(text))
        except ValueError:
            raise ValidationError(
                f"{text!r} is not a date; use YYYY-MM-DD such as 2026-12-31", field="--closed"
            ) from None
    return frozenset(dates)


def _on_option(error: KpoError, option: str) -> KpoError:
    if isinstance(error, ValidationError):
        error.field = option
    return error


def _field(error: KpoError) -> str | None:
    field = getattr(error, "field", None)
    return field if isinstance(field, str) and field.startswith("--") else None


def _iso_utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _duration(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    minutes = int(abs(value).total_seconds()) // 60
    return f"{sign}{minutes // 60}h{minutes % 60:02d}m"


@app.command()
def status(
    item_id: Annotated[str, typer.Argument(metavar="ITEM_ID", help="Id of a stored work item.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Evaluate at this instant (ISO 8601 with offset) instead of now, e.g. to replay.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Where a stored work item stands against its service line's SLA targets.

    First response runs from arrival until work starts; resolution runs until the item is
    resolved and is paused while it waits on the client. Both count the service line's
    business hours. Uses KPO_DATABASE_URL.
    """
    from kpo.adapters.clock import FixedClock, SystemClock
    from kpo.bootstrap import calendar_for, connect
    from kpo.services.sla_status import item_sla_status

    clock = SystemClock() if at is None else FixedClock(_start(at))
    with connect() as kpo:
        kpo.require_schema()
        item, clocks = item_sla_status(kpo.uow(), item_id, clock=clock, calendar_for=calendar_for)
    now = clock.now()
    if json_output:
        sys.stdout.write(
            json.dumps(
                {
                    "item": item.id,
                    "state": item.state.value,
                    "at": _iso_utc(now),
                    "targets": [
                        {
                            "target": c.target_name,
                            "target_minutes": c.target.total_seconds() / 60,
                            "due": None if c.due is None else _iso_utc(c.due),
                            "met_at": None if c.stopped_at is None else _iso_utc(c.stopped_at),
                            "elapsed_minutes": c.elapsed.total_seconds() / 60,
                            "remaining_minutes": c.remaining.total_seconds() / 60,
                            "paused": c.paused,
                            "breached": c.breached,
                        }
                        for c in clocks
                    ],
                },
                indent=2,
            )
            + "\n"
        )
        return
    table = Table(title=f"SLA of {item.id} ({item.state.value}) at {_iso_utc(now)}")
    for column in ("target", "due (UTC)", "met at", "elapsed", "remaining", "state"):
        table.add_column(column)
    for c in clocks:
        state = "breached" if c.breached else "paused" if c.paused else "ok"
        table.add_row(
            c.target_name,
            "paused" if c.due is None else _iso_utc(c.due),
            "" if c.stopped_at is None else _iso_utc(c.stopped_at),
            _duration(c.elapsed),
            _duration(c.remaining),
            state,
        )
    if not clocks:
        Console().print(
            f"Service line {item.service_line_id} sets no first-response or resolution target."
        )
        return
    Console().print(table)
