"""Forecasting: history parsing, the seasonal-naive baseline, MSTL + ETS, DST, the backtest."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from kpo.domain.errors import ValidationError
from kpo.planning.forecast import forecast_arrivals, seasonal_naive, wape
from kpo.planning.history import HistoryFileInvalid, parse_history_rows
from kpo.scenario.arrivals import generate_arrivals
from kpo.scenario.network import build_network

HEADER = "service_line,interval_start,arrivals"
HALF_HOUR = timedelta(minutes=30)


def history_lines(
    line_id: str, *, start: datetime, weeks: int, scale: float = 1.0, seed: int = 7
) -> list[str]:
    """Half-hour counts of the demo line's generated arrivals, as history CSV lines."""
    network = build_network(1, week_start=start.date())
    lines = tuple(line for line in network.service_lines if line.id == line_id)
    items = generate_arrivals(
        lines, network.clients, seed=seed, start=start, days=7 * weeks, scale=scale
    )
    counts = Counter((item.created_at - start) // HALF_HOUR for item in items)
    return [HEADER] + [
        f"{line_id},{(start + k * HALF_HOUR).isoformat()},{counts.get(k, 0)}"
        for k in range(weeks * 7 * 48)
    ]


def test_history_rows_are_validated_with_row_numbers() -> None:
    lines = [
        HEADER,
        "a,2026-03-02T09:00:00,1",
        ",2026-03-02T09:00:00+00:00,x",
        "a,2026-03-02T09:00:00+00:00,-1",
        "a,2026-03-02T09:30:00+00:00,2",
        "a,2026-03-02T09:30:00+00:00,2",
        "a,2026-03-02T10:00:00+00:00",
    ]
    with pytest.raises(HistoryFileInvalid) as caught:
        parse_history_rows(lines)
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (2, "interval_start"),
        (3, "service_line"),
        (3, "arrivals"),
        (4, "arrivals"),
        (6, "interval_start"),
        (7, "*"),
    }
    assert "nothing was forecast" in caught.value.message


def test_interval_length_is_detected_and_checked() -> None:
    rows = [HEADER] + [
        f"a,{(datetime(2026, 3, 2, tzinfo=UTC) + k * timedelta(hours=1)).isoformat()},{k}"
        for k in range(5)
    ]
    history = parse_history_rows(rows)
    assert history.interval == timedelta(hours=1)
    assert history.per_day == 24
    with pytest.raises(ValidationError, match="60-minute intervals, not 30"):
        parse_history_rows(rows, interval_minutes=30)
    with pytest.raises(HistoryFileInvalid, match=r"row 7, column interval_start: .*off the"):
        parse_history_rows([*rows, "a,2026-03-02T05:20:00+00:00,1"])
    with pytest.raises(ValidationError, match="divide a day"):
        parse_history_rows([HEADER, "a,2026-03-02T00:00Z,1", "a,2026-03-02T00:07Z,1"])


def test_gaps_count_as_zero_and_offsets_are_normalised() -> None:
    history = parse_history_rows(
        [
            HEADER,
            "a,2026-03-02T10:00:00+01:00,4",
            "a,2026-03-02T10:30:00Z,2",
            "a,2026-03-02T09:30Z,3",
        ]
    )
    (line,) = history.lines
    assert line.first_start == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert list(line.arrivals) == [4, 3, 0, 2]
    assert line.filled_intervals == 1


def test_seasonal_naive_repeats_last_week_and_wape() -> None:
    series = np.arange(10, dtype=float)
    assert list(seasonal_naive(series, 5, period=3)) == [7, 8, 9, 7, 8]
    assert wape([10, 10], [8, 13]) == pytest.approx(0.25)


def test_short_history_is_refused() -> None:
    history = parse_history_rows(
        history_lines("novapay-payments", start=datetime(2026, 3, 2, tzinfo=UTC), weeks=1)
    )
    with pytest.raises(ValidationError, match="at least 15 days"):
        forecast_arrivals(history)


def test_model_beats_seasonal_naive_across_a_dst_change() -> None:
    # Five weeks for a London client; the backtest folds straddle 29 March 2026 (BST starts).
    start = datetime(2026, 3, 2, tzinfo=UTC)
    history = parse_history_rows(history_lines("novapay-payments", start=start, weeks=5))
    calls: list[tuple[int, int]] = []
    result = forecast_arrivals(
        history,
        horizon_days=7,
        time_zone="Europe/London",
        folds=2,
        progress=lambda done, total, _label: calls.append((done, total)),
    )
    backtest = result.backtest
    assert len(backtest.scores) == 2
    assert backtest.model_wape < backtest.baseline_wape
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert len(result.intervals) == 7 * 48
    first = result.intervals[0].interval_start
    assert first == (start + timedelta(weeks=5)).astimezone(ZoneInfo("Europe/London"))
    assert all(point.arrivals >= 0 for point in result.intervals)


def test_seasonality_follows_the_clients_clock_through_dst() -> None:
    # Four weeks of history in GMT, then a 14-day horizon ending in BST: the Tuesday 09:00
    # local peak moves from 09:00 UTC to 08:00 UTC.
    start = datetime(2026, 2, 23, tzinfo=UTC)
    history = parse_history_rows(history_lines("novapay-disputes", start=start, weeks=4, scale=0.5))
    result = forecast_arrivals(history, horizon_days=14, time_zone="Europe/London", folds=0)
    by_utc = {p.interval_start.astimezone(UTC): p.arrivals for p in result.intervals}
    before = by_utc[datetime(2026, 3, 24, 9, tzinfo=UTC)]
    after = by_utc[datetime(2026, 3, 31, 8, tzinfo=UTC)]
    assert after == pytest.approx(before, rel=0.02)
    assert by_utc[datetime(2026, 3, 31, 9, tzinfo=UTC)] != pytest.approx(before, rel=0.02)
    assert result.intervals[-1].interval_start.utcoffset() == timedelta(hours=1)
    assert result.backtest.scores == ()


def test_fewer_folds_when_history_is_short() -> None:
    history = parse_history_rows(
        history_lines("cloudlane-l2", start=datetime(2026, 2, 2, tzinfo=UTC), weeks=4, scale=0.3)
    )
    result = forecast_arrivals(history, time_zone="America/New_York", folds=2)
    assert len(result.backtest.scores) == 1
    assert any("1 backtest fold(s) instead of 2" in note for note in result.notes)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"horizon_days": 0}, "horizon"),
        ({"folds": -1}, "folds"),
    ],
)
def test_bad_options(options: dict[str, object], message: str) -> None:
    history = parse_history_rows(
        history_lines("novapay-payments", start=datetime(2026, 3, 2, tzinfo=UTC), weeks=2)
    )
    with pytest.raises(ValidationError, match=message):
        forecast_arrivals(history, **options)  # type: ignore[arg-type]


def test_fifteen_days_without_a_clock_change_are_enough() -> None:
    rows = history_lines("cloudlane-l2", start=datetime(2026, 2, 2, tzinfo=UTC), weeks=3)
    history = parse_history_rows(rows[: 1 + 15 * 48])
    result = forecast_arrivals(history, horizon_days=1, folds=2)
    assert len(result.intervals) == 48
    assert result.backtest.scores == ()
    assert any("0 backtest fold(s) instead of 2" in note for note in result.notes)


def test_the_repeated_autumn_hour_gets_its_local_forecast_twice() -> None:
    # Three weeks of a smooth local-time pattern, then a horizon across 25 October 2026, when
    # London's 01:00-02:00 happens twice (00:00-01:00 UTC in BST, 01:00-02:00 UTC in GMT).
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 4, tzinfo=UTC)
    rows = [HEADER]
    for k in range(21 * 48):
        at = start + k * HALF_HOUR
        local = at.astimezone(london)
        value = 20 + 10 * np.sin(2 * np.pi * (local.hour + local.minute / 60) / 24)
        rows.append(f"a,{at.isoformat()},{value * (0.5 if local.weekday() >= 5 else 1):.3f}")
    history = parse_history_rows(rows)
    result = forecast_arrivals(history, horizon_days=1, time_zone="Europe/London", folds=0)
    by_utc = {p.interval_start.astimezone(UTC): p.arrivals for p in result.intervals}
    assert len(by_utc) == 48
    first, second = datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)
    assert first.astimezone(london).hour == second.astimezone(london).hour == 1
    assert by_utc[first] == pytest.approx(by_utc[second])
    assert by_utc[first + HALF_HOUR] == pytest.approx(by_utc[second + HALF_HOUR])
    # and the pattern stays on the local clock: 12:00 local is 12:00 UTC after the change
    # (11:00 UTC before it) on a Sunday, so half of 20 + 10·sin(π) = 10; a model on the UTC
    # clock would give local 13:00's value, 8.7
    assert by_utc[datetime(2026, 10, 25, 12, tzinfo=UTC)] == pytest.approx(10, rel=0.05)
