"""A week of work arriving on each service line, following the client's day and week.

Arrivals are a non-homogeneous Poisson process per half hour. The rate follows an
hour-of-day curve and a day-of-week weight in the *client's* time zone, so a London client's
morning peak lands at 08:00–11:00 UTC in winter and 07:00–10:00 UTC in summer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from kpo.domain.clients import Client, ServiceLine
from kpo.domain.work_items import WorkItem

__all__ = ["LOADS", "LineLoad", "generate_arrivals", "monday_of"]

# Share of a day's work by local hour: business-hours peaks for people calling from work,
# and an evening shoulder for consumers.
_OFFICE = (1, 1, 1, 1, 1, 2, 4, 9, 14, 16, 15, 13, 11, 13, 14, 13, 11, 8, 5, 3, 2, 2, 1, 1)
_CONSUMER = (2, 1, 1, 1, 1, 2, 3, 6, 9, 11, 12, 12, 11, 11, 11, 11, 11, 11, 10, 9, 8, 7, 5, 3)
_WEEKDAYS_HEAVY = (1.15, 1.05, 1.0, 1.0, 0.95, 0.45, 0.35)
_ALL_WEEK = (1.1, 1.0, 1.0, 1.0, 1.0, 0.8, 0.7)


@dataclass(frozen=True, slots=True)
class LineLoad:
    """Weekly volume and shape of one demo service line, with sample subjects."""

    weekly_items: int
    hourly: tuple[int, ...]
    daily: tuple[float, ...]
    language_shares: tuple[tuple[str, float], ...]
    subjects: tuple[str, ...]


LOADS: dict[str, LineLoad] = {
    "novapay-payments": LineLoad(
        12_000,
        _CONSUMER,
        _ALL_WEEK,
        (("en", 0.7), ("es", 0.3)),
        (
            "Transfer still pending after two days",
            "Refund not received",
            "Card payment declined at checkout",
            "Charged twice for the same order",
            "Cannot add a new payee",
            "Direct debit failed",
        ),
    ),
    "novapay-disputes": LineLoad(
        6_000,
        _OFFICE,
        _WEEKDAYS_HEAVY,
        (("en", 0.75), ("es", 0.25)),
        (
            "Dispute: goods not received",
            "Dispute: unrecognised card transaction",
            "Chargeback: merchant refused refund",
            "Dispute: subscription cancelled but still charged",
            "Dispute: wrong amount charged",
        ),
    ),
    "cloudlane-l1": LineLoad(
        26_000,
        _OFFICE,
        _WEEKDAYS_HEAVY,
        (("en", 1.0),),
        (
            "Password reset needed",
            "Locked out after MFA change",
            "Laptop will not connect to Wi-Fi",
            "Need access to the shared drive",
            "Outlook keeps asking for credentials",
            "New starter account setup",
        ),
    ),
    "cloudlane-l2": LineLoad(
        3_500,
        _OFFICE,
        _WEEKDAYS_HEAVY,
        (("en", 1.0),),
        (
            "VPN drops every few minutes",
            "Build server disk full",
            "SSO login loop for a whole team",
            "Printer queue stuck on the 3rd floor",
            "Cloud storage permissions broken after migration",
        ),
    ),
}

_HALF_HOUR = timedelta(minutes=30)


def _rates(client: Client, load: LineLoad, start: datetime, days: int) -> np.ndarray:
    """Expected arrivals per half hour; ``weekly_items`` arrive in a typical week."""
    zone = ZoneInfo(client.time_zone)
    slots = max(days, 7) * 48
    weights = np.empty(slots)
    for slot in range(slots):
        local = (start + slot * _HALF_HOUR).astimezone(zone)
        weights[slot] = load.hourly[local.hour] * load.daily[local.weekday()]
    result: np.ndarray = weights[: days * 48] / weights[: 7 * 48].sum() * load.weekly_items
    return result


def generate_arrivals(
    lines: tuple[ServiceLine, ...],
    clients: tuple[Client, ...],
    *,
    seed: int,
    start: datetime,
    days: int = 7,
    scale: float = 1.0,
) -> list[WorkItem]:
    """All items arriving in ``days`` days from ``start`` (UTC), oldest first.

    ``scale`` multiplies every volume (0.1 for a small demo). The same arguments give the same
    items.
    """
    rng = np.random.default_rng(seed)
    by_id = {client.id: client for client in clients}
    items: list[WorkItem] = []
    for line in lines:
        load = LOADS[line.id]
        rates = _rates(by_id[line.client_id], load, start, days) * scale
        counts = rng.poisson(rates)
        languages = [code for code, _ in load.language_shares]
        shares = np.array([share for _, share in load.language_shares])
        for slot, count in enumerate(counts):
            offsets = np.sort(rng.uniform(0, 1800, size=int(count)))
            picks = rng.choice(len(languages), size=int(count), p=shares / shares.sum())
            subjects = rng.integers(0, len(load.subjects), size=int(count))
            priorities = rng.random(size=int(count))
            for offset, lang, subject, urgent in zip(
                offsets, picks, subjects, priorities, strict=True
            ):
                created = start + slot * _HALF_HOUR + timedelta(seconds=float(offset))
                items.append(
                    WorkItem(
                        id="",
                        service_line_id=line.id,
                        created_at=created.replace(microsecond=0),
                        subject=load.subjects[int(subject)],
                        description="",
                        language=languages[int(lang)],
                        priority=5 if urgent < 0.05 else 0,
                    )
                )
    items.sort(key=lambda item: (item.created_at, item.service_line_id))
    for number, item in enumerate(items, start=1):
        item.id = f"W{number:06d}"
    return items


def monday_of(day: datetime) -> datetime:
    """Midnight UTC of the Monday on or before ``day``."""
    day = day.astimezone(UTC)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=day.weekday())
