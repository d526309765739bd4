"""The dependency pictures that the web pages and the API both draw, in the request's language.

* :func:`dependency_picture`: the processes given, their dependencies among themselves, columns by transformation
  wave, each process linking to its page;
* :func:`impact_picture`: what a change to one process reaches: the process itself and the nearest processes
  downstream and upstream of it (at most :data:`PICTURE_LIMIT`), each marked as such.

The drawing itself is :mod:`orbit.processes.graph_svg`; this module only chooses what to draw and the words.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from orbit.core.i18n import pick
from orbit.processes import selectors
from orbit.processes.graph import Impact
from orbit.processes.graph_svg import GraphLabels, GraphNode, dependency_svg
from orbit.processes.models import DependencyKind, Process, TransformationStatus

#: An impact picture draws at most this many processes besides the one changed, nearest first.
PICTURE_LIMIT = 120


def graph_labels() -> GraphLabels:
    """The words of the pictures in the active language."""
    return GraphLabels(
        kinds={kind: str(label) for kind, label in DependencyKind.choices},
        statuses={status: str(label) for status, label in TransformationStatus.choices},
        wave=_("Wave {number}"),
        kinds_heading=_("Dependencies:"),
        statuses_heading=_("Status:"),
        focus=_("Selected process"),
        downstream=_("Affected by a change to it (downstream)"),
        upstream=_("Can affect it (upstream)"),
        empty=_("No processes to show."),
    )


def dependency_picture(
    processes: Sequence[Process], *, group_by: str, highlight: dict[int, str] | None = None, title: str = ""
) -> str:
    """The processes and the dependencies between them as one SVG (two queries: the edges and, when the
    graph cache is cold, the graph)."""
    ids = [p.pk for p in processes]
    waves = selectors.load_graph().wave_of()
    edges = selectors.edges_between(ids)
    nodes = [
        GraphNode(
            id=p.pk, label=f"{p.code} {pick(p.name)}".strip(), cluster=p.owner_unit.code,
            status=p.transformation_status, href=reverse("processes:process-detail", args=[p.pk]),
            highlight=(highlight or {}).get(p.pk, ""),
        )
        for p in processes
    ]  # fmt: skip
    return dependency_svg(
        nodes, edges, waves=waves, group_by="wave" if group_by == "wave" else "unit", labels=graph_labels(),
        title=title or _("Dependencies between processes"),
        description=_("Processes in columns by suggested transformation wave; arrows show what a change reaches."),
    )  # fmt: skip


def impact_picture(
    process: Process, result: Impact, processes: dict[int, Process], *, limit: int = PICTURE_LIMIT
) -> tuple[str, bool]:
    """The picture of ``result`` (:func:`orbit.processes.selectors.impact_analysis` of ``process``, which fetched
    ``processes``) and whether processes were left out of it to keep it readable."""
    nearest = sorted([*result.downstream, *result.upstream], key=lambda r: (r.distance, r.node))
    shown = {process.pk} | {r.node for r in nearest[:limit]}
    highlight = {r.node: "upstream" for r in result.upstream} | {r.node: "downstream" for r in result.downstream}
    highlight[process.pk] = "focus"
    svg = dependency_picture(
        [processes[n] for n in sorted(shown) if n in processes], group_by="wave", highlight=highlight,
        title=_("What a change to %(code)s reaches") % {"code": process.code},
    )  # fmt: skip
    return svg, len(shown) - 1 < len({r.node for r in nearest})
