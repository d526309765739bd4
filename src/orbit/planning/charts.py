"""Dashboard charts as standalone SVG strings, built on the server like the indicator charts.

Each bar segment is a link to the records behind it (``<a href>`` inside the SVG) and carries its own
``<title>``; the root has a ``viewBox``, a ``<title>`` and a ``<desc>``.  No script, no external asset, so
the same markup goes into pages and, later, into PDF reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from orbit.results.charts import attr, escape, fmt, nice_ticks

#: Status colours (on white, each at least 4.5:1), in the order the bars stack.
STATUS_COLOURS = {
    "on_track": "#1e6b3a",
    "at_risk": "#b36b00",
    "off_track": "#a4262c",
    "no_data": "#8a96a5",
}
ACTIVITY_COLOURS = {
    "planned": "#55606e",
    "ongoing": "#0b4f8a",
    "completed": "#1e6b3a",
    "delayed": "#b36b00",
    "cancelled": "#a4262c",
}
AMOUNT_COLOURS = {"planned": "#0b4f8a", "committed": "#b36b00", "spent": "#1e6b3a"}


@dataclass(frozen=True)
class BarRow:
    label: str
    counts: dict[str, int]
    #: Link for each segment key (or one link for the whole row under the key "").
    links: dict[str, str]


def _open(title: str, desc: str, width: int, height: int, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id={attr(chart_id)} class="chart" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _legend(labels: dict[str, str], colours: dict[str, str], y: int) -> list[str]:
    parts, x = [], 8
    for key, label in labels.items():
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colours[key]}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    return parts


def stacked_bars(
    rows: Sequence[BarRow],
    *,
    labels: dict[str, str],
    colours: dict[str, str],
    title: str,
    desc: str,
    chart_id: str,
    width: int = 640,
) -> str:
    """One horizontal bar per row, its segments stacked in the order of ``labels``, scaled to the largest row."""
    label_width = min(150, width // 3)
    bar_height, gap, top = 18, 8, 30
    height = top + len(rows) * (bar_height + gap) + 16
    out = _open(title, desc, width, max(height, 60), chart_id)
    out += _legend(labels, colours, 6)
    largest = max((sum(row.counts.values()) for row in rows), default=0) or 1
    scale = (width - label_width - 60) / largest
    for index, row in enumerate(rows):
        y = top + index * (bar_height + gap)
        room = max(8, label_width // 7)
        text = row.label if len(row.label) <= room else row.label[: room - 1] + "…"
        out.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end"><title>{escape(row.label)}</title>'
                   f"{escape(text)}</text>")  # fmt: skip
        x = float(label_width)
        total = 0
        for key in labels:
            count = int(row.counts.get(key, 0))
            if not count:
                continue
            total += count
            w = count * scale
            link = row.links.get(key) or row.links.get("")
            rect = (
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colours[key]}" '
                f'data-key={attr(key)} data-value="{count}"><title>{escape(row.label)}: {escape(labels[key])} '
                f"{count}</title></rect>"
            )
            out.append(f"<a href={attr(link)}>{rect}</a>" if link else rect)
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{total}</text>')
    if not rows:
        out.append(f'<text x="{width / 2}" y="45" text-anchor="middle">—</text>')
    out.append("</svg>")
    return "".join(out)


def grouped_amounts(
    rows: Sequence[tuple[str, dict[str, Decimal], str]],
    *,
    labels: dict[str, str],
    currency: str,
    title: str,
    desc: str,
    chart_id: str,
    width: int = 640,
) -> str:
    """Planned, committed and spent side by side per row (one currency), each group linking to its records."""
    label_width = 150
    bar_height, group_gap, top = 10, 10, 30
    group_height = len(labels) * bar_height + group_gap
    height = top + len(rows) * group_height + 30
    out = _open(title, desc, width, max(height, 70), chart_id)
    out += _legend(labels, AMOUNT_COLOURS, 6)
    largest = max((float(v) for _l, amounts, _h in rows for v in amounts.values()), default=0.0) or 1.0
    ticks = nice_ticks(0, largest)
    top_tick = max(ticks[-1], largest) if ticks else largest
    scale = (width - label_width - 70) / top_tick
    for index, (label, amounts, link) in enumerate(rows):
        y = top + index * group_height
        text = label if len(label) <= 24 else label[:23] + "…"
        out.append(f'<a href={attr(link)}><text x="{label_width - 6}" y="{y + 18}" text-anchor="end">'
                   f"<title>{escape(label)}</title>{escape(text)}</text></a>")  # fmt: skip
        for offset, key in enumerate(labels):
            value = amounts.get(key) or Decimal(0)
            w = float(value) * scale
            by = y + offset * bar_height
            out.append(
                f'<a href={attr(link)}><rect x="{label_width}" y="{by}" width="{w:.1f}" height="{bar_height - 1}" '
                f'fill="{AMOUNT_COLOURS[key]}" data-key={attr(key)} data-value="{fmt(value)}"><title>'
                f"{escape(label)}: {escape(labels[key])} {fmt(value)} {escape(currency)}</title></rect></a>"
            )
    axis_y = top + len(rows) * group_height + 4
    for tick in ticks:
        x = label_width + tick * scale
        out.append(f'<text x="{x:.1f}" y="{axis_y + 12}" text-anchor="middle" font-size="10">{fmt(tick)}</text>')
    out.append(f'<text x="{width - 4}" y="{axis_y + 24}" text-anchor="end" font-size="10">{escape(currency)}</text>')
    out.append("</svg>")
    return "".join(out)
