"""Knowledge reports over plain resolution records: coverage and turnover risk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpo.knowledge.records import Resolution

__all__ = ["CoverageRow", "RiskRow", "coverage", "turnover_risk"]


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """Of the items a service line resolved, how many were resolved with an article."""

    service_line_id: str
    resolved: int
    with_article: int

    @property
    def share(self) -> float:
        return self.with_article / self.resolved if self.resolved else 0.0


@dataclass(frozen=True, slots=True)
class RiskRow:
    """A skill or service line whose resolutions came from few specialists."""

    kind: str  # "skill" | "service_line"
    name: str
    resolved: int
    specialists: tuple[str, ...]


def coverage(resolutions: Sequence[Resolution]) -> list[CoverageRow]:
    """Coverage per service line, sorted by service line."""
    resolved: dict[str, int] = defaultdict(int)
    helped: dict[str, int] = defaultdict(int)
    for record in resolutions:
        resolved[record.service_line_id] += 1
        if record.article_ids:
            helped[record.service_line_id] += 1
    return [CoverageRow(line, resolved[line], helped[line]) for line in sorted(resolved)]


def turnover_risk(
    resolutions: Sequence[Resolution],
    *,
    skills: Mapping[str, Sequence[str]],
    max_specialists: int = 2,
) -> list[RiskRow]:
    """Service lines and skills whose resolutions came from ``max_specialists`` or fewer people.

    ``skills`` maps a service line to the skills it requires; a resolution counts for each of
    them. Resolutions without a known specialist are counted but name nobody. Sorted by kind,
    then fewest specialists, then name.
    """
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for record in resolutions:
        keys = [("service_line", record.service_line_id)]
        keys += [("skill", skill) for skill in skills.get(record.service_line_id, ())]
        for key in keys:
            counts[key] += 1
            if record.specialist_id:
                people[key].add(record.specialist_id)
    rows = [
        RiskRow(kind, name, counts[(kind, name)], tuple(sorted(people[(kind, name)])))
        for kind, name in counts
        if len(people[(kind, name)]) <= max_specialists
    ]
    return sorted(rows, key=lambda r: (r.kind, len(r.specialists), r.name))
