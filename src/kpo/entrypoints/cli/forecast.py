"""``kpo plan forecast HISTORY.csv``: arrivals per interval, backtested against seasonal naive."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kpo.domain.errors import ValidationError
from kpo.entrypoints.cli.files import read_lines
from kpo.planning.forecast import Forecast, forecast_arrivals
from kpo.planning.history import parse_history_rows

__all__ = ["forecast"]


def forecast(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="HISTORY.csv",
            help="CSV with columns service_line, interval_start (ISO 8601 with UTC offset), "
            "arrivals.",
            dir_okay=False,
        ),
    ],
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", help="Days to forecast after the history ends.")
    ] = 7,
    interval_minutes: Annotated[
        int | None,
        typer.Option(
            "--interval-minutes",
            help="Expected interval length; the history's own is detected and must match.",
        ),
    ] = None,
    time_zone: Annotated[
        str,
        typer.Option(
            "--time-zone",
            metavar="ZONE",
            help="The client's IANA time zone, whose local day and week the arrivals follow "
            "(e.g. Europe/London); forecast times are written in it.",
        ),
    ] = "UTC",
    folds: Annotated[
        int, typer.Option("--folds", help="Weeks held out for the rolling-origin backtest.")
    ] = 2,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FORECAST.csv",
            help="Write the forecast as CSV: service_line, interval_start, arrivals.",
            dir_okay=False,
        ),
    ] = None,
    aht_seconds: Annotated[
        float | None,
        typer.Option(
            "--aht-seconds",
            help="Add an aht_seconds column so that --out feeds `kpo plan intervals`.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Forecast arrivals per interval with daily and weekly seasonality (MSTL + ETS).

    The last weeks of history are held out (one week per fold) and the model's WAPE is
    printed beside that of the seasonal-naive baseline (same interval last week).
    """
    if aht_seconds is not None and not (math.isfinite(aht_seconds) and aht_seconds > 0):
        raise ValidationError(
            f"--aht-seconds must be greater than zero, got {aht_seconds:g}", field="aht_seconds"
        )
    history = parse_history_rows(read_lines(file), interval_minutes=interval_minutes)
    err = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("Fitting MSTL + ETS…", total=None)

        def step(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=f"Fitted {label}")

        result = forecast_arrivals(
            history, horizon_days=horizon_days, time_zone=time_zone, folds=folds, progress=step
        )
    if out is not None:
        _write_csv(out, result, aht_seconds=aht_seconds)
    if as_json:
        typer.echo(json.dumps(_to_json(result, aht_seconds=aht_seconds)))
    else:
        _render(result, Console(highlight=False), out=out)


def _records(result: Forecast, *, aht_seconds: float | None) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for point in result.intervals:
        record: dict[str, Any] = {
            "service_line": point.service_line,
            "interval_start": point.interval_start.isoformat(),
            "arrivals": round(point.arrivals, 3),
        }
        if aht_seconds is not None:
            record["aht_seconds"] = aht_seconds
        records.append(record)
    return records


def _write_csv(path: Path, result: Forecast, *, aht_seconds: float | None) -> None:
    fields = ["service_line", "interval_start", "arrivals"]
    if aht_seconds is not None:
        fields.append("aht_seconds")
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(_records(result, aht_seconds=aht_seconds))
    except OSError as error:
        raise ValidationError(f"cannot write {path}: {error.strerror}", field="out") from None


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _to_json(result: Forecast, *, aht_seconds: float | None) -> dict[str, Any]:
    backtest = result.backtest
    lines = sorted({point.service_line for point in result.intervals})
    return {
        "model": result.model,
        "baseline": result.baseline,
        "time_zone": result.time_zone,
        "interval_minutes": result.interval // timedelta(minutes=1),
        "horizon_days": result.horizon_days,
        "backtest": {
            "folds": backtest.folds,
            "fold_days": backtest.fold_days,
            "model_wape": _number(backtest.model_wape),
            "baseline_wape": _number(backtest.baseline_wape),
            "scores": [
                {
                    "service_line": score.service_line,
                    "fold": score.fold,
                    "start": score.start.isoformat(),
                    "actual_total": score.actual_total,
                    "model_wape": _number(score.model_wape),
                    "baseline_wape": _number(score.baseline_wape),
                }
                for score in backtest.scores
            ],
            "lines": [
                {
                    "service_line": line,
                    "model_wape": _number(backtest.for_line(line).model_wape),
                    "baseline_wape": _number(backtest.for_line(line).baseline_wape),
                }
                for line in lines
            ],
        },
        "notes": list(result.notes),
        "forecast": _records(result, aht_seconds=aht_seconds),
    }


def _wape(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "—"


def _render(result: Forecast, console: Console, *, out: Path | None) -> None:
    backtest = result.backtest
    lines = sorted({point.service_line for point in result.intervals})
    scores = Table(
        title=f"Backtest: {backtest.folds} fold(s) of {backtest.fold_days} days, WAPE",
        box=box.SIMPLE_HEAD,
    )
    scores.add_column("service line")
    scores.add_column("model", justify="right")
    scores.add_column("baseline", justify="right")
    for line in lines:
        own = backtest.for_line(line)
        scores.add_row(line, _wape(own.model_wape), _wape(own.baseline_wape))
    if len(lines) > 1:
        scores.add_row("all lines", _wape(backtest.model_wape), _wape(backtest.baseline_wape))
    console.print(scores)
    console.print(
        "model: MSTL (daily + weekly) + damped-trend ETS; "
        "baseline: seasonal naive (same local interval last week)",
        markup=False,
    )

    days: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for point in result.intervals:
        days[point.interval_start.date()][point.service_line] += point.arrivals
    totals = Table(
        title=f"Forecast arrivals per local day ({result.time_zone})", box=box.SIMPLE_HEAD
    )
    totals.add_column("day")
    for line in lines:
        totals.add_column(line, justify="right")
    for day in sorted(days):
        totals.add_row(
            day.strftime("%a %Y-%m-%d"), *(f"{days[day].get(line, 0.0):,.0f}" for line in lines)
        )
    console.print(totals)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    if out is not None:
        console.print(f"wrote {len(result.intervals)} intervals to {out}", markup=False)
