"""``kpo demo --html``: the report as one self-contained HTML file with inline SVG charts.

No scripts, no fonts, no network: the charts are SVG drawn here from the same JSON object
that ``--json`` prints, so the file opens anywhere and the figures agree with the terminal.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from kpo.domain.errors import ValidationError

__all__ = ["render_html", "write_html"]

PALETTE = ("#1f77b4", "#d62728", "#e7a800", "#2ca02c", "#9467bd", "#8c564b")
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
svg { display: block; margin: .5rem 0 1rem; } svg text { font-size: 11px; fill: #333; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; }
.note { color: #555; font-size: .85rem; }
"""


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _hbars(
    rows: list[tuple[str, float | None, float | None]], *, title: str, colour: str = PALETTE[0]
) -> str:
    """Horizontal bars of shares 0–1, with an optional goal marker per row."""
    label_w, bar_w, row_h = 220, 420, 26
    height = row_h * len(rows) + 30
    body: list[str] = []
    for i, (label, value, goal) in enumerate(rows):
        y = 10 + i * row_h
        body.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
        )
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" fill="#eee"/>')
        if value is not None:
            body.append(
                f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{bar_w * min(value, 1):.1f}" '
                f'height="16" fill="{colour}"/>'
            )
            body.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{value:.1%}</text>')
        if goal is not None:
            x = label_w + bar_w * goal
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 22}" stroke="#000" '
                'stroke-width="2" stroke-dasharray="3,2"/>'
            )
    for tick in (0, 0.5, 1):
        x = label_w + bar_w * tick
        body.append(f'<text x="{x:.0f}" y="{height - 4}" text-anchor="middle">{tick:.0%}</text>')
    return _svg(label_w + bar_w + 70, height, body, title)


def _stacked_hours(series: dict[str, list[int]], *, title: str, unit: str) -> str:
    """Stacked columns per UTC hour of day, one colour per vendor."""
    left, col_w, plot_h, top = 50, 26, 220, 10
    totals = [sum(values[h] for values in series.values()) for h in range(24)]
    peak = max([*totals, 1])
    body: list[str] = []
    for tick in (0, 0.5, 1):
        y = top + plot_h - plot_h * tick
        body.append(
            f'<line x1="{left}" x2="{left + 24 * col_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{peak * tick:,.0f}</text>'
        )
    for hour in range(24):
        x = left + hour * col_w + 2
        base = float(top + plot_h)
        for i, values in enumerate(series.values()):
            h = plot_h * values[hour] / peak
            if h > 0:
                base -= h
                tip = f"{hour:02d}:00 UTC {list(series)[i]}: {values[hour]:,} {unit}"
                body.append(
                    f'<rect class="bar" x="{x}" y="{base:.1f}" width="{col_w - 4}" '
                    f'height="{h:.1f}" fill="{PALETTE[i % len(PALETTE)]}">'
                    f"<title>{escape(tip)}</title></rect>"
                )
        if hour % 3 == 0:
            body.append(
                f'<text x="{x + col_w / 2 - 2}" y="{top + plot_h + 14}" text-anchor="middle">'
                f"{hour:02d}</text>"
            )
    body.append(
        f'<text x="{left + 12 * col_w}" y="{top + plot_h + 30}" text-anchor="middle">'
        "hour of day (UTC)</text>"
    )
    return _svg(left + 24 * col_w + 10, top + plot_h + 38, body, title)


def _legend(names: list[str]) -> str:
    return (
        '<p class="legend">'
        + "".join(
            f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{escape(n)}</span>'
            for i, n in enumerate(names)
        )
        + "</p>"
    )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def render_html(data: dict[str, Any]) -> str:
    """The demo report (the ``--json`` object) as an HTML document."""
    items = data["items"]
    lines = data["service_lines"]
    vendors = data["vendors"]
    names = {v["id"]: v.get("name", v["id"]) for v in vendors}
    per_item = data["cost_per_resolved_item"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>OpenKPO demo: the simulated week</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>OpenKPO demo: the simulated week</h1>",
        f'<p>Week from {escape(data["week_start"][:10])}, seed {data["seed"]}: '
        f"{items['arrived']:,} items arrived, {items['resolved']:,} resolved, "
        f"{items['abandoned']:,} abandoned, {items['cancelled']:,} cancelled, "
        f"{items['open']:,} open at the end."
        + (
            f" Cost per resolved item: {escape(per_item['amount'])} {escape(per_item['currency'])}."
            if per_item
            else ""
        )
        + "</p>",
        "<h2>SLA attainment per service line</h2>",
        '<p class="note">Calls and chats: share answered within the target time (dashed line:'
        " the target share). Tickets: share with the first response by its business-time due"
        " instant.</p>",
        _hbars(
            [(f"{line['name']} ({line['channel']})", line["sla_attainment"], line["sla_goal"])
             for line in lines],
            title="SLA attainment per service line",
        ),
        _table(
            ["service line", "client", "channel", "items", "SLA target", "attained", "ASA s",
             "abandoned"],
            [
                [line["name"], line["client"], line["channel"], f"{line['items']:,}",
                 line["sla_target"], _pct(line["sla_attainment"]),
                 "—" if line["asa_seconds"] is None else f"{line['asa_seconds']:,.0f}",
                 _pct(line["abandonment_rate"])]
                for line in lines
            ],
        ),
        "<h2>Occupancy per vendor</h2>",
        _hbars(
            [(names[v["id"]], v["occupancy"], None) for v in vendors],
            title="Occupancy per vendor",
            colour=PALETTE[3],
        ),
        _table(
            ["vendor", "specialists", "items", "occupancy", "on-shift h", "cost"],
            [
                [names[v["id"]], str(v["specialists"]), f"{v['items']:,}", _pct(v["occupancy"]),
                 f"{v['staffed_hours']:,.0f}", f"{v['cost']['amount']} {v['cost']['currency']}"]
                for v in vendors
            ],
        ),
        "<h2>Follow-the-sun: items handled per UTC hour, whole week</h2>",
        _legend([names.get(v, v) for v in data["handled_by_utc_hour"]]),
        _stacked_hours(
            data["handled_by_utc_hour"], title="Items handled per UTC hour by vendor", unit="items"
        ),
        f"<h2>Specialists on shift per UTC hour, {escape(data['sample_day'])}</h2>",
        _legend([names.get(v, v) for v in data["on_shift_by_utc_hour"]]),
        _stacked_hours(
            data["on_shift_by_utc_hour"],
            title="Specialists on shift per UTC hour by vendor",
            unit="specialists",
        ),
        "</body></html>",
    ]  # fmt: skip
    return "\n".join(parts) + "\n"


def write_html(path: Path, data: dict[str, Any]) -> None:
    try:
        path.write_text(render_html(data), encoding="utf-8")
    except OSError as error:
        raise ValidationError(f"cannot write {path}: {error.strerror}", field="html") from error
