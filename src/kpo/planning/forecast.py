"""Forecast arrivals per interval with daily and weekly seasonality, and backtest the model.

Two forecasters, both working on the client's *local wall-clock* time so that a morning peak
stays at 09:00 local across a daylight-saving change (it moves by an hour in UTC):

* **seasonal naive** (the baseline): the same local interval one week earlier;
* **MSTL + ETS** (the model, statsmodels): MSTL splits the history into a daily and a weekly
  seasonal component (periods of one day and one week of intervals) and a remainder;
  Holt's damped-trend exponential smoothing forecasts the remainder and the last cycle of
  each seasonal component is repeated on top. Seasonal shapes are local means
  (``seasonal_deg=0``) over about a month of days and a quarter of weeks, which averages
  out the Poisson noise that the naive forecast copies from a single week.

On the local clock, the hour skipped in spring has no data (it is interpolated for fitting
and never forecast) and the hour repeated in autumn holds the mean of its two occurrences
(both get that forecast).

:func:`backtest` holds out the last weeks with a rolling origin: fold *k* trains on
everything before week *k* from the end and forecasts that week. The score is WAPE —
``Σ|actual − forecast| / Σ actual`` over every held-out interval of every line.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from kpo.domain.errors import ValidationError
from kpo.domain.reference import parse_time_zone
from kpo.planning.history import History, LineHistory

__all__ = [
    "MIN_TRAINING_DAYS",
    "MODEL",
    "Backtest",
    "FoldScore",
    "Forecast",
    "ForecastInterval",
    "Progress",
    "forecast_arrivals",
    "wape",
]

MODEL = "mstl_ets"
BASELINE = "seasonal_naive"
MIN_TRAINING_DAYS = 15
"""MSTL needs more than two full cycles of its longest (weekly) period."""

# Seasonal smoothing windows of MSTL, in cycles: ~a month of days, ~a quarter of weeks.
_WINDOWS = (29, 13)

Array = npt.NDArray[np.float64]
Progress = Callable[[int, int, str], None]
"""Called after each model fit with (fits done, fits in all, what was fitted)."""


@dataclass(frozen=True, slots=True)
class ForecastInterval:
    """Expected arrivals of a line in the interval starting at ``interval_start``."""

    service_line: str
    interval_start: datetime
    arrivals: float


@dataclass(frozen=True, slots=True)
class FoldScore:
    """One held-out week of one line: both forecasters' WAPE against ``actual_total``."""

    service_line: str
    fold: int
    start: datetime
    actual_total: float
    model_error: float
    baseline_error: float

    @property
    def model_wape(self) -> float:
        return _ratio(self.model_error, self.actual_total)

    @property
    def baseline_wape(self) -> float:
        return _ratio(self.baseline_error, self.actual_total)


@dataclass(frozen=True, slots=True)
class Backtest:
    """Rolling-origin backtest; WAPEs pool every held-out interval of every line."""

    folds: int
    fold_days: int
    scores: tuple[FoldScore, ...]

    @property
    def model_wape(self) -> float:
        return _ratio(sum(s.model_error for s in self.scores), self._actual)

    @property
    def baseline_wape(self) -> float:
        return _ratio(sum(s.baseline_error for s in self.scores), self._actual)

    @property
    def _actual(self) -> float:
        return sum(s.actual_total for s in self.scores)

    def for_line(self, service_line: str) -> Backtest:
        return Backtest(
            self.folds,
            self.fold_days,
            tuple(s for s in self.scores if s.service_line == service_line),
        )


@dataclass(frozen=True, slots=True)
class Forecast:
    """The model's forecast for every line, its backtest, and notes for the reader."""

    model: str
    baseline: str
    time_zone: str
    interval: timedelta
    horizon_days: int
    intervals: tuple[ForecastInterval, ...]
    backtest: Backtest
    notes: tuple[str, ...]


def _ratio(error: float, actual: float) -> float:
    return error / actual if actual > 0 else float("nan")


def wape(actual: Sequence[float] | Array, forecast: Sequence[float] | Array) -> float:
    """Weighted absolute percentage error: ``Σ|actual − forecast| / Σ actual`` (NaN if 0)."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    return _ratio(float(np.abs(a - f).sum()), float(a.sum()))


# --------------------------------------------------------------------------- local clock


@dataclass(frozen=True, slots=True)
class _LocalClock:
    """Maps UTC interval starts to indices on a uniform grid of local wall-clock time."""

    zone: ZoneInfo
    interval: timedelta

    def index(self, starts: Sequence[datetime]) -> npt.NDArray[np.int64]:
        """Index 0 is the earliest local time (a history may start in a repeated hour)."""
        local = [start.astimezone(self.zone).replace(tzinfo=None) for start in starts]
        origin = min(local)
        return np.array([(t - origin) // self.interval for t in local], dtype=np.int64)


def _local_series(index: npt.NDArray[np.int64], values: Array) -> Array:
    """Values on the local grid ``0..max(index)``: repeated slots averaged, gaps interpolated."""
    size = int(index.max()) + 1
    sums = np.zeros(size)
    counts = np.zeros(size)
    np.add.at(sums, index, values)
    np.add.at(counts, index, 1)
    present = counts > 0
    series = np.divide(sums, counts, out=np.zeros(size), where=present)
    if not present.all():
        gaps = np.flatnonzero(~present)
        series[gaps] = np.interp(gaps, np.flatnonzero(present), series[present])
    return series


# --------------------------------------------------------------------------- forecasters


def seasonal_naive(series: Array, horizon: int, *, period: int) -> Array:
    """The last ``period`` values repeated ``horizon`` steps ahead."""
    if len(series) < period:
        raise ValidationError(f"seasonal naive needs {period} intervals, got {len(series)}")
    return np.resize(series[-period:], horizon).astype(float)


def mstl_ets(series: Array, horizon: int, *, per_day: int) -> Array:
    """MSTL (daily + weekly) with damped-trend ETS on the remainder; never negative."""
    # Imported here: statsmodels takes about a second to import, which every other `kpo`
    # command would otherwise pay.
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.seasonal import MSTL

    periods = (per_day, 7 * per_day)
    if len(series) <= 2 * periods[-1]:
        raise ValidationError(
            f"MSTL needs more than {2 * periods[-1]} intervals (two weeks), got {len(series)}"
        )
    with warnings.catch_warnings():
        # Optimiser chatter on flat or sparse series; the fit is still usable.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        parts = MSTL(
            series, periods=periods, windows=_WINDOWS, stl_kwargs={"seasonal_deg": 0}
        ).fit()
        seasonal = np.asarray(parts.seasonal, dtype=float).reshape(len(series), -1)
        remainder = np.asarray(parts.trend, dtype=float) + np.asarray(parts.resid, dtype=float)
        smoothing = ExponentialSmoothing(
            remainder, trend="add", damped_trend=True, initialization_method="estimated"
        ).fit()
        result = np.asarray(smoothing.forecast(horizon), dtype=float)
    for column, period in enumerate(periods):
        result += np.resize(seasonal[-period:, column], horizon)
    clipped: Array = np.maximum(result, 0.0)
    return clipped


def _predict(
    series: Array,
    targets: npt.NDArray[np.int64],
    *,
    per_day: int,
    model: bool,
) -> Array:
    """Forecasts for local indices ``targets``, fitted on ``series`` (indices before them)."""
    last = len(series) - 1
    horizon = max(int(targets.max()) - last, 1)
    ahead = (
        mstl_ets(series, horizon, per_day=per_day)
        if model
        else seasonal_naive(series, horizon, period=7 * per_day)
    )
    # A target at or before the last trained slot (the repeated autumn hour at a fold's
    # edge) gets the observed value.
    ahead_at = ahead[np.maximum(targets - last - 1, 0)]
    observed = series[np.minimum(targets, last)]
    result: Array = np.where(targets > last, ahead_at, observed)
    return result


# --------------------------------------------------------------------------- use


def _folds_possible(line: LineHistory, per_day: int) -> int:
    """One-week folds that leave :data:`MIN_TRAINING_DAYS` of training before them."""
    return (len(line.arrivals) - MIN_TRAINING_DAYS * per_day) // (7 * per_day)


def _plan_folds(history: History, folds: int) -> tuple[dict[str, int], list[str]]:
    per_day = history.per_day
    notes: list[str] = []
    short = [
        f"{line.service_line!r} ({len(line.arrivals) / per_day:g} days)"
        for line in history.lines
        if len(line.arrivals) < MIN_TRAINING_DAYS * per_day
    ]
    if short:
        raise ValidationError(
            f"forecasting needs at least {MIN_TRAINING_DAYS} days of history per service "
            f"line; too short: {', '.join(short)}",
            field="file",
        )
    plan: dict[str, int] = {}
    for line in history.lines:
        possible = _folds_possible(line, per_day)
        plan[line.service_line] = min(folds, possible)
        if possible < folds:
            notes.append(
                f"{line.service_line}: {possible} backtest fold(s) instead of {folds}; "
                f"each needs a week beyond the first {MIN_TRAINING_DAYS} days of history"
            )
    return plan, notes


def forecast_arrivals(
    history: History,
    *,
    horizon_days: int = 7,
    time_zone: str = "UTC",
    folds: int = 2,
    progress: Progress | None = None,
) -> Forecast:
    """Forecast ``horizon_days`` after each line's last interval, with a backtest.

    ``time_zone`` is the client's IANA zone whose local day and week the arrivals follow.
    Each line gets ``folds`` one-week folds (fewer when its history is short; see
    :attr:`Forecast.notes`). Raises :class:`ValidationError` for bad options or a history
    shorter than :data:`MIN_TRAINING_DAYS` days.
    """
    zone_name = parse_time_zone(time_zone, field="time_zone")
    if not 1 <= horizon_days <= 366:
        raise ValidationError(
            f"the horizon must be 1 to 366 days, got {horizon_days}", field="horizon_days"
        )
    if not 0 <= folds <= 52:
        raise ValidationError(f"folds must be 0 to 52, got {folds}", field="folds")
    zone = ZoneInfo(zone_name)
    interval, per_day = history.interval, history.per_day
    fold_plan, notes = _plan_folds(history, folds)
    total = sum(fold_plan.values()) + len(history.lines)
    done = 0
    intervals: list[ForecastInterval] = []
    scores: list[FoldScore] = []
    for line in history.lines:
        size = len(line.arrivals)
        future = [line.start(size + k, interval) for k in range(horizon_days * per_day)]
        starts = [line.start(k, interval) for k in range(size)] + future
        index = _LocalClock(zone, interval).index(starts)
        week = 7 * per_day
        for fold in range(fold_plan[line.service_line], 0, -1):
            cut = size - fold * week
            series = _local_series(index[:cut], line.arrivals[:cut])
            held = slice(cut, cut + week)
            actual = line.arrivals[held]
            model = _predict(series, index[held], per_day=per_day, model=True)
            naive = _predict(series, index[held], per_day=per_day, model=False)
            scores.append(
                FoldScore(
                    line.service_line,
                    fold,
                    line.start(cut, interval).astimezone(zone),
                    float(actual.sum()),
                    float(np.abs(actual - model).sum()),
                    float(np.abs(actual - naive).sum()),
                )
            )
            done += 1
            if progress is not None:
                progress(done, total, f"{line.service_line}: backtest fold {fold}")
        series = _local_series(index[:size], line.arrivals)
        ahead = _predict(series, index[size:], per_day=per_day, model=True)
        intervals.extend(
            ForecastInterval(line.service_line, start.astimezone(zone), float(value))
            for start, value in zip(future, ahead, strict=True)
        )
        done += 1
        if progress is not None:
            progress(done, total, f"{line.service_line}: forecast")
        if line.filled_intervals:
            notes.append(
                f"{line.service_line}: {line.filled_intervals} interval(s) missing from the "
                "history were counted as zero arrivals"
            )
    return Forecast(
        model=MODEL,
        baseline=BASELINE,
        time_zone=zone_name,
        interval=interval,
        horizon_days=horizon_days,
        intervals=tuple(intervals),
        backtest=Backtest(max(fold_plan.values(), default=0), 7, tuple(scores)),
        notes=tuple(notes),
    )
