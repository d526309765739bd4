"""Dependency analysis of processes: closures checked by hand on small graphs, and against networkx on random ones."""

from __future__ import annotations

import dataclasses
import gc

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbit.processes.graph import DIRECTED_KINDS, KINDS, SYMMETRIC_KINDS, DependencyGraph, Edge, Reached


def reached(impact_list: list[Reached]) -> list[tuple[int, int, set[str], int]]:
    """(node, distance, kinds, via) per process reached, in the order given."""
    return [(item.node, item.distance, set(item.kinds), item.via) for item in impact_list]


# 1 hands over to 2, 2 messages 3, 1 calls 3; 4 and 3 share data (stored 4 → 3); 5 hands over to 4;
# 2 and 6 share a role; 7 stands alone.
SMALL = DependencyGraph.build(
    range(1, 8),
    [
        Edge(1, 2, "hands_over"),
        Edge(2, 3, "messages"),
        Edge(1, 3, "calls"),
        Edge(4, 3, "shares_data"),
        Edge(5, 4, "hands_over", 3),
        Edge(2, 6, "shares_role", 1),
    ],
)


def test_downstream_follows_directed_edges_forwards_and_shared_resources_both_ways():
    impact = SMALL.impact(1)
    assert reached(impact.downstream) == [
        (2, 1, {"hands_over"}, 1),
        (3, 1, {"calls"}, 1),  # the call reaches 3 at once; the path through 2 is longer
        (4, 2, {"shares_data"}, 3),  # stored as 4 → 3, reached from 3 all the same
        (6, 2, {"shares_role"}, 2),
    ]
    assert impact.upstream == []
    assert impact.cycles == []


def test_upstream_follows_directed_edges_backwards_and_shared_resources_both_ways():
    assert reached(SMALL.impact(4).upstream) == [
        (3, 1, {"shares_data"}, 4),
        (5, 1, {"hands_over"}, 4),
        (1, 2, {"calls"}, 3),
        (2, 2, {"messages"}, 3),
        (6, 3, {"shares_role"}, 2),
    ]
    # Downstream of 4: only the sharer; 5 hands over *to* 4, so it is upstream, not downstream.
    assert reached(SMALL.impact(4).downstream) == [(3, 1, {"shares_data"}, 4)]


def test_a_shared_resource_reaches_both_ways_whichever_end_is_stored_as_source():
    graph = DependencyGraph.build([10, 20], [Edge(20, 10, "shares_system")])
    for node, other in ((10, 20), (20, 10)):
        impact = graph.impact(node)
        assert reached(impact.downstream) == [(other, 1, {"shares_system"}, node)]
        assert reached(impact.upstream) == [(other, 1, {"shares_system"}, node)]


def test_a_directed_edge_reaches_one_way_only():
    graph = DependencyGraph.build([10, 20], [Edge(10, 20, "calls")])
    assert [r.node for r in graph.impact(10).downstream] == [20]
    assert graph.impact(10).upstream == []
    assert graph.impact(20).downstream == []
    assert [r.node for r in graph.impact(20).upstream] == [10]


def test_kinds_are_those_of_every_last_hop_and_via_is_the_smallest_id_predecessor():
    graph = DependencyGraph.build(
        [1, 2, 3, 4, 5],
        [
            Edge(1, 3, "hands_over"),
            Edge(1, 2, "hands_over"),
            Edge(3, 4, "calls"),  # listed first, but 2 < 3 so 2 is "via"
            Edge(2, 4, "hands_over"),
            Edge(1, 5, "hands_over"),
            Edge(1, 5, "messages"),  # two kinds on the same hop
        ],
    )
    assert reached(graph.impact(1).downstream) == [
        (2, 1, {"hands_over"}, 1),
        (3, 1, {"hands_over"}, 1),
        (5, 1, {"hands_over", "messages"}, 1),
        (4, 2, {"hands_over", "calls"}, 2),
    ]


def test_kinds_filter_keeps_only_those_edges():
    impact = SMALL.impact(1, kinds={"hands_over", "messages"})
    assert reached(impact.downstream) == [(2, 1, {"hands_over"}, 1), (3, 2, {"messages"}, 2)]
    assert reached(SMALL.impact(3, kinds=["shares_data"]).upstream) == [(4, 1, {"shares_data"}, 3)]
    assert SMALL.impact(1, kinds=[]).downstream == []


def test_max_distance_stops_the_search():
    assert [(r.node, r.distance) for r in SMALL.impact(1, max_distance=1).downstream] == [(2, 1), (3, 1)]
    assert [(r.node, r.distance) for r in SMALL.impact(4, max_distance=2).upstream] == [(3, 1), (5, 1), (1, 2), (2, 2)]
    assert len(SMALL.impact(4, max_distance=99).upstream) == 5


def test_reached_items_are_ordinary_frozen_dataclasses():
    item = SMALL.impact(1).downstream[0]
    assert item == Reached(node=2, distance=1, kinds=frozenset({"hands_over"}), via=1)
    assert hash(item) == hash(Reached(node=2, distance=1, kinds=frozenset({"hands_over"}), via=1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.distance = 5  # type: ignore[misc]


# 1 → 2 → 3 → 1 and 4 → 5 → 4 are cycles joined by 3 → 4 (still two groups); 6 hands over to itself;
# 7 → 8 is no cycle; 8 and 9 share a system and 9 hands over to 8: a shared resource makes no cycle.
CYCLES = DependencyGraph.build(
    range(1, 10),
    [
        Edge(1, 2, "hands_over"),
        Edge(2, 3, "messages"),
        Edge(3, 1, "calls"),
        Edge(3, 4, "hands_over"),
        Edge(4, 5, "hands_over"),
        Edge(5, 4, "hands_over"),
        Edge(6, 6, "hands_over"),
        Edge(7, 8, "hands_over"),
        Edge(8, 9, "shares_system"),
        Edge(9, 8, "hands_over"),
    ],
)


def test_cycles_are_the_groups_of_more_than_one_process_and_self_loops_over_directed_kinds():
    assert CYCLES.cycles() == [[1, 2, 3], [4, 5], [6]]


def test_impact_names_the_cycle_the_process_is_part_of():
    assert CYCLES.impact(2).cycles == [[1, 2, 3]]
    assert CYCLES.impact(5).cycles == [[4, 5]]
    assert CYCLES.impact(6).cycles == [[6]]
    assert CYCLES.impact(7).cycles == []
    assert CYCLES.impact(9).cycles == []  # 9 → 8 and the shared system: no cycle
    # The cycle 1 → 2 → 3 → 1 needs all three kinds; without calls it is gone.
    assert CYCLES.impact(2, kinds={"hands_over", "messages"}).cycles == []
    assert CYCLES.impact(6, kinds={"calls"}).cycles == []


def test_a_self_loop_does_not_reach_the_process_itself():
    impact = CYCLES.impact(6)
    assert impact.downstream == [] and impact.upstream == []


def test_waves_of_a_dag_put_each_process_one_wave_after_its_latest_feeder():
    graph = DependencyGraph.build(
        range(1, 8),
        [
            Edge(1, 2, "hands_over"),
            Edge(1, 3, "calls"),
            Edge(2, 4, "messages"),
            Edge(3, 4, "hands_over"),
            Edge(4, 5, "hands_over"),
            Edge(1, 5, "hands_over"),  # a shortcut does not pull 5 earlier
            Edge(7, 5, "shares_data"),  # only shared: orders nothing, so 7 is in wave 0
        ],
    )
    assert graph.waves() == [[1, 6, 7], [2, 3], [4], [5]]
    assert graph.wave_of() == {1: 0, 6: 0, 7: 0, 2: 1, 3: 1, 4: 2, 5: 3}


def test_waves_condense_a_cycle_into_one_step():
    graph = DependencyGraph.build(
        range(1, 6), [Edge(1, 2, "hands_over"), Edge(2, 3, "hands_over"), Edge(3, 2, "messages"), Edge(3, 4, "calls")]
    )
    assert graph.waves() == [[1, 5], [2, 3], [4]]
    assert CYCLES.wave_of()[1] == CYCLES.wave_of()[2] == CYCLES.wave_of()[3]
    assert CYCLES.wave_of()[4] == CYCLES.wave_of()[5] > CYCLES.wave_of()[3]


def test_every_process_is_in_exactly_one_wave():
    for graph in (SMALL, CYCLES, DependencyGraph.build([3, 1, 2, 2], [])):
        flat = [node for wave in graph.waves() for node in wave]
        assert sorted(flat) == graph.nodes and len(flat) == len(set(flat))
    assert DependencyGraph.build([3, 1, 2], []).waves() == [[1, 2, 3]]
    assert DependencyGraph.build([], []).waves() == []


def test_from_rows_builds_the_same_graph_as_build():
    rows = [(1, 2, "hands_over", 2), (2, 3, "messages", 1), (1, 3, "calls", 2), (4, 3, "shares_data", 2),
            (5, 4, "hands_over", 3), (2, 6, "shares_role", 1)]  # fmt: skip
    graph = DependencyGraph.from_rows(range(1, 8), rows)
    for node in range(1, 8):
        assert graph.impact(node) == SMALL.impact(node)


@pytest.mark.parametrize(
    ("edge", "words"),
    [
        (Edge(1, 2, "depends_on"), ["1 → 2", "'depends_on'", "hands_over"]),
        (Edge(1, 99, "hands_over"), ["1 → 99", "process 99"]),
        (Edge(42, 1, "calls"), ["42 → 1", "process 42"]),
        (Edge(1, 2, "calls", 5), ["1 → 2", "strength 5"]),
    ],
)
def test_malformed_edges_are_refused_by_name(edge: Edge, words: list[str]):
    with pytest.raises(ValueError, match="Dependency") as error:
        DependencyGraph.build([1, 2, 3], [Edge(1, 3, "hands_over"), edge])
    for word in words:
        assert word in str(error.value)


def test_bad_questions_are_refused():
    with pytest.raises(ValueError, match="Process 99 is not in the dependency graph"):
        SMALL.impact(99)
    with pytest.raises(ValueError, match="'owns'"):
        SMALL.impact(1, kinds={"owns", "calls"})
    with pytest.raises(ValueError, match="max_distance"):
        SMALL.impact(1, max_distance=0)


# ---------------------------------------------------------------------------- properties on random graphs

NODES = 9


@st.composite
def graphs(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS) -> tuple[list[int], list[Edge]]:
    nodes = draw(st.lists(st.integers(0, 40), min_size=1, max_size=NODES, unique=True))
    edges = draw(
        st.lists(
            st.builds(Edge, st.sampled_from(nodes), st.sampled_from(nodes), st.sampled_from(kinds), st.integers(1, 3)),
            max_size=25,
        )
    )
    return nodes, edges


def oracle(nodes: list[int], edges: list[Edge], kinds: frozenset[str] = frozenset(KINDS)) -> nx.MultiDiGraph:
    """The graph a change travels along, built independently: symmetric kinds as two opposite edges."""
    graph: nx.MultiDiGraph = nx.MultiDiGraph()
    graph.add_nodes_from(nodes)
    for edge in edges:
        if edge.kind in kinds:
            graph.add_edge(edge.source, edge.target, kind=edge.kind)
            if edge.kind in SYMMETRIC_KINDS:
                graph.add_edge(edge.target, edge.source, kind=edge.kind)
    return graph


def expected(graph: nx.MultiDiGraph, start: int) -> list[tuple[int, int, set[str], int]]:
    """Distances from networkx; last-hop kinds and smallest-id predecessors worked out from them."""
    lengths = nx.single_source_shortest_path_length(graph, start)
    rows = []
    for node, distance in lengths.items():
        if node == start:
            continue
        hops = [(u, data["kind"]) for u, _v, data in graph.in_edges(node, data=True) if lengths.get(u) == distance - 1]
        rows.append((node, distance, {kind for _u, kind in hops}, min(u for u, _kind in hops)))
    return sorted(rows, key=lambda row: (row[1], row[0]))


@settings(max_examples=150, deadline=None)
@given(graphs(), st.sets(st.sampled_from(KINDS)) | st.none())
def test_closures_agree_with_networkx(graph_data: tuple[list[int], list[Edge]], kinds: set[str] | None):
    nodes, edges = graph_data
    graph = DependencyGraph.build(nodes, edges)
    allowed = frozenset(KINDS if kinds is None else kinds)
    forwards = oracle(nodes, edges, allowed)
    for node in nodes:
        impact = graph.impact(node, kinds=kinds)
        assert reached(impact.downstream) == expected(forwards, node)
        assert reached(impact.upstream) == expected(forwards.reverse(copy=True), node)


@settings(max_examples=150, deadline=None)
@given(graphs(kinds=tuple(sorted(DIRECTED_KINDS))))
def test_downstream_and_upstream_mirror_each_other_on_directed_graphs(graph_data: tuple[list[int], list[Edge]]):
    nodes, edges = graph_data
    graph = DependencyGraph.build(nodes, edges)
    down = {node: {r.node: r.distance for r in graph.impact(node).downstream} for node in nodes}
    up = {node: {r.node: r.distance for r in graph.impact(node).upstream} for node in nodes}
    for x in nodes:
        for y in nodes:
            assert (y in down[x]) == (x in up[y])
            assert down[x].get(y) == up[y].get(x)


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_waves_respect_every_directed_edge_outside_a_cycle(graph_data: tuple[list[int], list[Edge]]):
    nodes, edges = graph_data
    graph = DependencyGraph.build(nodes, edges)
    waves, wave = graph.waves(), graph.wave_of()
    flat = [node for group in waves for node in group]
    assert sorted(flat) == sorted(nodes) and len(flat) == len(set(flat))
    assert all(group for group in waves)
    directed = nx.DiGraph()
    directed.add_nodes_from(nodes)
    directed.add_edges_from((e.source, e.target) for e in edges if e.kind in DIRECTED_KINDS)
    group_of = {node: frozenset(group) for group in nx.strongly_connected_components(directed) for node in group}
    for edge in edges:
        if edge.kind not in DIRECTED_KINDS:
            continue
        if group_of[edge.source] == group_of[edge.target]:
            assert wave[edge.source] == wave[edge.target]
        else:
            assert wave[edge.source] < wave[edge.target]
    # Every process after wave 0 has a feeder in the wave just before (waves are as early as possible).
    for node in nodes:
        if wave[node] > 0:
            feeders = {wave[u] for u in directed.predecessors(node) if group_of[u] != group_of[node]}
            feeders |= {wave[u] for member in group_of[node] for u in directed.predecessors(member)
                        if group_of[u] != group_of[node]}  # fmt: skip
            assert wave[node] - 1 in feeders
    # The same waves as the topological generations of networkx's condensation, an independent oracle.
    condensed = nx.condensation(directed)
    generations = [sorted(node for c in generation for node in condensed.nodes[c]["members"])
                   for generation in nx.topological_generations(condensed)]  # fmt: skip
    assert waves == generations
    # Cycles: the groups with more than one member, and self-loops; the same the impact reports.
    loops = {e.source for e in edges if e.kind in DIRECTED_KINDS and e.source == e.target}
    assert graph.cycles() == sorted(sorted(g) for g in set(group_of.values()) if len(g) > 1 or next(iter(g)) in loops)
    for node in nodes:
        mine = [group for group in graph.cycles() if node in group]
        assert graph.impact(node).cycles == mine


def test_the_garbage_collector_is_left_as_it_was():
    assert gc.isenabled()
    graph = DependencyGraph.build([1, 2], [Edge(1, 2, "calls")])
    graph.impact(1)
    with pytest.raises(ValueError, match="unknown kind"):
        DependencyGraph.build([1, 2], [Edge(1, 2, "owns")])
    assert gc.isenabled()
    gc.disable()
    try:
        DependencyGraph.build([1, 2], [Edge(1, 2, "calls")]).impact(2)
        assert not gc.isenabled()
    finally:
        gc.enable()
