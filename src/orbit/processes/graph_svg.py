"""The dependency graph of processes as one standalone SVG, drawn on the server like Orbit's other charts.

Layout, chosen so that the picture reads as a plan: columns are the transformation waves of
:mod:`orbit.processes.graph`, left to right in the suggested order, so most hand-overs point right.  Within a
column, processes are grouped into horizontal bands: one per organisational unit (``group_by="unit"``, bands
labelled with the unit and running across all columns), or, with ``group_by="wave"``, one band per wave (the
column itself, labelled "Wave 1", "Wave 2"…).  Inside a band, processes are ordered so that each one sits near
the processes it is connected to (two sweeps of the barycentre heuristic), which shortens and untangles edges.

Reading without colour: every dependency kind has its own dash pattern and its own end marker (three arrowhead
shapes for the directed kinds; small dots, not arrows, for shared data, systems and roles, which have no
direction); every status has its own glyph at the left of the node; downstream and upstream processes carry an
arrow sign besides their fill.  Colours reach at least 4.5:1 on the white and on the band backgrounds.

Each process is an ``<a href>`` to its page with the full name, status and group in its ``<title>`` (labels
are cut to fit the box); each edge has a ``<title>`` naming both ends and the kind.  The root has a ``viewBox``
that grows with the content, a ``<title>`` and a ``<desc>``.  No script, no external asset, every text escaped,
and the same input gives the same bytes (everything is drawn in a sorted order, numbers with fixed decimals).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from orbit.processes.graph import DIRECTED_KINDS, KINDS, Edge
from orbit.results.charts import attr, escape

HIGHLIGHTS: Final = ("focus", "downstream", "upstream", "")
STATUSES: Final = ("documented", "assessed", "prioritised", "in_transformation", "transformed")

KIND_LABELS: Final = {
    "hands_over": "hands over to / triggers",
    "messages": "exchanges messages with",
    "calls": "calls / contains",
    "shares_data": "shares data or records",
    "shares_system": "shares an IT system",
    "shares_role": "shares a role",
}
STATUS_LABELS: Final = {
    "documented": "Documented",
    "assessed": "Assessed",
    "prioritised": "Prioritised",
    "in_transformation": "In transformation",
    "transformed": "Transformed",
}

TEXT: Final = "#1b2430"
#: Kind colours (each at least 4.5:1 on white and on the band fills); kinds are told apart by dashes too.
KIND_COLOURS: Final = {
    "hands_over": "#1b2430",
    "messages": "#0b4f8a",
    "calls": "#5b2a86",
    "shares_data": "#1e6b3a",
    "shares_system": "#8a3b00",
    "shares_role": "#00606b",
}
KIND_DASHES: Final = {
    "hands_over": "",
    "messages": "7 3",
    "calls": "2 2",
    "shares_data": "9 3 2 3",
    "shares_system": "4 4",
    "shares_role": "1 3",
}
STATUS_COLOURS: Final = {
    "documented": "#55606e",
    "assessed": "#0b4f8a",
    "prioritised": "#7a4b00",
    "in_transformation": "#5b2a86",
    "transformed": "#1e6b3a",
}
UNKNOWN_STATUS_COLOUR: Final = "#55606e"
HIGHLIGHT_FILLS: Final = {"focus": "#fff3c4", "downstream": "#fde2d6", "upstream": "#dcebf7", "": "#ffffff"}
HIGHLIGHT_SIGNS: Final = {"focus": "★", "downstream": "→", "upstream": "←", "": ""}
BAND_FILLS: Final = ("#f4f6f8", "#ffffff")

NODE_WIDTH: Final = 168
NODE_HEIGHT: Final = 24
ROW: Final = 32
COLUMN_GAP: Final = 76
BAND_PAD: Final = 10
LABEL_CHARS: Final = 24
BAND_LABEL_CHARS: Final = 24
UNIT_MARGIN: Final = 184
WAVE_MARGIN: Final = 16
MIN_WIDTH: Final = 640


@dataclass(frozen=True)
class GraphNode:
    """A process as drawn: its label, its group (unit name or wave label), status slug, page and highlight."""

    id: int
    label: str
    cluster: str
    status: str
    href: str
    highlight: str = ""  # "focus", "downstream", "upstream" or ""


@dataclass(frozen=True)
class GraphLabels:
    """The words of the picture, translated by the caller; English by default."""

    kinds: Mapping[str, str] = field(default_factory=lambda: dict(KIND_LABELS))
    statuses: Mapping[str, str] = field(default_factory=lambda: dict(STATUS_LABELS))
    wave: str = "Wave {number}"
    kinds_heading: str = "Dependencies:"
    statuses_heading: str = "Status:"
    focus: str = "Selected process"
    downstream: str = "Affected by a change to it (downstream)"
    upstream: str = "Can affect it (upstream)"
    edge: str = "{source} {arrow} {target}: {kind} (strength {strength})"
    empty: str = "No processes to show."


_DUPLICATE_NODE = "Process {id} appears more than once among the nodes of the dependency picture."
_BAD_HIGHLIGHT = "Process {id}: highlight {value!r} is not one of 'focus', 'downstream', 'upstream' or ''."
_BAD_GROUPING = "group_by must be 'unit' or 'wave', not {value!r}."


def _span(text: str) -> int:
    """Width of ``text`` in average Latin characters: Chinese, Japanese and Korean characters count twice."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def _n(value: float) -> str:
    """A coordinate with one decimal, the same text for the same number."""
    return f"{value:.1f}"


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


@dataclass
class _Layout:
    columns: list[int]  # wave numbers shown, ascending
    bands: list[str]  # band names, in order ("" when grouped by wave)
    cells: dict[tuple[int, int], list[int]]  # (column index, band index) → node ids, top to bottom
    left: int
    top: int
    band_tops: list[float] = field(default_factory=list)
    band_heights: list[float] = field(default_factory=list)
    position: dict[int, tuple[float, float]] = field(default_factory=dict)  # node → (x, y) of its box

    def place(self) -> None:
        self.band_tops, self.band_heights, y = [], [], float(self.top)
        for band in range(len(self.bands)):
            rows = max((len(self.cells.get((column, band), [])) for column in range(len(self.columns))), default=0)
            height = 2 * BAND_PAD + max(rows, 1) * ROW - (ROW - NODE_HEIGHT)
            self.band_tops.append(y)
            self.band_heights.append(height)
            y += height
        self.position = {}
        for (column, band), members in self.cells.items():
            x = self.left + column * (NODE_WIDTH + COLUMN_GAP)
            for row, node in enumerate(members):
                self.position[node] = (float(x), self.band_tops[band] + BAND_PAD + row * ROW)

    @property
    def bottom(self) -> float:
        return self.band_tops[-1] + self.band_heights[-1] if self.band_tops else float(self.top)


def _layout(
    nodes: Sequence[GraphNode], edges: list[Edge], waves: Mapping[int, int], group_by: str, top: int
) -> _Layout:
    columns = sorted({waves.get(node.id, 0) for node in nodes})
    column_of = {wave: number for number, wave in enumerate(columns)}
    if group_by == "unit":
        bands = sorted({node.cluster for node in nodes}, key=lambda name: (name.casefold(), name))
    else:
        bands = [""]
    band_of = {name: number for number, name in enumerate(bands)}
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for node in sorted(nodes, key=lambda item: (item.label.casefold(), item.label, item.id)):
        band = band_of[node.cluster] if group_by == "unit" else 0
        cells[(column_of[waves.get(node.id, 0)], band)].append(node.id)
    layout = _Layout(columns, bands, dict(cells), UNIT_MARGIN if group_by == "unit" else WAVE_MARGIN, top)
    layout.place()
    column_by_node = {node: key[0] for key, members in layout.cells.items() for node in members}
    neighbours: dict[int, set[int]] = defaultdict(set)
    for edge in edges:
        if edge.source != edge.target:
            neighbours[edge.source].add(edge.target)
            neighbours[edge.target].add(edge.source)
    # Barycentre sweeps, left to right then right to left: a process moves towards the mean height of its
    # neighbours in the columns already swept; processes without such neighbours keep their place.
    for _sweep in range(2):
        for order in (1, -1):
            for column in range(len(columns))[::order]:
                for band in range(len(bands)):
                    members = layout.cells.get((column, band))
                    if not members or len(members) < 2:
                        continue

                    def key(node: int, column: int = column, order: int = order) -> tuple[float, int]:
                        ys = [layout.position[other][1] for other in sorted(neighbours[node])
                              if (column_by_node[other] - column) * order < 0]  # fmt: skip
                        here = layout.position[node][1]
                        return (sum(ys) / len(ys) if ys else here, node)

                    members.sort(key=key)
                    layout.place()
    return layout


def _markers(chart_id: str) -> list[str]:
    """One end marker per kind: arrowheads (filled, open, diamond) for directed kinds, small dots otherwise."""
    shapes = {
        "hands_over": '<path d="M0,0 L8,4 L0,8 Z" fill="{c}"/>',
        "messages": '<path d="M0,0 L8,4 L0,8" fill="none" stroke="{c}" stroke-width="1.4"/>',
        "calls": '<path d="M0,4 L4,0 L8,4 L4,8 Z" fill="{c}"/>',
        "shares_data": '<circle cx="4" cy="4" r="2.2" fill="{c}"/>',
        "shares_system": '<rect x="2" y="2" width="4" height="4" fill="{c}"/>',
        "shares_role": '<rect x="3" y="1" width="2" height="6" fill="{c}"/>',
    }
    parts = ["<defs>"]
    for kind in KINDS:
        ref = "8" if kind in DIRECTED_KINDS else "4"
        parts.append(
            f'<marker id={attr(f"{chart_id}-{kind}")} viewBox="0 0 8 8" refX="{ref}" refY="4" markerWidth="8" '
            f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
            + shapes[kind].format(c=KIND_COLOURS[kind])
            + "</marker>"
        )
    parts.append("</defs>")
    return parts


def _glyph(status: str, x: float, y: float) -> str:
    """The status glyph centred on (x, y): the shape tells the status without its colour."""
    colour = STATUS_COLOURS.get(status, UNKNOWN_STATUS_COLOUR)
    if status == "documented":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="#ffffff" stroke="{colour}" stroke-width="1.6"/>'
    if status == "assessed":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{colour}"/>'
    if status == "prioritised":
        return f'<path d="M{_n(x)},{_n(y - 5)} l5,5 l-5,5 l-5,-5 Z" fill="{colour}"/>'
    if status == "in_transformation":
        return f'<path d="M{_n(x - 4.5)},{_n(y + 4)} l4.5,-8.5 l4.5,8.5 Z" fill="{colour}"/>'
    if status == "transformed":
        return f'<rect x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8" fill="{colour}"/>'
    return f'<rect x="{_n(x - 4)}" y="{_n(y - 1)}" width="8" height="2" fill="{colour}"/>'


def _legend(labels: GraphLabels, width: int, chart_id: str, highlights: list[str]) -> tuple[list[str], int]:
    """The legend along the top, wrapping at the picture's width; returns its parts and its height."""
    parts = ['<g class="legend">']
    x, y = 8.0, 18.0

    def room(needed: float) -> None:
        nonlocal x, y
        if x + needed > width - 8 and x > 8:
            x, y = 8.0, y + 20

    parts.append(f'<text x="{_n(x)}" y="{_n(y + 4)}" font-weight="600">{escape(labels.kinds_heading)}</text>')
    x += 8 + 7 * _span(labels.kinds_heading)
    for kind in KINDS:
        name = labels.kinds.get(kind, kind)
        room(44 + 7 * _span(name))
        colour, dash = KIND_COLOURS[kind], KIND_DASHES[kind]
        marker = f"url(#{chart_id}-{kind})"
        ends = f' marker-end="{marker}"' + ("" if kind in DIRECTED_KINDS else f' marker-start="{marker}"')
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<path class={attr("legend-kind " + kind)} d="M{_n(x)},{_n(y)} h30" stroke="{colour}" '
            f'stroke-width="1.6" fill="none"{dash_attr}{ends}/>'
        )
        parts.append(f'<text x="{_n(x + 36)}" y="{_n(y + 4)}">{escape(name)}</text>')
        x += 44 + 7 * _span(name)
    x, y = 8.0, y + 22
    parts.append(f'<text x="{_n(x)}" y="{_n(y + 4)}" font-weight="600">{escape(labels.statuses_heading)}</text>')
    x += 8 + 7 * _span(labels.statuses_heading)
    for status in STATUSES:
        name = labels.statuses.get(status, status)
        room(24 + 7 * _span(name))
        parts.append(f'<g class={attr("legend-status " + status)}>{_glyph(status, x + 6, y)}</g>')
        parts.append(f'<text x="{_n(x + 16)}" y="{_n(y + 4)}">{escape(name)}</text>')
        x += 24 + 7 * _span(name)
    for highlight in highlights:
        name = {"focus": labels.focus, "downstream": labels.downstream, "upstream": labels.upstream}[highlight]
        room(44 + 7 * _span(name))
        parts.append(
            f'<rect class={attr("legend-highlight " + highlight)} x="{_n(x)}" y="{_n(y - 8)}" width="28" '
            f'height="16" rx="3" fill="{HIGHLIGHT_FILLS[highlight]}" stroke="{TEXT}" '
            f'stroke-width="{"2.5" if highlight == "focus" else "1"}"/>'
        )
        parts.append(f'<text x="{_n(x + 14)}" y="{_n(y + 4)}" text-anchor="middle">{HIGHLIGHT_SIGNS[highlight]}</text>')
        parts.append(f'<text x="{_n(x + 34)}" y="{_n(y + 4)}">{escape(name)}</text>')
        x += 44 + 7 * _span(name)
    parts.append("</g>")
    return parts, int(y + 16)


def _edge_path(
    source: tuple[float, float], target: tuple[float, float], offset: float, loop: bool
) -> tuple[str, bool]:
    """The path of one edge between two boxes (top-left corners) and whether it runs right to left."""
    (sx, sy), (tx, ty) = source, target
    sy, ty = sy + NODE_HEIGHT / 2 + offset, ty + NODE_HEIGHT / 2 + offset
    if loop:
        x = sx + NODE_WIDTH
        loop_path = f"M{_n(x)},{_n(sy - 5)} C{_n(x + 26)},{_n(sy - 18)} {_n(x + 26)},{_n(sy + 18)} {_n(x)},{_n(sy + 5)}"
        return loop_path, False
    if sx < tx:  # rightwards, the usual case
        x1, x2 = sx + NODE_WIDTH, tx
        bend = max(24.0, (x2 - x1) / 2)
        return f"M{_n(x1)},{_n(sy)} C{_n(x1 + bend)},{_n(sy)} {_n(x2 - bend)},{_n(ty)} {_n(x2)},{_n(ty)}", False
    if sx > tx:  # leftwards: from the source's left side to the target's right side
        x1, x2 = sx, tx + NODE_WIDTH
        bend = max(24.0, (x1 - x2) / 2)
        return f"M{_n(x1)},{_n(sy)} C{_n(x1 - bend)},{_n(sy)} {_n(x2 + bend)},{_n(ty)} {_n(x2)},{_n(ty)}", True
    # Same column: an arc bulging to the right, wider the further apart the two boxes are.
    x = sx + NODE_WIDTH
    bulge = min(COLUMN_GAP - 12.0, 18 + abs(ty - sy) / 8)
    return f"M{_n(x)},{_n(sy)} C{_n(x + bulge)},{_n(sy)} {_n(x + bulge)},{_n(ty)} {_n(x)},{_n(ty)}", False


def dependency_svg(
    nodes: Sequence[GraphNode],
    edges: Sequence[Edge],
    *,
    waves: Mapping[int, int],
    group_by: Literal["unit", "wave"],
    title: str,
    description: str,
    labels: GraphLabels | None = None,
    chart_id: str = "dependency-graph",
) -> str:
    """The dependency picture of ``nodes`` as an SVG string (see the module docstring for the layout).

    ``waves`` maps process ids to wave numbers from :meth:`DependencyGraph.wave_of` (a process missing from
    it is drawn in wave 0); edges with an end outside ``nodes`` are left out, so a caller can draw part of the
    inventory.  ``chart_id`` prefixes the ids inside the SVG, to keep them unique on a page with two pictures.
    """
    words = labels or GraphLabels()
    if group_by not in ("unit", "wave"):
        raise ValueError(_BAD_GROUPING.format(value=group_by))
    by_id: dict[int, GraphNode] = {}
    for node in nodes:
        if node.id in by_id:
            raise ValueError(_DUPLICATE_NODE.format(id=node.id))
        if node.highlight not in HIGHLIGHTS:
            raise ValueError(_BAD_HIGHLIGHT.format(id=node.id, value=node.highlight))
        by_id[node.id] = node
    # One line per kind and pair (a shared resource once, whichever way it is stored), the strongest kept.
    strongest: dict[tuple[int, int, str], Edge] = {}
    for edge in edges:
        if edge.source not in by_id or edge.target not in by_id or edge.kind not in KIND_COLOURS:
            continue
        if edge.kind not in DIRECTED_KINDS and edge.source > edge.target:
            edge = Edge(edge.target, edge.source, edge.kind, edge.strength)
        key = (edge.source, edge.target, edge.kind)
        if key not in strongest or edge.strength > strongest[key].strength:
            strongest[key] = edge
    shown = [strongest[key] for key in sorted(strongest, key=lambda key: (key[0], key[1], KINDS.index(key[2])))]
    highlights = [kind for kind in HIGHLIGHTS[:3] if any(node.highlight == kind for node in nodes)]

    # Width first (the legend wraps to it), then the legend's height, then the bands below it.
    column_count = len({waves.get(node.id, 0) for node in nodes}) or 1
    margin = UNIT_MARGIN if group_by == "unit" else WAVE_MARGIN
    width = max(MIN_WIDTH, margin + column_count * (NODE_WIDTH + COLUMN_GAP) + 8)
    legend, legend_height = _legend(words, width, chart_id, highlights)
    header = legend_height + 28  # the "Wave n" column headings
    layout = _layout(list(by_id.values()), shown, waves, group_by, header)
    height = int(layout.bottom + 16)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" id={attr(chart_id)} class="chart dependency-graph" '
        f"aria-labelledby={attr(f'{chart_id}-title {chart_id}-desc')} "
        'font-family="system-ui, sans-serif" font-size="12">',
        f"<title id={attr(f'{chart_id}-title')}>{escape(title)}</title>",
        f"<desc id={attr(f'{chart_id}-desc')}>{escape(description)}</desc>",
        *_markers(chart_id),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        *legend,
    ]
    if not by_id:
        out.append(f'<text x="{width / 2:.1f}" y="{header + 20}" text-anchor="middle" class="no-data">'
                   f"{escape(words.empty)}</text></svg>")  # fmt: skip
        return "".join(out)

    # Bands (units) or columns (waves) as backgrounds, with their labels.
    out.append('<g class="bands">')
    step = NODE_WIDTH + COLUMN_GAP
    for number, wave in enumerate(layout.columns):
        x = layout.left + number * step
        name = words.wave.format(number=wave + 1)
        if group_by == "wave":
            out.append(
                f'<rect class="band wave" x="{_n(x - 8)}" y="{header - 24}" width="{NODE_WIDTH + 16}" '
                f'height="{_n(layout.bottom - header + 24)}" fill="{BAND_FILLS[0]}" data-wave="{wave}"/>'
            )
        out.append(
            f'<text class="column-label" x="{_n(x + NODE_WIDTH / 2)}" y="{header - 8}" text-anchor="middle" '
            f'font-weight="600">{escape(name)}</text>'
        )
    if group_by == "unit":
        for number, name in enumerate(layout.bands):
            top, band_height = layout.band_tops[number], layout.band_heights[number]
            out.append(
                f'<rect class="band unit" x="0" y="{_n(top)}" width="{width}" height="{_n(band_height)}" '
                f'fill="{BAND_FILLS[number % 2]}" stroke="#d5dbe3" stroke-width="0.5"/>'
            )
            out.append(
                f'<text class="band-label" x="8" y="{_n(top + 18)}" font-weight="600"><title>{escape(name)}</title>'
                f"{escape(_clip(name, BAND_LABEL_CHARS))}</text>"
            )
    out.append("</g>")

    # Edges under the nodes.
    focused = bool(highlights)
    on_path = {node.id for node in by_id.values() if node.highlight}
    out.append('<g class="edges" fill="none">')
    for edge in shown:
        kind = edge.kind
        offset = (KINDS.index(kind) - 2.5) * 2.0  # parallel edges of different kinds side by side
        path, _leftwards = _edge_path(
            layout.position[edge.source], layout.position[edge.target], offset, edge.source == edge.target
        )
        directed = kind in DIRECTED_KINDS
        marker = f"url(#{chart_id}-{kind})"
        ends = f' marker-end="{marker}"' + ("" if directed else f' marker-start="{marker}"')
        highlighted = edge.source in on_path and edge.target in on_path
        classes = f"edge {kind}" + (" on-path" if highlighted else "")
        widths = {1: 0.8, 2: 1.2, 3: 1.7}
        stroke_width = widths.get(edge.strength, 1.2) + (0.8 if highlighted else 0.0)
        fade = ' stroke-opacity="0.45"' if focused and not highlighted else ""
        dash = f' stroke-dasharray="{KIND_DASHES[kind]}"' if KIND_DASHES[kind] else ""
        tooltip = words.edge.format(
            source=by_id[edge.source].label,
            target=by_id[edge.target].label,
            arrow="→" if directed else "↔",
            kind=words.kinds.get(kind, kind),
            strength=edge.strength,
        )
        out.append(
            f'<path class={attr(classes)} d="{path}" stroke="{KIND_COLOURS[kind]}" stroke-width="{stroke_width:.1f}"'
            f'{dash}{fade}{ends} data-source="{edge.source}" data-target="{edge.target}" data-kind={attr(kind)}>'
            f"<title>{escape(tooltip)}</title></path>"
        )
    out.append("</g>")

    # Nodes: each a link to its process, the full name and details in its title.
    out.append('<g class="nodes">')
    for node_id in sorted(by_id):
        node = by_id[node_id]
        box_x, box_y = layout.position[node_id]
        wave = waves.get(node_id, 0)
        status_name = words.statuses.get(node.status, node.status)
        details = [node.label, status_name, node.cluster, words.wave.format(number=wave + 1)]
        if node.highlight:
            details.append({"focus": words.focus, "downstream": words.downstream, "upstream": words.upstream}[
                node.highlight])  # fmt: skip
        classes = " ".join(filter(None, ["node", f"status-{node.status}", node.highlight]))
        stroke = TEXT if node.highlight == "focus" else STATUS_COLOURS.get(node.status, UNKNOWN_STATUS_COLOUR)
        border = {"focus": "3", "downstream": "2", "upstream": "2"}.get(node.highlight, "1.2")
        sign = HIGHLIGHT_SIGNS[node.highlight]
        out.append(
            f"<a href={attr(node.href)} class={attr(classes)} data-id=\"{node_id}\" data-wave=\"{wave}\">"
            f"<title>{escape(' — '.join(part for part in details if part))}</title>"
            f'<rect x="{_n(box_x)}" y="{_n(box_y)}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="4" '
            f'fill="{HIGHLIGHT_FILLS[node.highlight]}" stroke="{stroke}" stroke-width="{border}"/>'
            + _glyph(node.status, box_x + 10, box_y + NODE_HEIGHT / 2)
            + f'<text x="{_n(box_x + 20)}" y="{_n(box_y + 16)}" fill="{TEXT}" font-size="11"'
            + (' font-weight="700"' if node.highlight == "focus" else "")
            + f">{escape(_clip(node.label, LABEL_CHARS))}</text>"
            + (f'<text x="{_n(box_x + NODE_WIDTH - 8)}" y="{_n(box_y + 16)}" text-anchor="middle" fill="{TEXT}" '
               f'font-size="11">{sign}</text>' if sign else "")
            + "</a>"
        )  # fmt: skip
    out.append("</g></svg>")
    return "".join(out)
