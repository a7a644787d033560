"""A self-contained HTML report of one event's show analytics: figures, SVG charts, tables (no scripts,
no external files), so it opens in any browser, prints, and can be mailed."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], chart_id: str, width: int = 560,
              height: int = 180) -> str:
    """An SVG bar chart; each bar carries its label and value in `data-` attributes and a <title>."""
    top = max([float(v) for v in values] + [1e-9])
    n = max(1, len(values))
    gap = 4
    bar_w = max(2.0, (width - 40 - gap * n) / n)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (height - 40) * float(value) / top
        x = 30 + i * (bar_w + gap)
        bars.append(f'<rect class="bar" x="{x:.1f}" y="{height - 20 - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'data-label="{escape(str(label))}" data-value="{value:g}"><title>{escape(str(label))}: '
                    f'{value:g}</title></rect>')
        if n <= 24:
            bars.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 5}" text-anchor="middle">{escape(str(label))}</text>')
    return (f'<figure><figcaption>{escape(title)}</figcaption><svg id="{chart_id}" role="img" '
            f'aria-label="{escape(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<line x1="28" y1="{height - 20}" x2="{width - 5}" y2="{height - 20}" stroke="#888"/>'
            f'{"".join(bars)}</svg></figure>')


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def html_report(result: dict[str, Any], title: str) -> str:
    """The report page of `show.combine`'s result."""
    figures = [("Hands", f"{result['hands']:,}"), ("Hands per hour", _num(result["hands_per_hour"])),
               ("Average pot", _num(result["average_pot"], 0)), ("Showdown rate", _pct(result["showdown_rate"])),
               ("Tables", str(result["tables"])), ("Hours played", _num(result["played_hours"], 2))]
    cards = "".join(f'<div class="figure" data-name="{escape(k)}"><span>{escape(k)}</span><b>{escape(v)}</b></div>'
                    for k, v in figures)
    hours = result["by_hour"]
    charts = [bar_chart("Hands per hour of the show", [f"h{h['hour'] + 1}" for h in hours],
                        [h["hands"] for h in hours], "chart-hours")]
    for key, label in (("vpip", "VPIP"), ("pfr", "PFR"), ("aggression", "Aggression factor")):
        bins = result["distributions"][key]
        scale = 100 if key != "aggression" else 1
        charts.append(bar_chart(f"{label}: players per bin", [f"{b['low'] * scale:g}" for b in bins],
                                [b["count"] for b in bins], f"chart-{key}"))
    players = "".join(
        f"<tr><td>{escape(p['player'])}</td><td>{p['hands']}</td><td>{_pct(p['vpip'])}</td><td>{_pct(p['pfr'])}</td>"
        f"<td>{_num(p['aggression'], 2)}</td><td>{p['won']:,}</td><td>{_num(p['table_time_s'] / 60, 1)}</td></tr>"
        for p in result["players"])
    pots = "".join(f"<tr><td>{escape(str(p['table']))}</td><td>{p['hand_number']}</td><td>{p['pot']:,}</td></tr>"
                   for p in result["biggest_pots"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 24px; color: #222; }}
.figures {{ display: flex; gap: 12px; flex-wrap: wrap; }}
.figure {{ border: 1px solid #ccc; border-radius: 6px; padding: 8px 12px; min-width: 120px; }}
.figure span {{ display: block; color: #666; font-size: 12px; }} .figure b {{ font-size: 20px; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 16px; }} figure {{ margin: 0; }}
figcaption {{ font-weight: 600; margin: 8px 0; }} .bar {{ fill: #2f6fbf; }} svg text {{ font-size: 10px; fill: #444; }}
table {{ border-collapse: collapse; margin-top: 8px; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
</style></head><body>
<h1>{escape(title)}</h1>
<section class="figures">{cards}</section>
<section class="charts">{"".join(charts)}</section>
<h2>Players</h2>
<table id="players"><thead><tr><th>Player</th><th>Hands</th><th>VPIP</th><th>PFR</th><th>AF</th><th>Won</th>
<th>Table time (min)</th></tr></thead><tbody>{players}</tbody></table>
<h2>Biggest pots</h2>
<table id="pots"><thead><tr><th>Table</th><th>Hand</th><th>Pot</th></tr></thead><tbody>{pots}</tbody></table>
</body></html>
"""
