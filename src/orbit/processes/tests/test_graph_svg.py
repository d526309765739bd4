"""The dependency picture: valid, accessible SVG that stays complete and deterministic at 200 processes."""

from __future__ import annotations

import itertools
import random
import xml.etree.ElementTree as ET

import pytest

from orbit.processes.graph import DIRECTED_KINDS, KINDS, SYMMETRIC_KINDS, DependencyGraph, Edge
from orbit.processes.graph_svg import STATUSES, GraphLabels, GraphNode, dependency_svg

SVG = "{http://www.w3.org/2000/svg}"
UNITS = ("Finance", "Human resources", "Procurement and supply", "Radiocommunication Bureau field operations")
NASTY = '<script>alert("x")</script> & "quotes" \'apostrophes\''


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output)


def inventory(size: int, seed: int = 7) -> tuple[list[GraphNode], list[Edge], dict[int, int]]:
    """``size`` processes in four units with ~3 dependencies each, mostly forwards, some cycles and sharing."""
    rng = random.Random(seed)
    ids = list(range(101, 101 + size))
    edges = []
    for _ in range(size * 3):
        source = rng.choice(ids)
        kind = rng.choice(KINDS)
        target = source + rng.randint(1, 8) if rng.random() < 0.9 else source - rng.randint(1, 3)
        if target in ids:
            edges.append(Edge(source, target, kind, rng.randint(1, 3)))
    waves = DependencyGraph.build(ids, edges).wave_of()
    nodes = [
        GraphNode(
            id=node,
            label=f"Process {node}: {'a rather long name of a process that will not fit' if node % 3 else 'short'}",
            cluster=UNITS[(node * 7) % len(UNITS)],
            status=STATUSES[node % len(STATUSES)],
            href=f"/processes/{node}/",
        )
        for node in ids
    ]
    return nodes, edges, waves


def draw(nodes, edges, waves, group_by="unit", **extra) -> str:
    return dependency_svg(nodes, edges, waves=waves, group_by=group_by, title="Dependencies of the inventory",
                          description="Processes by wave and unit", **extra)  # fmt: skip


def links(root: ET.Element) -> list[ET.Element]:
    return [a for a in root.iter(f"{SVG}a") if "node" in (a.get("class") or "").split()]


def test_the_picture_is_valid_accessible_svg():
    nodes, edges, waves = inventory(12)
    root = parse(draw(nodes, edges, waves))
    assert root.tag == f"{SVG}svg"
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert root.find(f"{SVG}title").text == "Dependencies of the inventory"
    assert root.find(f"{SVG}desc").text == "Processes by wave and unit"
    assert root.get("aria-labelledby") == "dependency-graph-title dependency-graph-desc"
    assert not list(root.iter(f"{SVG}script")) and "<script" not in draw(nodes, edges, waves)


def test_two_hundred_processes_are_all_drawn_with_links_and_full_names():
    nodes, edges, waves = inventory(200)
    svg = draw(nodes, edges, waves)
    root = parse(svg)
    drawn = links(root)
    assert len(drawn) == 200
    by_id = {node.id: node for node in nodes}
    for link in drawn:
        node = by_id[int(link.get("data-id"))]
        assert link.get("href") == f"/processes/{node.id}/"
        title = link.find(f"{SVG}title").text
        assert title.startswith(node.label + " — ")  # the full name, however long
        assert node.cluster in title
        shown = "".join(text.text or "" for text in link.iter(f"{SVG}text"))
        if len(node.label) > 24:
            assert node.label not in shown and shown.startswith(node.label[:20]) and "…" in shown
        else:
            assert node.label in shown
        assert int(link.get("data-wave")) == waves[node.id]
    paths = [p for p in root.iter(f"{SVG}path") if "edge" in (p.get("class") or "").split()]
    pairs = {(e.source, e.target, e.kind) if e.kind in DIRECTED_KINDS else (*sorted((e.source, e.target)), e.kind)
             for e in edges}  # fmt: skip
    assert len(paths) == len(pairs)
    for path in paths:
        assert path.find(f"{SVG}title").text


def test_the_picture_grows_with_its_content():
    small, large = (parse(draw(*inventory(size))) for size in (20, 200))
    assert int(large.get("height")) > int(small.get("height"))
    assert int(large.get("width")) >= int(small.get("width"))
    # Boxes never overlap: two processes in the same column are at least one box height apart.
    boxes = {}
    for link in links(large):
        rect = link.find(f"{SVG}rect")
        boxes.setdefault(rect.get("x"), []).append(float(rect.get("y")))
    for column in boxes.values():
        column.sort()
        assert all(b - a >= 24 for a, b in itertools.pairwise(column))
    assert all(float(x) + 168 <= int(large.get("width")) for x in boxes)


def test_columns_follow_the_waves_left_to_right():
    nodes, edges, waves = inventory(60)
    root = parse(draw(nodes, edges, waves))
    x_of = {int(a.get("data-id")): float(a.find(f"{SVG}rect").get("x")) for a in links(root)}
    for a in nodes:
        for b in nodes:
            if waves[a.id] < waves[b.id]:
                assert x_of[a.id] < x_of[b.id]
            elif waves[a.id] == waves[b.id]:
                assert x_of[a.id] == x_of[b.id]


def test_labels_are_escaped():
    nodes = [
        GraphNode(1, NASTY, NASTY, "assessed", "/processes/1/?a=1&b=<2>"),
        GraphNode(2, "Plain & simple", "Unit & co", "unknown_status", "/processes/2/", "focus"),
    ]
    edges = [Edge(1, 2, "hands_over")]
    svg = dependency_svg(nodes, edges, waves={1: 0, 2: 1}, group_by="unit", title="A <b> & c", description="<d>")
    assert "<script" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "A <b> & c"
    first = next(a for a in links(root) if a.get("data-id") == "1")
    assert first.get("href") == "/processes/1/?a=1&b=<2>"
    assert first.find(f"{SVG}title").text.startswith(NASTY)
    band_titles = [t.text for text in root.iter(f"{SVG}text") for t in text.iter(f"{SVG}title")]
    assert NASTY in band_titles and "Unit & co" in band_titles
    edge_title = next(p for p in root.iter(f"{SVG}path") if p.get("data-kind") == "hands_over").find(f"{SVG}title")
    assert edge_title.text.startswith(NASTY + " → Plain & simple")


def test_the_same_input_gives_the_same_bytes_whatever_its_order():
    nodes, edges, waves = inventory(120)
    first = draw(nodes, edges, waves)
    assert draw(nodes, edges, waves) == first
    rng = random.Random(3)
    shuffled_nodes, shuffled_edges = nodes[:], edges[:]
    rng.shuffle(shuffled_nodes)
    rng.shuffle(shuffled_edges)
    assert draw(shuffled_nodes, shuffled_edges, dict(reversed(list(waves.items())))) == first


def test_kinds_are_told_apart_without_colour():
    nodes, edges, waves = inventory(80)
    root = parse(draw(nodes, edges, waves, chart_id="g1"))
    markers = {m.get("id") for m in root.iter(f"{SVG}marker")}
    assert markers == {f"g1-{kind}" for kind in KINDS}
    dashes = {}
    for path in root.iter(f"{SVG}path"):
        kind = path.get("data-kind")
        if not kind:
            continue
        dashes.setdefault(kind, set()).add(path.get("stroke-dasharray"))
        assert path.get("marker-end") == f"url(#g1-{kind})"
        if kind in DIRECTED_KINDS:
            assert path.get("marker-start") is None  # an arrowhead at the target only
        else:
            assert path.get("marker-start") == f"url(#g1-{kind})"  # a dot at both ends, no arrow
    assert set(dashes) == set(KINDS)
    assert all(len(patterns) == 1 for patterns in dashes.values())
    assert len({next(iter(patterns)) for patterns in dashes.values()}) == len(KINDS)
    # The markers of symmetric kinds are no arrowheads: no path shape, only dots and bars.
    for marker in root.iter(f"{SVG}marker"):
        kind = marker.get("id").removeprefix("g1-")
        has_arrow = marker.find(f"{SVG}path") is not None
        assert has_arrow == (kind in DIRECTED_KINDS)
    legend = {p.get("class") for p in root.iter(f"{SVG}path") if "legend-kind" in (p.get("class") or "")}
    assert legend == {f"legend-kind {kind}" for kind in KINDS}
    statuses = {g.get("class") for g in root.iter(f"{SVG}g") if "legend-status" in (g.get("class") or "")}
    assert statuses == {f"legend-status {status}" for status in STATUSES}


def test_focus_downstream_and_upstream_are_highlighted():
    nodes, edges, waves = inventory(40)
    graph = DependencyGraph.build([n.id for n in nodes], edges)
    focus = nodes[15].id
    impact = graph.impact(focus)
    down, up = {r.node for r in impact.downstream}, {r.node for r in impact.upstream}
    marked = [
        GraphNode(n.id, n.label, n.cluster, n.status, n.href,
                  "focus" if n.id == focus else "downstream" if n.id in down else "upstream" if n.id in up else "")
        for n in nodes
    ]  # fmt: skip
    root = parse(draw(marked, edges, waves))
    classes = {int(a.get("data-id")): set(a.get("class").split()) for a in links(root)}
    assert {node for node, c in classes.items() if "focus" in c} == {focus}
    assert {node for node, c in classes.items() if "downstream" in c} == down - {focus}
    assert {node for node, c in classes.items() if "upstream" in c} == up - down - {focus}
    legend = {r.get("class") for r in root.iter(f"{SVG}rect") if "legend-highlight" in (r.get("class") or "")}
    assert legend == {"legend-highlight focus", "legend-highlight downstream", "legend-highlight upstream"}
    on_path = [p for p in root.iter(f"{SVG}path") if "on-path" in (p.get("class") or "").split()]
    assert on_path and all(int(p.get("data-source")) in classes and int(p.get("data-target")) in classes
                           for p in on_path)  # fmt: skip
    # Without a focus: no highlight legend, no faded edges.
    plain = parse(draw(nodes, edges, waves))
    assert not [r for r in plain.iter(f"{SVG}rect") if "legend-highlight" in (r.get("class") or "")]
    assert not [p for p in plain.iter(f"{SVG}path") if p.get("stroke-opacity")]


def test_grouping_by_unit_draws_a_labelled_band_per_unit():
    nodes, edges, waves = inventory(40)
    root = parse(draw(nodes, edges, waves, group_by="unit"))
    bands = [r for r in root.iter(f"{SVG}rect") if (r.get("class") or "") == "band unit"]
    assert len(bands) == len(UNITS)
    labels = [t.find(f"{SVG}title").text for t in root.iter(f"{SVG}text") if t.get("class") == "band-label"]
    assert labels == sorted(UNITS, key=str.casefold)
    # Every process sits inside the band of its unit.
    band_of = dict(zip(labels, bands, strict=True))
    for link in links(root):
        node = next(n for n in nodes if n.id == int(link.get("data-id")))
        band, y = band_of[node.cluster], float(link.find(f"{SVG}rect").get("y"))
        assert float(band.get("y")) <= y and y + 24 <= float(band.get("y")) + float(band.get("height"))


def test_grouping_by_wave_draws_a_labelled_band_per_wave():
    nodes, edges, waves = inventory(40)
    root = parse(draw(nodes, edges, waves, group_by="wave"))
    bands = [r for r in root.iter(f"{SVG}rect") if (r.get("class") or "") == "band wave"]
    count = len(set(waves.values()))
    assert len(bands) == count
    headings = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "column-label"]
    assert headings == [f"Wave {number}" for number in range(1, count + 1)]
    translated = parse(draw(nodes, edges, waves, group_by="wave", labels=GraphLabels(wave="Vague {number}")))
    assert next(t.text for t in translated.iter(f"{SVG}text") if t.get("class") == "column-label") == "Vague 1"


def test_edges_leaving_the_picture_are_left_out_and_bad_input_is_refused():
    nodes = [GraphNode(1, "One", "U", "documented", "/p/1/"), GraphNode(2, "Two", "U", "transformed", "/p/2/")]
    edges = [Edge(1, 2, "calls"), Edge(2, 3, "hands_over"), Edge(2, 2, "hands_over"), Edge(2, 1, "shares_role"),
             Edge(1, 2, "shares_role", 3)]  # fmt: skip
    root = parse(dependency_svg(nodes, edges, waves={1: 0}, group_by="wave", title="t", description="d"))
    drawn = {(p.get("data-source"), p.get("data-target"), p.get("data-kind")) for p in root.iter(f"{SVG}path")
             if p.get("data-kind")}  # fmt: skip
    assert drawn == {("1", "2", "calls"), ("2", "2", "hands_over"), ("1", "2", "shares_role")}
    role = next(p for p in root.iter(f"{SVG}path") if p.get("data-kind") == "shares_role")
    assert role.find(f"{SVG}title").text.endswith("(strength 3)")  # one line for the pair, the strongest
    assert {a.get("data-wave") for a in links(root)} == {"0"}  # 2 is missing from waves: wave 0
    with pytest.raises(ValueError, match="Process 1 appears more than once"):
        dependency_svg([*nodes, nodes[0]], [], waves={}, group_by="unit", title="t", description="d")
    with pytest.raises(ValueError, match="highlight 'selected'"):
        dependency_svg([GraphNode(1, "One", "U", "documented", "/p/1/", "selected")], [], waves={},
                       group_by="unit", title="t", description="d")  # fmt: skip
    with pytest.raises(ValueError, match="group_by"):
        dependency_svg(nodes, [], waves={}, group_by="team", title="t", description="d")  # type: ignore[arg-type]


def test_an_empty_inventory_gives_a_valid_picture_that_says_so():
    svg = dependency_svg([], [], waves={}, group_by="unit", title="t", description="d",
                         labels=GraphLabels(empty="Nothing & nobody"))  # fmt: skip
    root = parse(svg)
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "no-data"] == ["Nothing & nobody"]
    assert not links(root)
    assert set(SYMMETRIC_KINDS) <= {m.get("id").removeprefix("dependency-graph-")
                                                  for m in root.iter(f"{SVG}marker")}  # fmt: skip
