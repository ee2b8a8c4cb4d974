"""Target-filter benchmarks; figures go to docs/benchmarks.md ("Target filters").

``python -m bench filters`` compiles typical filters once and times ``matches`` on the
attribute mappings of :mod:`kpo.routing.attributes` (median of repeated batches), plus the
one-off compile time of each filter and of a 2,000-character one.
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal
from typing import Any

from kpo.routing.expressions import compile_filter

ITEM: dict[str, Any] = {
    "id": "W1",
    "service_line": "acme-disputes",
    "client": "acme",
    "channel": "ticket",
    "language": "es",
    "priority": 6,
    "age_seconds": 130,
    "tags": frozenset({"vip"}),
}
SPECIALIST: dict[str, Any] = {
    "id": "S1",
    "vendor": "krakow",
    "country": "PL",
    "time_zone": "Europe/Warsaw",
    "languages": frozenset({"en", "es", "pl"}),
    "skills": frozenset({"card_disputes", "kyc"}),
    "level": {"card_disputes": 4, "kyc": 2},
    "cost": Decimal("18.50"),
    "tags": frozenset({"night"}),
    "status": "available",
}
FILTERS = (
    "specialist.vendor == 'krakow'",
    "item.priority >= 5 AND specialist.vendor IN ('krakow', 'manila')",
    "NOT specialist.country == 'PH' AND specialist.level.card_disputes >= 4",
    "specialist.languages HAS item.language AND specialist.cost <= 25.00",
    "(specialist.vendor IN ('krakow', 'manila', 'bogota') OR specialist.tags HAS 'senior') "
    "AND specialist.level.card_disputes >= 3 AND NOT specialist.country IN ('PH', 'IN')",
)
BATCH = 100_000


def _per_call(function: Any, *args: Any) -> float:
    """Median seconds per call over 7 batches."""
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(BATCH):
            function(*args)
        samples.append((time.perf_counter() - start) / BATCH)
    return statistics.median(samples)


def main() -> None:
    for source in FILTERS:
        compiled = compile_filter(source)
        compile_time = _per_call_small(compile_filter, source)
        evaluate = _per_call(compiled.matches, ITEM, SPECIALIST)
        print(
            f"{evaluate * 1e9:7.0f} ns/match  {compile_time * 1e6:7.1f} µs/compile  "
            f"{compiled.matches(ITEM, SPECIALIST)!s:5}  {source}"
        )
    longest = " OR ".join(["specialist.level.card_disputes >= 5"] * 50)[:2000].rsplit(" OR ", 1)[0]
    print(
        f"{_per_call_small(compile_filter, longest) * 1e3:.2f} ms to compile {len(longest)} chars"
    )


def _per_call_small(function: Any, *args: Any) -> float:
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(200):
            function(*args)
        samples.append((time.perf_counter() - start) / 200)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
