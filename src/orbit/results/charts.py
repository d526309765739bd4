"""Charts of indicators as standalone SVG, built as plain strings on the server.

No script, no external asset: the same markup is inlined in pages and can be embedded in PDF reports.
Every piece of text is XML-escaped; the root carries a ``viewBox`` (so it scales), a ``<title>`` and a
``<desc>`` (so screen readers announce it), and axis labels.  Each plotted point carries ``data-period``
and ``data-value`` attributes and its own ``<title>`` (a tooltip and a machine-readable trace).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr

Number = Decimal | int | float

WIDTH = 640
HEIGHT = 320
MARGIN_LEFT = 64
MARGIN_RIGHT = 20
MARGIN_TOP = 44
MARGIN_BOTTOM = 64
#: Colours chosen for contrast on white (each at least 4.5:1) and told apart by line style and marker too.
TARGET_COLOUR = "#0b4f8a"
ACTUAL_COLOUR = "#1e6b3a"
BASELINE_COLOUR = "#55606e"
CATEGORY_COLOURS = ("#0b4f8a", "#a4262c", "#1e6b3a", "#7a4b00", "#5b2a86", "#00606b", "#4a4f57", "#8a3b00")


def escape(text: object) -> str:
    """Text content, safe inside an XML element."""
    return _xml_escape(str(text), {'"': "&quot;", "'": "&#x27;"})


def attr(value: object) -> str:
    """An attribute value, quoted and escaped."""
    return quoteattr(str(value))


def fmt(value: Number | None) -> str:
    """A number as people read it: no exponent, no trailing zeros."""
    if value is None:
        return "—"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):f}"
    text = f"{number.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _coord(value: float) -> str:
    return f"{value:.1f}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``..``high`` (steps of 1, 2 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step / 2:
        ticks.append(round(value, 10))
        value += step
    return ticks


@dataclass
class Series:
    """One line (or set of bars): a name for the legend and one value per period (None where missing)."""

    name: str
    values: list[Number | None]
    kind: str = "actual"  # "target", "actual" or "category" (a CSS class and a style)
    colour: str = ACTUAL_COLOUR
    dashed: bool = False
    marker: str = "circle"  # "circle" or "square"


@dataclass
class ChartText:
    """The words of a chart, translated by the caller."""

    title: str
    desc: str
    x_label: str
    y_label: str
    baseline: str = "Baseline"
    no_data: str = "No data"
    extra: dict[str, str] = field(default_factory=dict)


class _Frame:
    """Scales from data to the plot area."""

    def __init__(self, periods: Sequence[str], values: Sequence[float], width: int, height: int) -> None:
        self.periods = list(periods)
        self.width, self.height = width, height
        self.left, self.right = MARGIN_LEFT, width - MARGIN_RIGHT
        self.top, self.bottom = MARGIN_TOP, height - MARGIN_BOTTOM
        low = min([0.0, *values])
        high = max([0.0, *values])
        if high == low:
            high = low + 1
        self.ticks = nice_ticks(low, high + (high - low) * 0.05)
        self.low, self.high = self.ticks[0], self.ticks[-1]

    @property
    def band(self) -> float:
        return (self.right - self.left) / max(len(self.periods), 1)

    def x(self, index: int) -> float:
        return self.left + self.band * (index + 0.5)

    def y(self, value: float) -> float:
        span = self.high - self.low or 1
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)


def _open(text: ChartText, chart_id: str, width: int, height: int, css_class: str) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" class={attr(css_class)} id={attr(chart_id)} '
        f"aria-labelledby={attr(title_id + ' ' + desc_id)} "
        "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', "
        'sans-serif" font-size="12">',
        f"<title id={attr(title_id)}>{escape(text.title)}</title>",
        f"<desc id={attr(desc_id)}>{escape(text.desc)}</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _axes(frame: _Frame, text: ChartText) -> list[str]:
    parts = ['<g class="axes" fill="#1b2430" stroke="none">']
    for tick in frame.ticks:
        y = _coord(frame.y(tick))
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.right}" y1="{y}" y2="{y}" stroke="#d5dbe3" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{frame.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(fmt(Decimal(str(tick))))}</text>"
        )
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.right}" y1="{frame.bottom}" y2="{frame.bottom}" '
        'stroke="#55606e" stroke-width="1"/>'
    )
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.left}" y1="{frame.top}" y2="{frame.bottom}" '
        'stroke="#55606e" stroke-width="1"/>'
    )
    for index, period in enumerate(frame.periods):
        parts.append(
            f'<text class="x-tick" x="{_coord(frame.x(index))}" y="{frame.bottom + 16}" text-anchor="middle">'
            f"{escape(period)}</text>"
        )
    parts.append(
        f'<text class="x-label" x="{_coord((frame.left + frame.right) / 2)}" y="{frame.height - 12}" '
        f'text-anchor="middle" font-weight="600">{escape(text.x_label)}</text>'
    )
    middle = _coord((frame.top + frame.bottom) / 2)
    parts.append(
        f'<text class="y-label" x="14" y="{middle}" text-anchor="middle" font-weight="600" '
        f'transform="rotate(-90 14 {middle})">{escape(text.y_label)}</text>'
    )
    parts.append("</g>")
    return parts


def _legend(entries: list[tuple[str, str, bool, str]], width: int) -> list[str]:
    """Legend along the top: (name, colour, dashed, marker) for each entry."""
    parts = ['<g class="legend">']
    x = float(MARGIN_LEFT)
    for name, colour, dashed, marker in entries:
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        parts.append(
            f'<line x1="{_coord(x)}" x2="{_coord(x + 22)}" y1="18" y2="18" stroke={attr(colour)} '
            f'stroke-width="2.5"{dash}/>'
        )
        parts.append(_marker(marker, x + 11, 18, colour))
        parts.append(f'<text x="{_coord(x + 28)}" y="18" dominant-baseline="middle">{escape(name)}</text>')
        x += 40 + 7.5 * len(name)
        if x > width - 80:
            break
    parts.append("</g>")
    return parts


def _marker(shape: str, x: float, y: float, colour: str, extra: str = "", inner: str = "") -> str:
    if shape == "square":
        return (
            f'<rect x="{_coord(x - 4)}" y="{_coord(y - 4)}" width="8" height="8" fill={attr(colour)}{extra}>'
            f"{inner}</rect>"
        )
    return f'<circle cx="{_coord(x)}" cy="{_coord(y)}" r="4" fill={attr(colour)}{extra}>{inner}</circle>'


def _floats(values: Sequence[Number | None]) -> list[float]:
    return [float(v) for v in values if v is not None]


def line_chart(
    *,
    periods: Sequence[str],
    series: Sequence[Series],
    text: ChartText,
    baseline: Number | None = None,
    chart_id: str = "chart",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Lines over periods (targets dashed, actuals solid), with an optional horizontal baseline."""
    every = [v for s in series for v in _floats(s.values)]
    if baseline is not None:
        every.append(float(baseline))
    frame = _Frame(periods, every, width, height)
    parts = _open(text, chart_id, width, height, "chart line-chart")
    parts += _axes(frame, text)
    legend: list[tuple[str, str, bool, str]] = []
    if baseline is not None:
        y = _coord(frame.y(float(baseline)))
        parts.append(
            f'<line class="baseline" x1="{frame.left}" x2="{frame.right}" y1="{y}" y2="{y}" '
            f'stroke="{BASELINE_COLOUR}" stroke-width="1.5" stroke-dasharray="2 3" data-value={attr(fmt(baseline))}>'
            f"<title>{escape(text.baseline)}: {escape(fmt(baseline))}</title></line>"
        )
        legend.append((f"{text.baseline}: {fmt(baseline)}", BASELINE_COLOUR, True, "none"))
    if not every or not periods:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="no-data">{escape(text.no_data)}</text>'
        )
    for item in series:
        legend.append((item.name, item.colour, item.dashed, item.marker))
        points = [(i, v) for i, v in enumerate(item.values) if v is not None and i < len(frame.periods)]
        if len(points) > 1:
            coords = " ".join(f"{_coord(frame.x(i))},{_coord(frame.y(float(v)))}" for i, v in points)
            dash = ' stroke-dasharray="6 4"' if item.dashed else ""
            parts.append(
                f'<polyline class={attr("series " + item.kind)} points={attr(coords)} fill="none" '
                f'stroke={attr(item.colour)} stroke-width="2.5"{dash}/>'
            )
        parts.append(f"<g class={attr('points ' + item.kind)}>")
        for index, value in points:
            period = frame.periods[index]
            label = f"{item.name}, {period}: {fmt(value)}"
            parts.append(
                _marker(
                    item.marker,
                    frame.x(index),
                    frame.y(float(value)),
                    item.colour,
                    extra=f" class={attr('point ' + item.kind)} data-period={attr(period)} "
                    f"data-value={attr(fmt(value))}",
                    inner=f"<title>{escape(label)}</title>",
                )
            )
        parts.append("</g>")
    parts += _legend([e for e in legend if e[3] != "none"] + [e for e in legend if e[3] == "none"], width)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    *,
    periods: Sequence[str],
    series: Sequence[Series],
    text: ChartText,
    chart_id: str = "chart",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Grouped bars: one group per period, one bar per series (e.g. per disaggregation category)."""
    every = [v for s in series for v in _floats(s.values)]
    frame = _Frame(periods, every, width, height)
    parts = _open(text, chart_id, width, height, "chart bar-chart")
    parts += _axes(frame, text)
    if not every or not periods:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="no-data">{escape(text.no_data)}</text>'
        )
    group = frame.band * 0.8
    bar = group / max(len(series), 1)
    zero = frame.y(max(0.0, frame.low))
    for number, item in enumerate(series):
        parts.append(f"<g class={attr('bars ' + item.kind)}>")
        for index, value in enumerate(item.values[: len(frame.periods)]):
            if value is None:
                continue
            x = frame.x(index) - group / 2 + bar * number
            y = frame.y(float(value))
            top, size = min(y, zero), abs(zero - y)
            period = frame.periods[index]
            parts.append(
                f'<rect class="bar" x="{_coord(x)}" y="{_coord(top)}" width="{_coord(max(bar - 2, 1))}" '
                f'height="{_coord(size)}" fill={attr(item.colour)} data-period={attr(period)} '
                f"data-value={attr(fmt(value))}><title>{escape(f'{item.name}, {period}: {fmt(value)}')}</title></rect>"
            )
        parts.append("</g>")
    parts += _legend([(s.name, s.colour, False, "square") for s in series], width)
    parts.append("</svg>")
    return "".join(parts)


def indicator_chart(series: dict[str, object], text: ChartText, *, chart_id: str = "indicator-chart") -> str:
    """Baseline, targets and actuals over time, from :func:`orbit.results.selectors.indicator_series`."""
    overall = list(series.get("overall") or [])  # type: ignore[call-overload]
    periods = [point.period_label for point in overall]
    lines = [
        Series(
            name=text.extra.get("target", "Target"),
            values=[point.target for point in overall],
            kind="target",
            colour=TARGET_COLOUR,
            dashed=True,
            marker="square",
        ),
        Series(
            name=text.extra.get("actual", "Actual"),
            values=[point.actual for point in overall],
            kind="actual",
            colour=ACTUAL_COLOUR,
        ),
    ]
    baseline = series.get("baseline")
    return line_chart(
        periods=periods,
        series=lines,
        text=text,
        baseline=baseline if isinstance(baseline, Decimal | int | float) else None,
        chart_id=chart_id,
    )


def category_chart(
    by_category: dict[str, dict[str, Decimal]],
    category_names: dict[str, str],
    text: ChartText,
    *,
    chart_id: str = "category-chart",
) -> str:
    """Actual values by disaggregation category and period (grouped bars)."""
    periods = sorted({period for values in by_category.values() for period in values})
    series = [
        Series(
            name=category_names.get(code, code),
            values=[values.get(period) for period in periods],
            kind="category",
            colour=CATEGORY_COLOURS[number % len(CATEGORY_COLOURS)],
        )
        for number, (code, values) in enumerate(sorted(by_category.items()))
    ]
    return bar_chart(periods=periods, series=series, text=text, chart_id=chart_id)
