"""The simulated week as Rich tables, rendered from the same JSON object ``--json`` prints."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["VENDOR_COLOURS", "render_simulation"]

VENDOR_COLOURS = ("cyan", "magenta", "yellow", "green", "blue", "red")


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _attainment(line: dict[str, Any]) -> str:
    value, goal = line["sla_attainment"], line["sla_goal"]
    if value is None:
        return "—"
    colour = (
        "green" if goal is None or value >= goal else "yellow" if value >= goal - 0.1 else "red"
    )
    return f"[{colour}]{value:.1%}[/]"


def _wait(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def render_simulation(console: Console, data: dict[str, Any]) -> None:
    """Service lines, vendors and follow-the-sun hours of the simulated week."""
    items = data["items"]
    per_item = data["cost_per_resolved_item"]
    console.rule("[bold]The simulated week (routing engine on a simulated clock)")
    console.print(
        f"{items['arrived']:,} items arrived: {items['resolved']:,} resolved, "
        f"{items['abandoned']:,} abandoned, {items['cancelled']:,} cancelled, "
        f"{items['open']:,} still open at the end. "
        + (
            f"Cost per resolved item {per_item['amount']} {per_item['currency']}. "
            if per_item
            else ""
        )
        + f"{data['simulated_seconds'] / 86400:g} simulated days in "
        f"{data['simulation_wall_seconds']:.1f} s."
    )
    lines = Table(title="SLA per service line")
    for column in (
        "client",
        "service line",
        "channel",
        "items",
        "SLA target",
        "attained",
        "ASA",
        "abandoned",
    ):
        lines.add_column(
            column,
            justify="left" if column in ("client", "service line", "channel", "SLA") else "right",
        )
    for line in data["service_lines"]:
        lines.add_row(
            line["client"],
            line["name"],
            line["channel"],
            f"{line['items']:,}",
            line["sla_target"],
            _attainment(line),
            _wait(line["asa_seconds"]),
            _share(line["abandonment_rate"]) if line["channel"] in ("call", "chat") else "—",
        )
    console.print(lines)

    vendors = Table(title="Vendors: occupancy (busy ÷ on-shift time) and cost of the work done")
    for column in ("vendor", "staff", "items", "occupancy", "on-shift h", "cost", "cost/item"):
        vendors.add_column(column, justify="left" if column == "vendor" else "right")
    for vendor in data["vendors"]:
        cost = vendor["cost"]
        each = float(cost["amount"]) / vendor["items"] if vendor["items"] else None
        vendors.add_row(
            vendor["id"],
            str(vendor["specialists"]),
            f"{vendor['items']:,}",
            _share(vendor["occupancy"]),
            f"{vendor['staffed_hours']:,.0f}",
            f"{float(cost['amount']):,.2f} {cost['currency']}",
            "—" if each is None else f"{each:.2f}",
        )
    console.print(vendors)

    hours: dict[str, list[int]] = data["handled_by_utc_hour"]
    ids = list(hours)
    peak = max([sum(hours[v][h] for v in ids) for h in range(24)] + [1])
    table = Table(title="Items handled per UTC hour of day by vendor, whole week (follow-the-sun)")
    table.add_column("UTC", justify="right")
    for vendor_id in ids:
        table.add_column(vendor_id, justify="right")
    table.add_column("total", justify="right")
    table.add_column("", min_width=24)
    for hour in range(24):
        counts = [hours[v][hour] for v in ids]
        bar = "".join(
            f"[{VENDOR_COLOURS[i % len(VENDOR_COLOURS)]}]" + "█" * round(24 * n / peak) + "[/]"
            for i, n in enumerate(counts)
        )
        table.add_row(f"{hour:02d}:00", *(f"{n:,}" for n in counts), f"{sum(counts):,}", bar)
    console.print(table)
    events = data["router_events"]
    console.print(
        "Router: "
        + ", ".join(
            f"{events.get(name, 0):,} {label}"
            for name, label in (
                ("OfferAccepted", "offers accepted"),
                ("OfferRejected", "rejected"),
                ("OfferTimedOut", "timed out"),
                ("ItemEscalated", "escalations"),
                ("SlaAtRisk", "SLA warnings"),
                ("SlaBreached", "SLA breaches"),
            )
        )
        + "."
    )
