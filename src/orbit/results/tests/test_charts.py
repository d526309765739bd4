"""Server-side SVG charts: valid XML, accessible, escaped, and the points where the data put them."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from orbit.results import charts
from orbit.results.selectors import SeriesPoint

SVG = "{http://www.w3.org/2000/svg}"


def text(title: str = "Schools connected", **extra: str) -> charts.ChartText:
    return charts.ChartText(title=title, desc="Targets and actuals per year", x_label="Year", y_label="schools",
                            extra=extra)  # fmt: skip


def point(year: int, target: str | None, actual: str | None) -> SeriesPoint:
    return SeriesPoint(
        period_label=str(year),
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        target=None if target is None else Decimal(target),
        actual=None if actual is None else Decimal(actual),
        status=None,
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output)


def points(root: ET.Element, kind: str) -> list[tuple[str, str, float, float]]:
    found = []
    for element in root.iter():
        classes = (element.get("class") or "").split()
        if "point" in classes and kind in classes:
            if element.tag == f"{SVG}circle":
                x, y = float(element.get("cx")), float(element.get("cy"))
            else:
                x, y = float(element.get("x")) + 4, float(element.get("y")) + 4
            found.append((element.get("data-period"), element.get("data-value"), x, y))
    return found


SERIES = {
    "baseline": Decimal("2"),
    "overall": [point(2024, "10", "4"), point(2025, "20", None), point(2026, "30", "25.5")],
    "by_category": {},
}


def test_indicator_chart_is_valid_accessible_svg():
    root = parse(charts.indicator_chart(SERIES, text(), chart_id="c1"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Schools connected"
    assert root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}desc").text == "Targets and actuals per year"
    labels = {e.get("class"): e.text for e in root.iter(f"{SVG}text") if e.get("class") in ("x-label", "y-label")}
    assert labels == {"x-label": "Year", "y-label": "schools"}
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "x-tick"] == ["2024", "2025", "2026"]
    assert not any(e.tag.endswith("script") for e in root.iter()), "no script in a chart"


def test_points_follow_the_series():
    root = parse(charts.indicator_chart(SERIES, text(target="Target", actual="Actual")))
    targets = points(root, "target")
    actuals = points(root, "actual")
    assert [(p, v) for p, v, _x, _y in targets] == [("2024", "10"), ("2025", "20"), ("2026", "30")]
    assert [(p, v) for p, v, _x, _y in actuals] == [("2024", "4"), ("2026", "25.5")], "a missing actual is no point"
    # Higher values sit higher (smaller y), same period same x, and y is linear in the value.
    ys = {v: y for _p, v, _x, y in targets + actuals}
    assert ys["30"] < ys["25.5"] < ys["20"] < ys["10"] < ys["4"]
    slope = (ys["10"] - ys["30"]) / 20
    assert ys["20"] == pytest.approx(ys["10"] - 10 * slope, abs=0.2)
    assert ys["4"] == pytest.approx(ys["10"] + 6 * slope, abs=0.2)
    assert targets[0][2] == actuals[0][2] and targets[2][2] == actuals[1][2]
    baseline = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "baseline")
    assert baseline.get("data-value") == "2"
    assert float(baseline.get("y1")) == pytest.approx(ys["4"] + 2 * slope, abs=0.2)
    lines = list(root.iter(f"{SVG}polyline"))
    assert [e.get("class") for e in lines] == ["series target", "series actual"]
    assert lines[0].get("stroke-dasharray"), "targets are dashed, so they differ from actuals without colour"


def test_titles_and_labels_are_escaped():
    nasty = 'Schools <b>"connected"</b> & counted'
    svg = charts.indicator_chart(
        {**SERIES, "overall": [point(2024, "1", "2")]},
        charts.ChartText(title=nasty, desc="a < b & c", x_label='"x"', y_label="<y>", extra={"actual": "A&B"}),
        chart_id='id"><script>',
    )
    assert "<b>" not in svg and "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == nasty
    assert root.find(f"{SVG}desc").text == "a < b & c"
    assert root.get("id") == 'id"><script>'
    tooltips = [e.text for e in root.iter(f"{SVG}title")]
    assert "A&B, 2024: 2" in tooltips


def test_period_labels_are_escaped():
    root = parse(
        charts.line_chart(
            periods=["<2024>", "Q&A"],
            series=[charts.Series(name="s", values=[Decimal(1), Decimal(3)])],
            text=text(),
        )
    )
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "x-tick"] == ["<2024>", "Q&A"]


def test_empty_series_says_no_data():
    root = parse(charts.indicator_chart({"baseline": None, "overall": []}, text()))
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "no-data"] == ["No data"]
    assert points(root, "actual") == []


def test_category_chart_bars():
    by_category = {"f": {"2024": Decimal(3), "2025": Decimal(5)}, "m": {"2025": Decimal(4)}}
    root = parse(charts.category_chart(by_category, {"f": "Female", "m": "Male & other"}, text()))
    bars = [(e.get("data-period"), e.get("data-value"), float(e.get("height"))) for e in root.iter(f"{SVG}rect")
            if e.get("class") == "bar"]  # fmt: skip
    assert [(p, v) for p, v, _h in bars] == [("2024", "3"), ("2025", "5"), ("2025", "4")]
    heights = {v: h for _p, v, h in bars}
    assert heights["5"] > heights["4"] > heights["3"] > 0
    assert heights["4"] / heights["5"] == pytest.approx(0.8, rel=0.02)
    legend = [e.text for e in root.iter(f"{SVG}text") if e.text in ("Female", "Male & other")]
    assert legend == ["Female", "Male & other"]


def test_negative_values_extend_the_axis_below_zero():
    root = parse(charts.line_chart(periods=["a", "b"], series=[charts.Series(name="s", values=[-5, 5])], text=text()))
    ticks = [float(e.text) for e in root.iter(f"{SVG}text") if e.get("dominant-baseline") == "middle"
             and e.text and e.text.lstrip("-").isdigit()]  # fmt: skip
    assert min(ticks) <= -5 and max(ticks) >= 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("10.000000"), "10"), (Decimal("2.500000"), "2.5"), (Decimal("0.000001"), "0.000001"),
     (Decimal("1E+3"), "1000"), (None, "—"), (3, "3"), (0.25, "0.25")],
)  # fmt: skip
def test_fmt(value, expected):
    assert charts.fmt(value) == expected


def test_nice_ticks_cover_the_range():
    ticks = charts.nice_ticks(0, 27)
    assert ticks[0] <= 0 and ticks[-1] >= 27
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and steps.pop() in (1, 2, 5, 10)
