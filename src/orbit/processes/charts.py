"""Pictures of process prioritisation as standalone SVG strings: the value/effort matrix and a digitisation heatmap.

They follow the conventions of :mod:`orbit.results.charts` and :mod:`orbit.planning.charts`: a ``viewBox`` (so
the picture scales), a ``<title>`` and a ``<desc>`` named by ``aria-labelledby`` (so screen readers announce
it), every mark a link (``<a href>``) to the records behind it with its own ``<title>``, text colours of at least
4.5:1 against what they sit on, no script and no external asset (the same markup goes into pages and PDF
reports).  Every word comes from the caller, already translated; the English defaults are only fallbacks.
Output depends on the data alone, never on input order, so two renderings of the same round are identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orbit.processes.scoring import QuickWinRule, quantise
from orbit.results.charts import attr, escape, fmt, nice_ticks

TEXT_COLOUR = "#1b2430"
MUTED_COLOUR = "#55606e"
GRID_COLOUR = "#d5dbe3"
#: Quick wins: dark green diamonds; other processes: blue circles (shape tells them apart, not only colour).
QUICK_WIN_COLOUR = "#1e6b3a"
OTHER_COLOUR = "#0b4f8a"
QUICK_WIN_SHADE = "#e6f2e8"
LEADER_COLOUR = "#8a96a5"
#: Heatmap shades from none to most, each with the text colour that reads on it (at least 4.5:1).
HEAT_SHADES = (
    ("#f4f6f8", MUTED_COLOUR),
    ("#deebf7", TEXT_COLOUR),
    ("#a8cbe6", TEXT_COLOUR),
    ("#3a76ad", "#ffffff"),
    ("#0b4f8a", "#ffffff"),
)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', sans-serif"


def _open(title: str, desc: str, width: int, height: int, chart_id: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f"aria-labelledby={attr(f'{chart_id}-title {chart_id}-desc')} id={attr(chart_id)} "
        f'class={attr(css_class)} font-family={attr(FONT)} font-size="12">',
        f"<title id={attr(chart_id + '-title')}>{escape(title)}</title>",
        f"<desc id={attr(chart_id + '-desc')}>{escape(desc)}</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _c(value: float) -> str:
    return f"{value:.1f}"


def _two(number: Decimal) -> str:
    """A score as shown everywhere: two decimal places."""
    return f"{quantise(number):f}"


def _short(text: str, room: int) -> str:
    """``text`` cut to ``room`` characters (the whole of it stays in the mark's ``<title>``)."""
    return text if len(text) <= room else text[: max(room - 1, 1)] + "…"


def _within(number: Decimal) -> float:
    return min(max(float(number), 0.0), 10.0)


# --- Value/effort matrix ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixPoint:
    """One process on the matrix: its score's two axes (0–10), the page it links to, and whether it is a quick win."""

    id: int
    label: str
    value: Decimal
    effort: Decimal
    href: str
    quick_win: bool
    #: The process's rank in its round (1 = first); quick wins are numbered in this order when given.
    rank: int = 0


@dataclass(frozen=True)
class MatrixLabels:
    """The words of the matrix, translated by the caller (these English ones are fallbacks)."""

    x_label: str = "Effort"
    y_label: str = "Value"
    quick_wins: str = "Quick wins"
    major_projects: str = "Major projects"
    fill_ins: str = "Fill-ins"
    thankless: str = "Thankless tasks"
    quick_win: str = "Quick win"
    other: str = "Other process"
    no_data: str = "No process scored yet"


MATRIX_WIDTH = 900
MATRIX_HEIGHT = 530
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 64, 600, 60, 468
#: The list of quick wins, right of the plot: where it starts, and the height of a line.
LIST_LEFT, LIST_LINE = 628, 18
LIST_ROWS = (PLOT_BOTTOM - PLOT_TOP) // LIST_LINE
#: Markers closer than this (in pixels) would hide one another, so the later one moves aside.
MARKER_GAP = 12.0
_RINGS = 6


def _x(effort: float) -> float:
    return PLOT_LEFT + effort / 10 * (PLOT_RIGHT - PLOT_LEFT)


def _y(value: float) -> float:
    return PLOT_BOTTOM - value / 10 * (PLOT_BOTTOM - PLOT_TOP)


def _candidates(x: float, y: float) -> Iterator[tuple[float, float]]:
    """The true position first, then rings around it (6, 12, 18 … places, starting straight above)."""
    yield x, y
    for ring in range(1, _RINGS + 1):
        places = 6 * ring
        for step in range(places):
            angle = -math.pi / 2 + 2 * math.pi * step / places
            yield x + round(MARKER_GAP * ring * math.cos(angle), 3), y + round(MARKER_GAP * ring * math.sin(angle), 3)


class _Placer:
    """Puts markers where they do not cover one another, in a fixed order, so the result is deterministic.

    A point sits at its true position if that is free, else at the first free place on rings around it (a thin
    line joins it to its true position); after six rings (126 places) it stays where it is.  A grid of
    ``MARKER_GAP`` cells keeps each check to nine cells, so a thousand points at one spot still place quickly.
    """

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def _free(self, x: float, y: float) -> bool:
        column, row = int(x // MARKER_GAP), int(y // MARKER_GAP)
        limit = MARKER_GAP * MARKER_GAP - 1e-6
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for px, py in self.cells.get((column + dx, row + dy), ()):
                    if (px - x) ** 2 + (py - y) ** 2 < limit:
                        return False
        return True

    def place(self, x: float, y: float) -> tuple[float, float]:
        chosen = (x, y)
        for cx, cy in _candidates(x, y):
            inside = PLOT_LEFT <= cx <= PLOT_RIGHT and PLOT_TOP <= cy <= PLOT_BOTTOM
            if inside and self._free(cx, cy):
                chosen = (cx, cy)
                break
        self.cells.setdefault((int(chosen[0] // MARKER_GAP), int(chosen[1] // MARKER_GAP)), []).append(chosen)
        return chosen


class _Boxes:
    """Rectangles already taken (markers, numbers), hashed by 24-pixel cells so a check looks at few of them."""

    CELL = 24

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _keys(self, box: tuple[float, float, float, float]) -> Iterator[tuple[int, int]]:
        left, top, right, bottom = box
        for column in range(int(left // self.CELL), int(right // self.CELL) + 1):
            for row in range(int(top // self.CELL), int(bottom // self.CELL) + 1):
                yield column, row

    def free(self, box: tuple[float, float, float, float]) -> bool:
        left, top, right, bottom = box
        for key in self._keys(box):
            for other in self.cells.get(key, ()):
                if left < other[2] and other[0] < right and top < other[3] and other[1] < bottom:
                    return False
        return True

    def add(self, box: tuple[float, float, float, float]) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)


#: Where a quick win's number may go, tried in order: (offset x, offset y, text anchor).
_NUMBER_PLACES = (
    (9, -8, "start"),
    (9, 8, "start"),
    (-9, -8, "end"),
    (-9, 8, "end"),
    (11, 0, "start"),
    (-11, 0, "end"),
    (0, -14, "middle"),
    (0, 14, "middle"),
)


def _number_places(
    placed: Sequence[tuple[MatrixPoint, int, float, float]],
) -> dict[int, tuple[float, float, str]]:
    """Where each quick win's number goes: the first place beside its marker that covers no marker and no other
    number (markers and the quadrant names above the plot are obstacles), else the first place."""
    boxes = _Boxes()
    for point, _number, x, y in placed:
        size = 7 if point.quick_win else 5
        boxes.add((x - size, y - size, x + size, y + size))
    boxes.add((PLOT_LEFT, PLOT_TOP - 28, PLOT_RIGHT, PLOT_TOP - 4))  # the quadrant names above the plot
    boxes.add((0, PLOT_TOP - 8, PLOT_LEFT - 2, PLOT_BOTTOM + 8))  # the value ticks
    boxes.add((PLOT_LEFT - 10, PLOT_BOTTOM + 6, PLOT_RIGHT + 10, MATRIX_HEIGHT))  # the effort ticks
    where: dict[int, tuple[float, float, str]] = {}
    for point, number, x, y in placed:
        if not point.quick_win:
            continue
        width = 6.5 * len(str(number)) + 2
        chosen: tuple[float, float, str] | None = None
        for dx, dy, anchor in _NUMBER_PLACES:
            tx, ty = x + dx, y + dy
            left = tx if anchor == "start" else tx - width if anchor == "end" else tx - width / 2
            box = (left, ty - 6, left + width, ty + 6)
            if left >= 0 and left + width <= LIST_LEFT - 4 and boxes.free(box):
                boxes.add(box)
                chosen = (tx, ty, anchor)
                break
        where[number] = chosen or (x + _NUMBER_PLACES[0][0], y + _NUMBER_PLACES[0][1], _NUMBER_PLACES[0][2])
    return where


def _matrix_axes(labels: MatrixLabels) -> list[str]:
    parts = [f'<g class="axes" fill="{TEXT_COLOUR}" stroke="none">']
    for tick in nice_ticks(0, 10):
        if tick > 10:
            continue
        x, y = _c(_x(tick)), _c(_y(tick))
        shown = escape(fmt(Decimal(str(tick))))
        parts.append(f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y}" y2="{y}" stroke="{GRID_COLOUR}"/>')
        parts.append(f'<line x1="{x}" x2="{x}" y1="{PLOT_TOP}" y2="{PLOT_BOTTOM}" stroke="{GRID_COLOUR}"/>')
        parts.append(f'<text x="{PLOT_LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">{shown}</text>')
        parts.append(f'<text x="{x}" y="{PLOT_BOTTOM + 16}" text-anchor="middle">{shown}</text>')
    parts.append(
        f'<rect x="{PLOT_LEFT}" y="{PLOT_TOP}" width="{PLOT_RIGHT - PLOT_LEFT}" height="{PLOT_BOTTOM - PLOT_TOP}" '
        f'fill="none" stroke="{MUTED_COLOUR}"/>'
    )
    middle_x, middle_y = _c((PLOT_LEFT + PLOT_RIGHT) / 2), _c((PLOT_TOP + PLOT_BOTTOM) / 2)
    parts.append(
        f'<text class="x-label" x="{middle_x}" y="{PLOT_BOTTOM + 56}" text-anchor="middle" font-weight="600">'
        f"{escape(labels.x_label)}</text>"
    )
    parts.append(
        f'<text class="y-label" x="18" y="{middle_y}" text-anchor="middle" font-weight="600" '
        f'transform="rotate(-90 18 {middle_y})">{escape(labels.y_label)}</text>'
    )
    parts.append("</g>")
    return parts


def _quadrants(rule: QuickWinRule, labels: MatrixLabels) -> list[str]:
    """The quick-win quadrant shaded, the rule's two lines dashed, and the four quadrants named outside the plot
    (above it for the high-value two, under the effort ticks for the others), where no point can cover them."""
    split_x, split_y = _x(_within(rule.max_effort)), _y(_within(rule.min_value))
    limits = f"{labels.y_label} ≥ {fmt(rule.min_value)}, {labels.x_label} ≤ {fmt(rule.max_effort)}"
    parts = [
        f'<rect class="quadrant quick-wins" x="{PLOT_LEFT}" y="{PLOT_TOP}" width="{_c(split_x - PLOT_LEFT)}" '
        f'height="{_c(split_y - PLOT_TOP)}" fill="{QUICK_WIN_SHADE}" data-min-value={attr(fmt(rule.min_value))} '
        f"data-max-effort={attr(fmt(rule.max_effort))}><title>{escape(f'{labels.quick_wins}: {limits}')}</title>"
        "</rect>",
        f'<line class="rule" x1="{_c(split_x)}" x2="{_c(split_x)}" y1="{PLOT_TOP}" y2="{PLOT_BOTTOM}" '
        f'stroke="{MUTED_COLOUR}" stroke-dasharray="5 4"/>',
        f'<line class="rule" x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{_c(split_y)}" y2="{_c(split_y)}" '
        f'stroke="{MUTED_COLOUR}" stroke-dasharray="5 4"/>',
    ]
    corners = (
        ("quick-wins", labels.quick_wins, PLOT_LEFT, PLOT_TOP - 14, "start", QUICK_WIN_COLOUR),
        ("major-projects", labels.major_projects, PLOT_RIGHT, PLOT_TOP - 14, "end", MUTED_COLOUR),
        ("fill-ins", labels.fill_ins, PLOT_LEFT, PLOT_BOTTOM + 36, "start", MUTED_COLOUR),
        ("thankless", labels.thankless, PLOT_RIGHT, PLOT_BOTTOM + 36, "end", MUTED_COLOUR),
    )
    for name, text, x, y, anchor, colour in corners:
        parts.append(
            f'<text class={attr("quadrant-label " + name)} x="{x}" y="{y}" text-anchor="{anchor}" fill="{colour}" '
            f'font-weight="600">{escape(text)}</text>'
        )
    return parts


def _diamond(x: float, y: float, size: float = 7.0) -> str:
    return (
        f'<path d="M{_c(x)},{_c(y - size)} L{_c(x + size)},{_c(y)} L{_c(x)},{_c(y + size)} L{_c(x - size)},{_c(y)} Z" '
        f'fill="{QUICK_WIN_COLOUR}" stroke="#ffffff" stroke-width="1"/>'
    )


def _circle(x: float, y: float) -> str:
    return f'<circle cx="{_c(x)}" cy="{_c(y)}" r="5" fill="{OTHER_COLOUR}" stroke="#ffffff" stroke-width="1"/>'


def _matrix_legend(labels: MatrixLabels) -> list[str]:
    width_first = 36 + 7 * len(labels.quick_win)
    return [
        '<g class="legend">',
        _diamond(PLOT_LEFT + 8, 18),
        f'<text x="{PLOT_LEFT + 20}" y="18" dominant-baseline="middle">{escape(labels.quick_win)}</text>',
        _circle(PLOT_LEFT + width_first + 8, 18),
        f'<text x="{PLOT_LEFT + width_first + 20}" y="18" dominant-baseline="middle">{escape(labels.other)}</text>',
        "</g>",
    ]


def _halo_text(x: float, y: float, text: str, css: str, anchor: str = "start", size: int = 11) -> str:
    """Text with a white outline, readable over grid lines and shading."""
    return (
        f'<text class={attr(css)} x="{_c(x)}" y="{_c(y)}" text-anchor="{anchor}" dominant-baseline="middle" '
        f'font-size="{size}" font-weight="600" fill="{TEXT_COLOUR}" stroke="#ffffff" stroke-width="3" '
        f'paint-order="stroke">{escape(text)}</text>'
    )


def _point_title(point: MatrixPoint, words: MatrixLabels) -> str:
    tooltip = f"{point.label}: {words.y_label} {_two(point.value)}, {words.x_label} {_two(point.effort)}"
    return f"{tooltip} ({words.quick_win})" if point.quick_win else tooltip


def _quick_win_list(quick_wins: Sequence[MatrixPoint], words: MatrixLabels) -> list[str]:
    """The numbered quick wins beside the plot, each a link: names never overlap there, however close the points."""
    out = [
        '<g class="quick-win-list">',
        f'<text x="{LIST_LEFT}" y="{PLOT_TOP - 14}" font-weight="600" fill="{QUICK_WIN_COLOUR}">'
        f"{escape(words.quick_wins)}</text>",
    ]
    shown = quick_wins if len(quick_wins) <= LIST_ROWS else quick_wins[: LIST_ROWS - 1]
    for number, point in enumerate(shown, start=1):
        y = PLOT_TOP + 8 + (number - 1) * LIST_LINE
        out.append(
            f'<a href={attr(point.href)} class="quick-win-item" data-id={attr(point.id)}>'
            f"<title>{escape(_point_title(point, words))}</title>"
            f'<text x="{LIST_LEFT + 20}" y="{y}" text-anchor="end" dominant-baseline="middle" font-weight="600" '
            f'fill="{QUICK_WIN_COLOUR}">{number}</text>'
            f'<text x="{LIST_LEFT + 28}" y="{y}" dominant-baseline="middle" fill="{TEXT_COLOUR}">'
            f"{escape(_short(point.label, 34))}</text></a>"
        )
    if len(shown) < len(quick_wins):
        y = PLOT_TOP + 8 + len(shown) * LIST_LINE
        out.append(
            f'<text class="more" x="{LIST_LEFT + 28}" y="{y}" dominant-baseline="middle" fill="{MUTED_COLOUR}">'
            f"+{len(quick_wins) - len(shown)}</text>"
        )
    if not quick_wins:
        out.append(f'<text x="{LIST_LEFT + 28}" y="{PLOT_TOP + 8}" fill="{MUTED_COLOUR}">—</text>')
    out.append("</g>")
    return out


def value_effort_svg(
    points: Sequence[MatrixPoint],
    *,
    title: str,
    description: str,
    rule: QuickWinRule,
    labels: MatrixLabels | None = None,
    chart_id: str = "value-effort",
) -> str:
    """The value/effort matrix of a round: effort across (0–10), value up (0–10), and its quick wins listed.

    The quick-win quadrant (value ≥ ``rule.min_value``, effort ≤ ``rule.max_effort``) is shaded; all four
    quadrants are named.  Quick wins are green diamonds, the rest blue circles.  Each quick win carries a number,
    by rank when ranks are given, else most valuable first (then least effort, then id), and the list beside the
    plot names it by that number (so it matches the round's ranking), so
    names stay legible however the points crowd.  Quick wins are placed first and drawn last (on top); a point
    that would cover another moves onto a ring around its true position, so every point stays clickable.
    """
    words = labels or MatrixLabels()
    out = _open(title, description, MATRIX_WIDTH, MATRIX_HEIGHT, chart_id, "chart value-effort")
    out += _quadrants(rule, words)
    out += _matrix_axes(words)
    out += _matrix_legend(words)
    if not points:
        out.append(
            f'<text class="no-data" x="{_c((PLOT_LEFT + PLOT_RIGHT) / 2)}" y="{_c((PLOT_TOP + PLOT_BOTTOM) / 2)}" '
            f'text-anchor="middle" fill="{MUTED_COLOUR}">{escape(words.no_data)}</text>'
        )
    quick_wins = sorted(
        (p for p in points if p.quick_win), key=lambda p: (p.rank or 10**9, -p.value, p.effort, p.id, p.label, p.href)
    )
    others = sorted((p for p in points if not p.quick_win), key=lambda p: (p.id, p.label, p.href))
    placer = _Placer()
    placed = [
        (point, number, *placer.place(_x(_within(point.effort)), _y(_within(point.value))))
        for number, point in enumerate([*quick_wins, *others], start=1)
    ]
    out.append('<g class="points">')
    for point, _number, x, y in reversed(placed):
        true_x, true_y = _x(_within(point.effort)), _y(_within(point.value))
        css = "point quick-win" if point.quick_win else "point"
        out.append(
            f"<a href={attr(point.href)} class={attr(css)} data-id={attr(point.id)} "
            f"data-value={attr(_two(point.value))} data-effort={attr(_two(point.effort))}>"
            f"<title>{escape(_point_title(point, words))}</title>"
        )
        if (x, y) != (true_x, true_y):
            out.append(
                f'<line class="offset" x1="{_c(true_x)}" y1="{_c(true_y)}" x2="{_c(x)}" y2="{_c(y)}" '
                f'stroke="{LEADER_COLOUR}" stroke-width="1"/>'
            )
        out.append(_diamond(x, y) if point.quick_win else _circle(x, y))
        out.append("</a>")
    out.append("</g>")
    # Numbers after every marker, so none is hidden under a neighbour; the list and the titles say the same.
    out.append('<g class="point-numbers" aria-hidden="true" pointer-events="none">')
    for number, (x, y, anchor) in sorted(_number_places(placed).items()):
        out.append(_halo_text(x, y, str(number), "point-number", anchor=anchor, size=10))
    out.append("</g>")
    out += _quick_win_list(quick_wins, words)
    out.append("</svg>")
    return "".join(out)


# --- Heatmap of digitisation against strategic impact, by unit -------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    """How many processes of ``unit`` sit at one digitisation level and one strategic impact, and where they are
    listed."""

    unit: str
    digitisation: str
    impact: str
    count: int
    href: str


@dataclass(frozen=True)
class HeatmapLabels:
    """The words of the heatmap, translated by the caller (these English ones are fallbacks)."""

    unit: str = "Unit"
    digitisation: str = "Digitisation"
    impact: str = "Strategic impact"
    legend: str = "Processes"
    no_data: str = "No process yet"


def _text_width(texts: Sequence[str], least: int, most: int) -> int:
    """Room for the longest text at about 7 pixels a character, within ``least``..``most``."""
    longest = max((len(text) for text in texts), default=0)
    return min(max(7 * longest + 16, least), most)


def _shade(count: int, largest: int) -> int:
    """0 for none, else 1–4 by the share of the largest count (quarters, rounded up)."""
    if count <= 0 or largest <= 0:
        return 0
    return min(len(HEAT_SHADES) - 1, max(1, math.ceil(count * (len(HEAT_SHADES) - 1) / largest)))


def heatmap_svg(
    cells: Sequence[HeatCell],
    *,
    units: Sequence[str],
    digitisation_levels: Sequence[tuple[str, str]],
    impact_levels: Sequence[tuple[str, str]],
    title: str,
    description: str,
    labels: HeatmapLabels | None = None,
    chart_id: str = "process-heatmap",
) -> str:
    """Digitisation level (rows) against strategic impact (columns), one block of rows per unit.

    ``digitisation_levels`` and ``impact_levels`` are ``(key, label)`` pairs in display order; cells name their
    levels by key and their unit as written in ``units``.  Every combination gets a cell: its shade grows with
    the count (quarters of the largest count) and the count is written in it, so it reads without colour; a cell
    with a count links to its list.  Cells for a unit or level not listed are left out; two cells for the same
    place add up (the first link is kept).
    """
    words = labels or HeatmapLabels()
    digitisation_names = dict(digitisation_levels)
    impact_names = dict(impact_levels)
    unit_set = set(units)
    counts: dict[tuple[str, str, str], int] = {}
    links: dict[tuple[str, str, str], str] = {}
    for cell in cells:
        if cell.unit not in unit_set or cell.digitisation not in digitisation_names or cell.impact not in impact_names:
            continue
        place = (cell.unit, cell.digitisation, cell.impact)
        counts[place] = counts.get(place, 0) + max(int(cell.count), 0)
        if cell.href and place not in links:
            links[place] = cell.href
    largest = max(counts.values(), default=0)

    unit_width = _text_width([*units, words.unit], 90, 200)
    level_width = _text_width([name for _key, name in digitisation_levels] + [words.digitisation], 90, 180)
    cell_width = _text_width([name for _key, name in impact_levels], 64, 120)
    cell_height, top, left = 26, 48, 8
    grid_left = left + unit_width + level_width
    rows = len(units) * len(digitisation_levels)
    width = max(grid_left + cell_width * len(impact_levels) + 8, 320)
    legend_y = top + rows * cell_height + 14
    height = legend_y + 30

    out = _open(title, description, width, height, chart_id, "chart heatmap")
    grid_middle = grid_left + cell_width * len(impact_levels) / 2
    out.append(
        f'<g class="headers" fill="{TEXT_COLOUR}" font-weight="600">'
        f'<text class="x-label" x="{_c(grid_middle)}" y="18" text-anchor="middle">{escape(words.impact)}</text>'
        f'<text x="{left}" y="{top - 8}">{escape(words.unit)}</text>'
        f'<text x="{left + unit_width}" y="{top - 8}">{escape(words.digitisation)}</text>'
    )
    for column, (_key, name) in enumerate(impact_levels):
        x = grid_left + column * cell_width + cell_width / 2
        out.append(
            f'<text class="column" x="{_c(x)}" y="{top - 8}" text-anchor="middle"><title>{escape(name)}</title>'
            f"{escape(_short(name, (cell_width - 8) // 7))}</text>"
        )
    out.append("</g>")
    if not rows or not impact_levels:
        out.append(
            f'<text class="no-data" x="{width / 2}" y="{top + 20}" text-anchor="middle" fill="{MUTED_COLOUR}">'
            f"{escape(words.no_data)}</text>"
        )

    for block, unit in enumerate(units):
        block_top = top + block * len(digitisation_levels) * cell_height
        block_height = len(digitisation_levels) * cell_height
        out.append(f'<g class="unit" data-unit={attr(unit)}>')
        if block:
            out.append(
                f'<line x1="{left}" x2="{width - 8}" y1="{block_top}" y2="{block_top}" stroke="{MUTED_COLOUR}"/>'
            )
        out.append(
            f'<text class="unit-label" x="{left}" y="{_c(block_top + block_height / 2)}" dominant-baseline="middle" '
            f'fill="{TEXT_COLOUR}" font-weight="600"><title>{escape(unit)}</title>'
            f"{escape(_short(unit, (unit_width - 12) // 7))}</text>"
        )
        for row, (level, level_name) in enumerate(digitisation_levels):
            y = block_top + row * cell_height
            out.append(
                f'<text class="row" x="{left + unit_width}" y="{_c(y + cell_height / 2)}" dominant-baseline="middle" '
                f'fill="{TEXT_COLOUR}"><title>{escape(level_name)}</title>'
                f"{escape(_short(level_name, (level_width - 12) // 7))}</text>"
            )
            for column, (impact, impact_name) in enumerate(impact_levels):
                place = (unit, level, impact)
                count = counts.get(place, 0)
                fill, ink = HEAT_SHADES[_shade(count, largest)]
                x = grid_left + column * cell_width
                mark = (
                    f'<g class="cell" data-unit={attr(unit)} data-digitisation={attr(level)} '
                    f'data-impact={attr(impact)} data-count="{count}">'
                    f"<title>{escape(f'{unit} · {level_name} · {impact_name}: {count}')}</title>"
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_width - 2}" height="{cell_height - 2}" '
                    f'fill="{fill}"/>'
                    f'<text x="{_c(x + cell_width / 2)}" y="{_c(y + cell_height / 2)}" text-anchor="middle" '
                    f'dominant-baseline="middle" fill="{ink}">{count}</text></g>'
                )
                link = links.get(place)
                out.append(f"<a href={attr(link)}>{mark}</a>" if count and link else mark)
        out.append("</g>")

    out += _heat_legend(largest, words, left, legend_y)
    out.append("</svg>")
    return "".join(out)


def _heat_legend(largest: int, words: HeatmapLabels, left: int, y: int) -> list[str]:
    """Swatches with the counts each shade stands for (ranges that hold no whole number are left out)."""
    out = [f'<g class="legend" fill="{TEXT_COLOUR}"><text x="{left}" y="{y + 12}">{escape(words.legend)}</text>']
    x = left + 16 + 7 * len(words.legend)
    steps = len(HEAT_SHADES) - 1
    ranges: list[tuple[int, str]] = [(0, "0")]
    for shade in range(1, steps + 1):
        low = (shade - 1) * largest // steps + 1
        high = shade * largest // steps
        if low <= high:
            ranges.append((shade, str(low) if low == high else f"{low}–{high}"))
    for shade, text in ranges:
        fill, _ink = HEAT_SHADES[shade]
        out.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" fill="{fill}" stroke="{GRID_COLOUR}" data-shade="{shade}"/>'
        )
        out.append(f'<text x="{x + 20}" y="{y + 12}">{escape(text)}</text>')
        x += 32 + 7 * len(text)
    out.append("</g>")
    return out
