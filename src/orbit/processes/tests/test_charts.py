"""The value/effort matrix and the digitisation heatmap: valid SVG, every mark linked and titled, escaped, stable."""

from __future__ import annotations

import itertools
import random
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from orbit.processes import charts
from orbit.processes.charts import HeatCell, HeatmapLabels, MatrixLabels, MatrixPoint, heatmap_svg, value_effort_svg
from orbit.processes.scoring import QuickWinRule

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal
NASTY = '<script>alert("x")</script> & Co'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output)


def classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def title_of(element: ET.Element) -> str | None:
    found = element.find(f"{SVG}title")
    return None if found is None else found.text


def shown(text: ET.Element) -> str | None:
    """What a ``<text>`` shows: its own text, or what follows its ``<title>``."""
    found = text.find(f"{SVG}title")
    return text.text if found is None else found.tail


def centre(link: ET.Element) -> tuple[float, float]:
    """The centre of a point's marker: a circle, or a diamond path ``M x,y-7 L x+7,y …``."""
    circle = link.find(f"{SVG}circle")
    if circle is not None:
        return float(circle.get("cx")), float(circle.get("cy"))
    path = link.find(f"{SVG}path")
    first = path.get("d").split()[0][1:]
    x, top = (float(n) for n in first.split(","))
    return x, top + 7


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


RULE = QuickWinRule()
POINTS = [
    MatrixPoint(1, "Recruitment", D("8"), D("2"), "/processes/1/", True),
    MatrixPoint(2, "Payroll", D("9.5"), D("3.25"), "/processes/2/", True),
    MatrixPoint(3, "Travel claims", D("3"), D("8"), "/processes/3/", False),
    MatrixPoint(4, "Procurement", D("9"), D("9"), "/processes/4/", False),
    MatrixPoint(5, "Filing", D("2"), D("1"), "/processes/5/", False),
]


def matrix(points=POINTS, **kwargs) -> ET.Element:
    kwargs.setdefault("title", "Value and effort, round 2025")
    kwargs.setdefault("description", "Five processes placed by value and effort")
    kwargs.setdefault("rule", RULE)
    return parse(value_effort_svg(points, **kwargs))


def point_links(root: ET.Element) -> dict[int, ET.Element]:
    return {int(a.get("data-id")): a for a in root.iter(f"{SVG}a") if "point" in classes(a)}


def test_matrix_is_accessible_svg():
    root = matrix(chart_id="m1")
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {charts.MATRIX_WIDTH} {charts.MATRIX_HEIGHT}"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "m1-title m1-desc"
    assert root.find(f"{SVG}title").text == "Value and effort, round 2025"
    assert root.find(f"{SVG}desc").text == "Five processes placed by value and effort"
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "foreignObject", "image", "use")]
    assert {e.text for e in root.iter(f"{SVG}text") if classes(e) & {"x-label", "y-label"}} == {"Effort", "Value"}


def test_every_point_is_a_link_with_a_title_and_quick_wins_have_their_own_shape():
    links = point_links(matrix())
    assert set(links) == {1, 2, 3, 4, 5}
    for point in POINTS:
        link = links[point.id]
        assert link.get("href") == point.href
        assert title_of(link).startswith(f"{point.label}: Value ")
        assert ("quick-win" in classes(link)) is point.quick_win
        if point.quick_win:
            assert link.find(f"{SVG}path") is not None and link.find(f"{SVG}circle") is None
            assert title_of(link).endswith("(Quick win)")
        else:
            assert link.find(f"{SVG}circle") is not None and link.find(f"{SVG}path") is None
    assert title_of(links[2]) == "Payroll: Value 9.50, Effort 3.25 (Quick win)"
    assert (links[2].get("data-value"), links[2].get("data-effort")) == ("9.50", "3.25")


def test_points_sit_where_their_value_and_effort_put_them():
    links = point_links(matrix())
    # Plot 64–600 across (effort 0–10), 468–60 up (value 0–10): 53.6 px per effort point, 40.8 per value point.
    assert centre(links[1]) == pytest.approx((64 + 2 * 53.6, 468 - 8 * 40.8))  # (171.2, 141.6)
    assert centre(links[4]) == pytest.approx((64 + 9 * 53.6, 468 - 9 * 40.8))
    assert centre(links[5]) == pytest.approx((64 + 1 * 53.6, 468 - 2 * 40.8))


def test_quick_win_quadrant_is_shaded_and_every_quadrant_named():
    root = matrix()
    quadrant = next(e for e in root.iter(f"{SVG}rect") if "quick-wins" in classes(e))
    assert (float(quadrant.get("x")), float(quadrant.get("y"))) == (64, 60)
    assert float(quadrant.get("width")) == pytest.approx(4 * 53.6)  # effort 0 → 4
    assert float(quadrant.get("height")) == pytest.approx(4 * 40.8)  # value 10 → 6
    assert title_of(quadrant) == "Quick wins: Value ≥ 6, Effort ≤ 4"
    names = {e.text for e in root.iter(f"{SVG}text") if "quadrant-label" in classes(e)}
    assert names == {"Quick wins", "Major projects", "Fill-ins", "Thankless tasks"}
    other_rule = matrix(rule=QuickWinRule(min_value=D("7.5"), max_effort=D("2.5")))
    quadrant = next(e for e in other_rule.iter(f"{SVG}rect") if "quick-wins" in classes(e))
    assert float(quadrant.get("width")) == pytest.approx(2.5 * 53.6)
    assert float(quadrant.get("height")) == pytest.approx(2.5 * 40.8)


def test_quick_wins_are_numbered_on_the_plot_and_listed_beside_it():
    root = matrix()
    items = [a for a in root.iter(f"{SVG}a") if "quick-win-item" in classes(a)]
    # Most valuable first: Payroll (9.5) before Recruitment (8).
    assert [(a.get("data-id"), a.get("href")) for a in items] == [("2", "/processes/2/"), ("1", "/processes/1/")]
    assert [[t.text for t in a.iter(f"{SVG}text")] for a in items] == [["1", "Payroll"], ["2", "Recruitment"]]
    numbers = [e.text for e in root.iter(f"{SVG}text") if "point-number" in classes(e)]
    assert sorted(numbers) == ["1", "2"]


def test_overlapping_points_are_moved_apart_and_stay_clickable():
    same = [MatrixPoint(i, f"Process {i}", D(5), D(5), f"/p/{i}/", False) for i in range(1, 9)]
    same += [MatrixPoint(20, "Quick", D(7), D(1), "/p/20/", True), MatrixPoint(21, "Also", D(7), D(1), "/p/21/", True)]
    root = matrix(same)
    links = point_links(root)
    assert set(links) == {*range(1, 9), 20, 21}
    centres = [centre(link) for link in links.values()]
    for (x1, y1), (x2, y2) in itertools.combinations(centres, 2):
        assert (x1 - x2) ** 2 + (y1 - y2) ** 2 >= 11.9**2, "no marker covers another"
    # The lowest id keeps the true position; the others are joined to it by a line.
    assert centre(links[1]) == pytest.approx((64 + 5 * 53.6, 468 - 5 * 40.8))
    assert centre(links[20]) == pytest.approx((64 + 1 * 53.6, 468 - 7 * 40.8))
    offsets = [e for e in root.iter(f"{SVG}line") if "offset" in classes(e)]
    assert len(offsets) == 7 + 1


def test_matrix_escapes_labels_and_links():
    nasty = [MatrixPoint(1, NASTY, D(8), D(2), '/p/?a=1&b="2"<x>', True)]
    svg = value_effort_svg(
        nasty,
        title=NASTY,
        description=NASTY,
        rule=RULE,
        labels=MatrixLabels(quick_wins=NASTY, x_label="E<", y_label="V&"),
    )
    root = parse(svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert root.find(f"{SVG}title").text == NASTY
    link = point_links(root)[1]
    assert link.get("href") == '/p/?a=1&b="2"<x>'
    assert title_of(link) == f"{NASTY}: V& 8.00, E< 2.00 (Quick win)"


def test_matrix_words_come_from_the_caller():
    words = MatrixLabels(
        x_label="Effort (FR)",
        y_label="Valeur",
        quick_wins="Gains rapides",
        major_projects="Grands projets",
        fill_ins="Remplissage",
        thankless="Tâches ingrates",
        quick_win="Gain rapide",
        other="Autre processus",
    )
    svg = value_effort_svg(POINTS, title="t", description="d", rule=RULE, labels=words)
    for english in ("Quick win", "Major projects", "Fill-ins", "Thankless", "Other process", ">Value<"):
        assert english not in svg
    assert "Gains rapides" in svg and "Tâches ingrates" in svg


def test_matrix_output_is_deterministic_and_independent_of_input_order():
    first = value_effort_svg(POINTS, title="t", description="d", rule=RULE)
    shuffled = list(POINTS)
    random.Random(7).shuffle(shuffled)
    assert value_effort_svg(POINTS, title="t", description="d", rule=RULE) == first
    assert value_effort_svg(shuffled, title="t", description="d", rule=RULE) == first


def test_empty_matrix_says_so():
    root = matrix([])
    assert [e.text for e in root.iter(f"{SVG}text") if "no-data" in classes(e)] == ["No process scored yet"]
    assert not point_links(root)
    assert any("quick-wins" in classes(e) for e in root.iter(f"{SVG}rect"))


def test_a_thousand_points_at_one_place_render_quickly_and_all_appear():
    crowd = [MatrixPoint(i, f"P{i}", D(5), D(5), f"/p/{i}/", i % 10 == 0) for i in range(1000)]
    root = matrix(crowd)
    assert len(point_links(root)) == 1000


# --- Heatmap ----------------------------------------------------------------------------------------------------------

UNITS = ["Human resources", "Finance"]
DIGITISATION = [
    ("paper", "Paper"),
    ("partly_digital", "Partly digital"),
    ("digital", "Digital"),
    ("automated", "Automated"),
]
IMPACT = [("none", "None"), ("low", "Low"), ("medium", "Medium"), ("high", "High")]
CELLS = [
    HeatCell("Human resources", "paper", "high", 8, "/processes/?unit=hr&digitisation=paper&impact=high"),
    HeatCell("Human resources", "digital", "low", 2, "/processes/?unit=hr&digitisation=digital&impact=low"),
    HeatCell("Finance", "automated", "medium", 4, "/processes/?unit=fin&digitisation=automated&impact=medium"),
    HeatCell("Finance", "paper", "none", 1, "/processes/?unit=fin&digitisation=paper&impact=none"),
]


def heatmap(cells=CELLS, **kwargs) -> ET.Element:
    kwargs.setdefault("units", UNITS)
    kwargs.setdefault("digitisation_levels", DIGITISATION)
    kwargs.setdefault("impact_levels", IMPACT)
    kwargs.setdefault("title", "Digitisation and strategic impact")
    kwargs.setdefault("description", "Processes by unit, digitisation level and strategic impact")
    return parse(heatmap_svg(cells, **kwargs))


def cell_marks(root: ET.Element) -> dict[tuple[str, str, str], ET.Element]:
    return {
        (g.get("data-unit"), g.get("data-digitisation"), g.get("data-impact")): g
        for g in root.iter(f"{SVG}g")
        if "cell" in classes(g)
    }


def parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def test_heatmap_is_accessible_svg():
    root = heatmap(chart_id="h1")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "h1-title h1-desc"
    assert root.get("viewBox").startswith("0 0 ")
    assert root.find(f"{SVG}title").text == "Digitisation and strategic impact"
    assert root.find(f"{SVG}desc").text == "Processes by unit, digitisation level and strategic impact"
    assert [shown(e) for e in root.iter(f"{SVG}text") if "column" in classes(e)] == ["None", "Low", "Medium", "High"]
    assert [shown(e) for e in root.iter(f"{SVG}text") if "unit-label" in classes(e)] == UNITS
    rows = [shown(e) for e in root.iter(f"{SVG}text") if "row" in classes(e)]
    assert rows == ["Paper", "Partly digital", "Digital", "Automated"] * 2


def test_every_cell_is_drawn_with_its_count_written_and_a_title():
    root = heatmap()
    marks = cell_marks(root)
    assert len(marks) == 2 * 4 * 4
    counts = {(c.unit, c.digitisation, c.impact): c.count for c in CELLS}
    names = dict(DIGITISATION) | dict(IMPACT)
    for (unit, level, impact), mark in marks.items():
        count = counts.get((unit, level, impact), 0)
        assert mark.get("data-count") == str(count)
        assert mark.find(f"{SVG}text").text == str(count), "the number is written, not only shaded"
        assert title_of(mark) == f"{unit} · {names[level]} · {names[impact]}: {count}"


def test_cells_with_a_count_link_to_their_list_and_empty_cells_do_not():
    root = heatmap()
    up = parents(root)
    marks = cell_marks(root)
    for cell in CELLS:
        parent = up[marks[(cell.unit, cell.digitisation, cell.impact)]]
        assert parent.tag == f"{SVG}a" and parent.get("href") == cell.href
    linked = [mark for mark in marks.values() if up[mark].tag == f"{SVG}a"]
    assert len(linked) == len(CELLS)


def test_shades_grow_with_the_count():
    marks = cell_marks(heatmap())

    def fill(key: tuple[str, str, str]) -> str:
        return marks[key].find(f"{SVG}rect").get("fill")

    # Largest count 8: quarters 1–2, 3–4, 5–6, 7–8.
    assert fill(("Human resources", "paper", "high")) == charts.HEAT_SHADES[4][0]  # 8
    assert fill(("Finance", "automated", "medium")) == charts.HEAT_SHADES[2][0]  # 4
    assert fill(("Human resources", "digital", "low")) == charts.HEAT_SHADES[1][0]  # 2
    assert fill(("Finance", "paper", "none")) == charts.HEAT_SHADES[1][0]  # 1
    assert fill(("Finance", "paper", "high")) == charts.HEAT_SHADES[0][0]  # 0
    legend = [e.text for e in heatmap().iter(f"{SVG}text") if e.text and e.text[0].isdigit()][-5:]
    assert legend == ["0", "1–2", "3–4", "5–6", "7–8"]


def test_duplicate_cells_add_up_and_unknown_places_are_left_out():
    extra = [
        *CELLS,
        HeatCell("Human resources", "paper", "high", 2, "/other/"),
        HeatCell("Legal", "paper", "high", 5, "/legal/"),
        HeatCell("Finance", "quantum", "high", 5, "/quantum/"),
    ]
    root = heatmap(extra)
    marks = cell_marks(root)
    assert len(marks) == 32
    assert marks[("Human resources", "paper", "high")].get("data-count") == "10"
    hrefs = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert "/other/" not in hrefs and "/legal/" not in hrefs and "/quantum/" not in hrefs


def test_heatmap_escapes_every_label():
    svg = heatmap_svg(
        [HeatCell(NASTY, "paper", "high", 3, '/l/?u=<x>&q="1"')],
        units=[NASTY],
        digitisation_levels=[("paper", NASTY)],
        impact_levels=[("high", NASTY)],
        title=NASTY,
        description=NASTY,
        labels=HeatmapLabels(unit=NASTY, digitisation=NASTY, impact=NASTY, legend=NASTY),
    )
    root = parse(svg)
    assert "<script>" not in svg
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    mark = cell_marks(root)[(NASTY, "paper", "high")]
    assert title_of(mark) == f"{NASTY} · {NASTY} · {NASTY}: 3"
    assert parents(root)[mark].get("href") == '/l/?u=<x>&q="1"'


def test_heatmap_is_deterministic_and_copes_with_nothing():
    first = heatmap_svg(
        CELLS, units=UNITS, digitisation_levels=DIGITISATION, impact_levels=IMPACT, title="t", description="d"
    )
    again = heatmap_svg(
        list(reversed(CELLS)),
        units=UNITS,
        digitisation_levels=DIGITISATION,
        impact_levels=IMPACT,
        title="t",
        description="d",
    )
    assert first == again
    empty = heatmap([], units=[])
    assert [e.text for e in empty.iter(f"{SVG}text") if "no-data" in classes(e)] == ["No process yet"]
    zeros = heatmap([])
    assert len(cell_marks(zeros)) == 32
    assert all(mark.get("data-count") == "0" for mark in cell_marks(zeros).values())


def test_text_colours_reach_4_5_to_1():
    for fill, ink in charts.HEAT_SHADES:
        assert contrast(ink, fill) >= 4.5, (ink, fill)
    for colour in (charts.TEXT_COLOUR, charts.MUTED_COLOUR, charts.QUICK_WIN_COLOUR, charts.OTHER_COLOUR):
        assert contrast(colour, "#ffffff") >= 4.5, colour
    assert contrast(charts.QUICK_WIN_COLOUR, charts.QUICK_WIN_SHADE) >= 4.5
    assert contrast(charts.TEXT_COLOUR, charts.QUICK_WIN_SHADE) >= 4.5


def test_quick_wins_are_numbered_by_rank_when_ranks_are_given():
    from decimal import Decimal

    from orbit.processes.charts import MatrixPoint, value_effort_svg
    from orbit.processes.scoring import QuickWinRule

    points = [
        MatrixPoint(1, "Higher value, ranked second", Decimal(9), Decimal(4), "/p/1", True, rank=2),
        MatrixPoint(2, "Lower value, ranked first", Decimal(7), Decimal(1), "/p/2", True, rank=1),
    ]
    svg = value_effort_svg(points, title="t", description="d", rule=QuickWinRule())
    listed = svg.split('class="quick-win-list"')[1]
    assert listed.index("Lower value, ranked first") < listed.index("Higher value, ranked second")
    unranked = [MatrixPoint(p.id, p.label, p.value, p.effort, p.href, True) for p in points]
    svg = value_effort_svg(unranked, title="t", description="d", rule=QuickWinRule())
    listed = svg.split('class="quick-win-list"')[1]
    assert listed.index("Higher value, ranked second") < listed.index("Lower value, ranked first")
