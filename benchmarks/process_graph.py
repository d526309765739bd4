"""Process dependency graph benchmark: building the graph, one process's impact, cycles and waves (no database).

    python benchmarks/process_graph.py
    python benchmarks/process_graph.py --processes 10000 --dependencies 40000 --samples 50 --runs 20

Generates an inventory with a fixed seed, shaped like a real one: processes numbered along their value chains
(units of a few hundred processes each), most dependencies pointing forwards to a nearby process (hand-overs,
messages, calls), a few pointing back a short way (rework loops, so some cycles), shared data, systems and
roles mostly within a unit but some across units, and a small set of hubs (a shared registry, a central
finance process) that many processes touch.  Then it times, in the same process:

* building :class:`~orbit.processes.graph.DependencyGraph` from the ids and ``Edge`` objects, and from
  ``(source, target, kind, strength)`` tuples as a ``values_list`` query gives them (``--runs`` times each);
* ``impact()`` — the full downstream and upstream closures and the process's cycle — for ``--samples``
  random processes on one graph built beforehand, as the product keeps it (``selectors.load_graph()`` caches
  the graph until the next audited write);
* the same on a freshly built graph each time, timed separately and together with the build (the first
  analysis after a write, without the cache);
* ``cycles()`` and ``waves()`` on a fresh graph (``--runs`` times).

It prints the median, the 95th percentile and the minimum in ms (the minimum is the figure least disturbed by
other work on a shared machine) and whether the bar is met: one impact on the built (cached) graph at most
100 ms, median and p95.  Build plus impact, without the cache, is printed as information; aimed at, and
reported: build ≤ 40 ms, impact ≤ 20 ms.  Exit status 1 when the 100 ms bar is missed.  The database is not
part of it: ``benchmarks/processes.py`` measures the same with the queries, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from orbit.processes.graph import DIRECTED_KINDS, DependencyGraph, Edge

T = TypeVar("T")
SEED = 1
BAR_MS = 100.0
AIM_BUILD_MS = 40.0
AIM_IMPACT_MS = 20.0
UNIT_SIZE = 250
CHAIN = 12
TIERS = 4
#: Share of each kind among the dependencies (hand-overs dominate in process maps).
KIND_SHARES = {
    "hands_over": 0.36,
    "messages": 0.14,
    "calls": 0.10,
    "shares_data": 0.20,
    "shares_system": 0.12,
    "shares_role": 0.08,
}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def generate(processes: int, dependencies: int, seed: int = SEED) -> tuple[list[int], list[Edge]]:
    """Process ids (from 1, as a database hands them out) and typed dependencies, the same for the same seed.

    Processes are numbered along value chains of ``CHAIN`` processes, the chains in ``TIERS`` tiers (say
    strategic, core, support, oversight).  A directed dependency mostly points a few processes further along
    its chain; some hand over to a chain of a later tier, and a few point back (rework loops, a handful of
    hand-overs to an earlier chain): those make the cycles.  Hubs are support processes numbered at the end
    that many processes call or share with.  Shared data, systems and roles are mostly within a unit of
    ``UNIT_SIZE`` processes, some across the organisation.
    """
    rng = random.Random(seed)
    ids = list(range(1, processes + 1))
    hubs = list(range(processes - max(1, processes // 200) + 1, processes + 1))
    kinds, weights = list(KIND_SHARES), list(KIND_SHARES.values())
    edges: list[Edge] = []
    seen: set[tuple[int, int, str]] = set()
    while len(edges) < dependencies:
        kind = rng.choices(kinds, weights)[0]
        source = rng.randint(1, processes)
        chain_end = min(processes, ((source - 1) // CHAIN + 1) * CHAIN)
        roll = rng.random()
        if roll < 0.06:  # a hub: called by, or sharing with, processes anywhere
            target = rng.choice(hubs)
        elif kind in DIRECTED_KINDS:
            if roll < 0.07:  # rework loop within the chain
                target = source - 1 - int(rng.expovariate(1 / 2))
            elif roll < 0.0715:  # a rare hand-over back to an earlier chain
                target = rng.randint(max(1, source - 5 * CHAIN), source - 1)
            elif roll < 0.20:  # hand-over to a chain of a later tier
                tier = (source - 1) * TIERS // processes
                first = (tier + 1) * processes // TIERS + 1
                target = rng.randint(first, processes) if tier < TIERS - 1 else 0
            else:  # further along the chain
                target = min(chain_end, source + 1 + int(rng.expovariate(1 / 3)))
        elif roll < 0.80:  # shared within the unit
            unit = (source - 1) // UNIT_SIZE
            target = unit * UNIT_SIZE + rng.randint(1, UNIT_SIZE)
        else:
            target = rng.randint(1, processes)
        if not 1 <= target <= processes or target == source or (source, target, kind) in seen:
            continue
        seen.add((source, target, kind))
        edges.append(Edge(source, target, kind, rng.choice((1, 2, 2, 3))))
    return ids, edges


def timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def line(name: str, samples: list[float]) -> str:
    return (f"  {name:<34}{statistics.median(samples):>9.1f} ms{percentile(samples, 0.95):>9.1f} ms"
            f"{min(samples):>9.1f} ms")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=10_000)
    parser.add_argument("--dependencies", type=int, default=40_000)
    parser.add_argument("--samples", type=int, default=50, help="random processes whose impact is timed")
    parser.add_argument("--runs", type=int, default=20, help="timed builds, and timed cycles/waves")
    args = parser.parse_args()

    ids, edges = generate(args.processes, args.dependencies)
    rows = [(edge.source, edge.target, edge.kind, edge.strength) for edge in edges]
    print(f"\nProcess dependency graph: {len(ids)} processes, {len(edges)} dependencies (seed {SEED})")
    DependencyGraph.build(ids, edges).impact(ids[0])  # warm-up

    builds = [timed(lambda: DependencyGraph.build(ids, edges))[0] for _ in range(args.runs)]
    row_builds = [timed(lambda: DependencyGraph.from_rows(ids, rows))[0] for _ in range(args.runs)]
    sample = random.Random(SEED).sample(ids, args.samples)
    built = DependencyGraph.build(ids, edges)
    cached = [timed(lambda node=node: built.impact(node))[0] for node in sample]  # type: ignore[misc]
    impacts, totals, downstream, upstream = [], [], [], []
    for node in sample:
        build_ms, graph = timed(lambda: DependencyGraph.build(ids, edges))
        impact_ms, impact = timed(lambda graph=graph, node=node: graph.impact(node))  # type: ignore[misc]
        impacts.append(impact_ms)
        totals.append(build_ms + impact_ms)
        downstream.append(len(impact.downstream))
        upstream.append(len(impact.upstream))
    cycles_ms, waves_ms = [], []
    for _ in range(args.runs):  # each on a fresh graph: includes making the networkx graph and its condensation
        cycles_ms.append(timed(DependencyGraph.build(ids, edges).cycles)[0])
        waves_ms.append(timed(DependencyGraph.build(ids, edges).waves)[0])
    graph = DependencyGraph.build(ids, edges)
    cycles, waves = graph.cycles(), graph.waves()

    print(f"  {'':<34}{'median':>12}{'p95':>12}{'min':>12}")
    print(line("build (Edge objects)", builds))
    print(line("build (row tuples)", row_builds))
    print(line("impact on the built graph (cached)", cached))
    print(line("impact on a fresh graph", impacts))
    print(line("build + impact (without the cache)", totals))
    print(line("cycles (fresh graph)", cycles_ms))
    print(line("waves (fresh graph)", waves_ms))
    print(f"  reached per impact: downstream median {statistics.median(downstream):.0f}, "
          f"upstream median {statistics.median(upstream):.0f} processes")  # fmt: skip
    print(f"  {len(cycles)} cycles (largest {max(map(len, cycles), default=0)} processes), {len(waves)} waves")
    cached_median, cached_p95 = statistics.median(cached), percentile(cached, 0.95)
    checks = [
        (f"impact on the cached graph, median ≤ {BAR_MS:.0f} ms", cached_median <= BAR_MS, cached_median),
        (f"impact on the cached graph, p95 ≤ {BAR_MS:.0f} ms", cached_p95 <= BAR_MS, cached_p95),
    ]
    aims = [
        (f"build median ≤ {AIM_BUILD_MS:.0f} ms", statistics.median(builds)),
        (f"impact median ≤ {AIM_IMPACT_MS:.0f} ms", statistics.median(impacts)),
    ]
    for name, ok, value in checks:
        print(f"  {'MET ' if ok else 'MISSED'} {name}: {value:.1f} ms")
    for (name, value), aim in zip(aims, (AIM_BUILD_MS, AIM_IMPACT_MS), strict=True):
        print(f"  {'met ' if value <= aim else 'over'} (aim) {name}: {value:.1f} ms")
    total_median, total_p95 = statistics.median(totals), percentile(totals, 0.95)
    print(f"  (information, without the cache) build + impact: median {total_median:.1f} ms, p95 {total_p95:.1f} ms"
          f"{' — within the bar too' if max(total_median, total_p95) <= BAR_MS else ''}")  # fmt: skip
    ok = all(ok for _, ok, _ in checks)
    print(f"\nProcess graph bar (one impact on the cached graph ≤ {BAR_MS:.0f} ms, median and p95): "
          f"{'MET' if ok else 'MISSED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
