"""Dependencies between processes: what a change reaches, which processes form cycles, and in which order to transform.

A dependency is a typed edge between two process ids.  Two families of kinds behave differently:

* **Directed kinds** (``hands_over``, ``messages``, ``calls``): the order matters.  A process that hands over to,
  messages or calls another one feeds it; changing the first one can break the second, not the other way round.
  So a change travels from the source to the target, and the target is "downstream".
* **Symmetric kinds** (``shares_data``, ``shares_system``, ``shares_role``): two processes use the same records,
  IT system or role.  The shared resource has no direction: changing it for one process changes it for the
  other, whichever of the two is stored as the edge's source.  So a change travels both ways along them, and
  for the impact analysis each symmetric edge counts as a pair of opposite directed ones.

**Impact** (:meth:`DependencyGraph.impact`) is a breadth-first search from one process.  Downstream follows
directed edges forwards and symmetric edges either way; upstream (what can affect the process) follows directed
edges backwards and symmetric edges either way.  Every process reached carries its distance (the number of
edges on a shortest path), the kinds of the edges by which it is reached at that distance (see :class:`Reached`)
and one predecessor on a shortest path, so a page can explain *why* a process is listed.

**Waves** (:meth:`DependencyGraph.waves`) suggest a transformation order: a process comes after everything that
feeds it.  Only directed kinds can order anything: a shared system says "these two change together", not "this
one first", and counting it in both directions would tie every pair of sharers into a cycle.  Processes that
depend on each other in a circle (a strongly connected group) cannot be ordered among themselves, so each group
is condensed into one step and its members share a wave.  Waves are the topological generations of that
condensed graph: wave 0 holds the processes nothing feeds (and processes without directed dependencies), and
every other process sits one wave after the latest of its feeders.  Hence for every directed edge between two
processes not in the same cycle, the source's wave is strictly smaller than the target's.

**Cycles** (:meth:`DependencyGraph.cycles`) are those strongly connected groups over directed kinds with more
than one process, plus processes that hand over to (or call, or message) themselves.

Performance (``benchmarks/process_graph.py``: 10,000 processes, 40,000 dependencies): everything runs on flat
lists of process numbers built once by :meth:`DependencyGraph.build`.  The impact search and the decomposition
into strongly connected groups (Tarjan's algorithm) are written out here: making a networkx graph of that size
alone takes longer than a build and an impact search together, and its condensation ten times longer than the
whole of :meth:`DependencyGraph.waves`.  The tests check every result against networkx.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from typing import Final

DIRECTED_KINDS: Final = frozenset({"hands_over", "messages", "calls"})
SYMMETRIC_KINDS: Final = frozenset({"shares_data", "shares_system", "shares_role"})
KINDS: Final = ("hands_over", "messages", "calls", "shares_data", "shares_system", "shares_role")
STRENGTHS: Final = (1, 2, 3)

#: One bit per kind, so the kinds by which a process is reached are kept as a small integer during the search.
_BIT: Final = {kind: 1 << number for number, kind in enumerate(KINDS)}
_DIRECTED_MASK: Final = sum(_BIT[kind] for kind in DIRECTED_KINDS)
_ALL_MASK: Final = sum(_BIT.values())
#: Every combination of kinds as a frozenset, made once: the search hands out shared sets, not new ones.
_KIND_SETS: Final = tuple(frozenset(kind for kind in KINDS if mask & _BIT[kind]) for mask in range(1 << len(KINDS)))

# Every message this module raises, in one place.
_UNKNOWN_KIND = "Dependency {edge}: unknown kind {kind!r}; expected one of {known}."
_UNKNOWN_NODE = "Dependency {edge}: process {node} is not among the processes of the graph."
_BAD_STRENGTH = "Dependency {edge}: strength {strength!r} is not one of 1, 2 or 3."
_UNKNOWN_FILTER = "Unknown dependency kind(s) {kinds} in the filter; expected some of {known}."
_NOT_IN_GRAPH = "Process {node} is not in the dependency graph."
_BAD_DISTANCE = "max_distance must be a positive whole number or None, not {value!r}."


@dataclass(frozen=True, slots=True)
class Edge:
    """One dependency: ``source`` hands over to / messages / calls ``target``, or the two share something."""

    source: int
    target: int
    kind: str
    strength: int = 2

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.kind}, strength {self.strength})"


@dataclass(frozen=True, slots=True)
class Reached:
    """A process reached from the focus of an impact analysis.

    ``distance`` is the number of edges on a shortest path from the focus.  ``kinds`` are the kinds of the
    *last* edge of every shortest path, i.e. the kinds of the edges from processes at ``distance - 1`` into
    this one (by the direction of the search); an edge's kind is what a reader needs to judge how the change
    arrives ("its data is shared with X", "X hands over to it").  ``via`` is the process one step closer to
    the focus on one of those shortest paths: the one with the smallest id, so results are reproducible.
    """

    node: int
    distance: int
    kinds: frozenset[str]
    via: int


@dataclass(frozen=True)
class Impact:
    """What a change to ``node`` reaches (``downstream``) and what can reach it (``upstream``).

    Both lists are sorted by distance, then by process id, and exclude ``node`` itself.  ``cycles`` holds the
    strongly connected group of ``node`` over the directed kinds searched (sorted ids), when ``node`` is part of
    a cycle; a process belongs to at most one such group, so the list has zero or one entry.
    """

    node: int
    downstream: list[Reached]
    upstream: list[Reached]
    cycles: list[list[int]]


_FIELDS: Final = attrgetter("source", "target", "kind", "strength")
_new = object.__new__
#: The slot setters of Reached: a search makes one per process reached, tens of thousands, and filling the slots
#: directly is twice as fast as the frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field),
#: for the same frozen, equal, hashable object.
_SETTERS: Final = tuple(vars(Reached)[name].__set__ for name in ("node", "distance", "kinds", "via"))
#: Per process number, a flat list of (neighbour number, kind bit) pairs.
Lists = list[list[int]]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a build or a search makes tens of thousands of containers.

    None of them forms a reference cycle, yet each few hundred allocations would trigger a collection, and
    every so often one that scans the whole heap: pausing saves a third of a build and a tenth of a search.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


class _Only:
    """The flat lists of an adjacency with only the ``allowed`` kinds, filtered as the search asks for them.

    Keeps the kind test out of the search's inner loop, which runs once per edge of the whole closure when
    no filter is given (the common case).
    """

    def __init__(self, adjacency: Lists, allowed: int) -> None:
        self.adjacency = adjacency
        self.allowed = allowed

    def __getitem__(self, number: int) -> list[int]:
        entries, allowed = iter(self.adjacency[number]), self.allowed
        kept: list[int] = []
        for there, bit in zip(entries, entries):  # noqa: B905 (pairs of one flat list)
            if bit & allowed:
                kept += (there, bit)
        return kept


def _reject(rows: Iterable[tuple[int, int, str, int]], known: set[int]) -> None:
    """Raise ``ValueError`` for the first malformed edge, naming it."""
    for source, target, kind, strength in rows:
        edge = Edge(source, target, kind, strength)
        if kind not in _BIT:
            raise ValueError(_UNKNOWN_KIND.format(edge=edge, kind=kind, known=", ".join(KINDS)))
        for node in (source, target):
            if node not in known:
                raise ValueError(_UNKNOWN_NODE.format(edge=edge, node=node))
        if strength not in STRENGTHS:
            raise ValueError(_BAD_STRENGTH.format(edge=edge, strength=strength))


def _reach(start: int, adjacency: Lists, allowed: int, within: bytearray | None = None) -> bytearray:
    """Flags of the processes reachable from ``start`` in one step or more along ``allowed`` kinds (``start``
    is flagged only if it lies on a cycle), walking only through flagged processes of ``within`` if given."""
    flags = bytearray(len(adjacency))
    stack = [start]
    while stack:
        here = stack.pop()
        entries = iter(adjacency[here])
        for there, bit in zip(entries, entries):  # noqa: B905 (pairs of one flat list)
            if bit & allowed and not flags[there] and (within is None or within[there]):
                flags[there] = 1
                stack.append(there)
    return flags


def _components(adjacency: Lists, allowed: int) -> tuple[list[int], int]:
    """Strongly connected groups along ``allowed`` kinds (Tarjan's algorithm, iterative): each process's group
    number, and the number of groups.  A group is numbered after every group it reaches.

    Written out rather than taken from networkx: on 10,000 processes, making the networkx graph and its
    condensation takes ten times as long as this whole function.
    """
    count = len(adjacency)
    order = [-1] * count  # discovery rank
    low = [0] * count
    component = [-1] * count
    stack: list[int] = []
    rank = groups = 0
    for root in range(count):
        if order[root] >= 0:
            continue
        order[root] = low[root] = rank
        rank += 1
        stack.append(root)
        work = [(root, 0)]
        while work:
            node, at = work[-1]
            entries = adjacency[node]
            size = len(entries)
            while at < size:
                there, bit = entries[at], entries[at + 1]
                at += 2
                if not bit & allowed:
                    continue
                if order[there] < 0:  # a new process: go down to it, come back to ``at`` later
                    work[-1] = (node, at)
                    order[there] = low[there] = rank
                    rank += 1
                    stack.append(there)
                    work.append((there, 0))
                    break
                if component[there] < 0 and order[there] < low[node]:  # still on the stack: same group
                    low[node] = order[there]
            else:  # every edge of ``node`` done
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                if low[node] == order[node]:
                    while True:
                        member = stack.pop()
                        component[member] = groups
                        if member == node:
                            break
                    groups += 1
    return component, groups


def _mask(kinds: Collection[str] | None) -> int:
    if kinds is None:
        return _ALL_MASK
    unknown = sorted(set(kinds) - _BIT.keys())
    if unknown:
        raise ValueError(_UNKNOWN_FILTER.format(kinds=", ".join(map(repr, unknown)), known=", ".join(KINDS)))
    return sum(_BIT[kind] for kind in set(kinds))


class DependencyGraph:
    """Processes and their dependencies, ready for impact analysis, cycle detection and waves.

    Build it with :meth:`build` (or :meth:`from_rows`); it is not changed afterwards, so analyses are cached.

    Storage, chosen by measurement on 10,000 processes and 40,000 dependencies: processes are numbered
    0…n-1 in id order, and each process has two flat lists, ``[neighbour, kind bit, neighbour, kind bit, …]``:
    the processes a change to it reaches in one step (directed successors and sharers) and those whose change
    reaches it (directed predecessors and sharers).  Appending numbers that already exist allocates next to
    nothing, where a set per process or a tuple per edge allocate for every edge, and on this scale
    allocation, not the loop, is what a build costs.
    """

    def __init__(self, ids: list[int], index: dict[int, int], down: Lists, up: Lists) -> None:
        #: Process ids in ascending order; a process's number is its rank, so sorting numbers sorts ids.
        self._ids = ids
        self._index = index
        self._down = down
        self._up = up
        self._waves: list[list[int]] | None = None
        self._cycles: list[list[int]] | None = None

    @classmethod
    def build(cls, nodes: Iterable[int], edges: Iterable[Edge]) -> DependencyGraph:
        """The graph of ``nodes`` (process ids) and ``edges``; ``ValueError`` naming the first malformed edge."""
        edges = edges if isinstance(edges, list | tuple) else list(edges)
        return cls._build(nodes, map(_FIELDS, edges), lambda: map(_FIELDS, edges))

    @classmethod
    def from_rows(cls, nodes: Iterable[int], rows: Iterable[tuple[int, int, str, int]]) -> DependencyGraph:
        """As :meth:`build`, from ``(source, target, kind, strength)`` tuples, e.g. a ``values_list`` query.

        Saves making an :class:`Edge` per dependency, which costs more than building the graph from them.
        """
        rows = rows if isinstance(rows, list | tuple) else list(rows)
        return cls._build(nodes, rows, lambda: rows)

    @classmethod
    def _build(
        cls,
        nodes: Iterable[int],
        rows: Iterable[tuple[int, int, str, int]],
        again: Callable[[], Iterable[tuple[int, int, str, int]]],
    ) -> DependencyGraph:
        """The graph from rows read once; ``again`` gives them anew to name the malformed one."""
        ids = sorted(set(nodes))
        index = {node: number for number, node in enumerate(ids)}
        down: Lists = [[] for _ in ids]
        up: Lists = [[] for _ in ids]
        bits, strengths, directed = _BIT, STRENGTHS, _DIRECTED_MASK
        try:
            with _collector_paused():
                for source_id, target_id, kind, strength in rows:
                    bit, source, target = bits[kind], index[source_id], index[target_id]
                    if strength not in strengths:
                        raise KeyError(strength)
                    entries = down[source]
                    entries.append(target)
                    entries.append(bit)
                    entries = up[target]
                    entries.append(source)
                    entries.append(bit)
                    if not bit & directed:  # a shared resource: the change goes both ways
                        entries = down[target]
                        entries.append(source)
                        entries.append(bit)
                        entries = up[source]
                        entries.append(target)
                        entries.append(bit)
        except (KeyError, TypeError):
            _reject(again(), set(index))
            raise
        return cls(ids, index, down, up)

    # ------------------------------------------------------------------ reading

    @property
    def nodes(self) -> list[int]:
        """Process ids in ascending order."""
        return list(self._ids)

    def __contains__(self, node: object) -> bool:
        return node in self._index

    def __len__(self) -> int:
        return len(self._ids)

    # ------------------------------------------------------------------ impact

    def impact(self, node: int, *, kinds: Collection[str] | None = None, max_distance: int | None = None) -> Impact:
        """Downstream and upstream closures of ``node`` (see the module docstring), optionally limited.

        ``kinds`` keeps only edges of those kinds (``None``: all); ``max_distance`` stops the search after that
        many edges (``None``: the whole closure).
        """
        start = self._index.get(node)
        if start is None:
            raise ValueError(_NOT_IN_GRAPH.format(node=node))
        if max_distance is not None and (isinstance(max_distance, bool) or max_distance < 1):
            raise ValueError(_BAD_DISTANCE.format(value=max_distance))
        allowed = _mask(kinds)
        limit = len(self._ids) if max_distance is None else max_distance
        with _collector_paused():
            return Impact(
                node=node,
                downstream=self._search(start, self._down, allowed, limit),
                upstream=self._search(start, self._up, allowed, limit),
                cycles=self._cycle_of(start, allowed & _DIRECTED_MASK),
            )

    def _search(self, start: int, lists: Lists, allowed: int, limit: int) -> list[Reached]:
        """Breadth-first search level by level, each level in number (= id) order.

        Walking a level in id order makes the first process that reaches a neighbour the smallest-id
        predecessor at the previous distance, which is the documented ``via``.  Edges whose kind is not
        ``allowed`` are skipped.
        """
        ids, kind_sets, reached_type, new = self._ids, _KIND_SETS, Reached, _new
        set_node, set_distance, set_kinds, set_via = _SETTERS
        count = len(ids)
        distance = [-1] * count
        mask = [0] * count
        via = [0] * count
        distance[start] = 0
        adjacency = lists if allowed == _ALL_MASK else _Only(lists, allowed)
        found: list[Reached] = []
        frontier, level = [start], 0
        while frontier and level < limit:
            level += 1
            reached: list[int] = []
            for here in frontier:
                entries = iter(adjacency[here])
                for there, bit in zip(entries, entries):  # noqa: B905 (pairs of one flat list)
                    seen = distance[there]
                    if seen < 0:
                        distance[there] = level
                        mask[there] = bit
                        via[there] = here
                        reached.append(there)
                    elif seen == level:
                        mask[there] |= bit
            reached.sort()
            for there in reached:
                item = new(reached_type)
                set_node(item, ids[there])
                set_distance(item, level)
                set_kinds(item, kind_sets[mask[there]])
                set_via(item, ids[via[there]])
                found.append(item)
            frontier = reached
        return found

    def _cycle_of(self, start: int, allowed: int) -> list[list[int]]:
        """The strongly connected group of ``start`` over the allowed directed kinds, as ``[[ids…]]`` or ``[]``.

        Computed locally, as the processes reachable from ``start`` along directed edges that also reach it
        back, rather than from a decomposition of the whole graph, which would cost more than the impact search.
        """
        if not any(bit & allowed for bit in self._up[start][1::2]):  # nothing feeds it: no cycle
            return []
        ahead = _reach(start, self._down, allowed)
        if not ahead[start]:
            return []
        group = _reach(start, self._up, allowed, within=ahead)
        ids = self._ids
        return [[ids[number] for number in range(len(ids)) if group[number]]]

    # ------------------------------------------------------------------ cycles and waves

    def _analyse(self) -> None:
        """Cycles and waves from one decomposition into strongly connected groups over directed kinds."""
        ids, down = self._ids, self._down
        component, count = _components(down, _DIRECTED_MASK)
        members: Lists = [[] for _ in range(count)]
        for number, group in enumerate(component):
            members[group].append(number)
        # Tarjan's algorithm completes a group after every group it reaches: the groups in reverse order of
        # completion are in topological order, so one pass gives each group its longest path from a source.
        wave = [0] * count
        loops = set()
        for group in range(count - 1, -1, -1):
            after = wave[group] + 1
            for number in members[group]:
                entries = iter(down[number])
                for there, bit in zip(entries, entries):  # noqa: B905 (pairs of one flat list)
                    if bit & _DIRECTED_MASK:
                        other = component[there]
                        if other != group:
                            if wave[other] < after:
                                wave[other] = after
                        elif there == number:
                            loops.add(number)
        self._cycles = sorted(
            [ids[number] for number in group] for group in members if len(group) > 1 or group[0] in loops
        )
        waves: Lists = [[] for _ in range(max(wave, default=-1) + 1)]
        for number, group in enumerate(component):
            waves[wave[group]].append(ids[number])
        self._waves = waves

    def cycles(self) -> list[list[int]]:
        """Cycles over directed kinds: groups of more than one process, and self-loops; each sorted, all sorted."""
        if self._cycles is None:
            self._analyse()
        assert self._cycles is not None
        return [list(group) for group in self._cycles]

    def waves(self) -> list[list[int]]:
        """The suggested transformation order: each wave's processes (sorted), every process exactly once."""
        if self._waves is None:
            self._analyse()
        assert self._waves is not None
        return [list(wave) for wave in self._waves]

    def wave_of(self) -> dict[int, int]:
        """Each process's wave number (0 first), as :meth:`waves` lays them out."""
        return {node: number for number, wave in enumerate(self.waves()) for node in wave}
