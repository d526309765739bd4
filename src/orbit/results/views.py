"""Web pages of results frameworks.  Reads go through the results selectors, writes through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orbit.core.errors import PermissionDenied, StaleVersion
from orbit.core.i18n import pick
from orbit.core.views import web_errors
from orbit.core.web import (
    ActionText,
    archive_restore_views,
    submit_form,
    versioned_action,
)
from orbit.organisation.access import can, can_anywhere
from orbit.organisation.selectors import org_unit_restrict
from orbit.results import charts, services
from orbit.results.forms import (
    ActualEditForm,
    ActualForm,
    ApproveForm,
    AsOfForm,
    FrameworkEditForm,
    FrameworkForm,
    IndicatorEditForm,
    IndicatorForm,
    NodeEditForm,
    NodeForm,
    NodeMoveForm,
    SdgLinkForm,
    TargetEditForm,
    TargetForm,
)
from orbit.results.models import ActualValue, Framework, Indicator, NodeLink, ResultNode, Target
from orbit.results.rollup import STATUSES
from orbit.results.selectors import (
    COUNTED,
    NodeView,
    actual_get,
    actual_restrict,
    dimension_list,
    framework_get,
    framework_list,
    framework_tree,
    indicator_get,
    indicator_restrict,
    indicator_series,
    link_get,
    link_restrict,
    node_get,
    node_restrict,
    sdg_alignment,
    target_get,
    target_restrict,
)

GET_POST = require_http_methods(["GET", "POST"])


# --- shared helpers -------------------------------------------------------------------------------------------


def _editable(user: Any, framework: Framework) -> bool:
    """Whether ``user`` may change the structure, indicators and targets of ``framework`` now."""
    return (
        not framework.is_archived
        and framework.status != Framework.Status.CLOSED
        and can(user, "change", framework.owner_unit.path)
    )


def _require_editable(user: Any, framework: Framework) -> None:
    if not can(user, "change", framework.owner_unit.path):
        raise PermissionDenied(
            _("You need the change right on %(unit)s to edit this framework.") % {"unit": framework.owner_unit.code}
        )


def _framework_url(framework: Framework | int) -> str:
    pk = framework if isinstance(framework, int) else framework.pk
    return reverse("results:framework-tree", args=[pk])


def _node_url(node: ResultNode) -> str:
    return reverse("results:node-detail", args=[node.pk])


def _indicator_url(indicator: Indicator) -> str:
    return reverse("results:indicator-detail", args=[indicator.pk])


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("submit", _("Save"))
    return render(request, "results/form.html", context)


def _units(user: Any, action: str) -> Any:
    return org_unit_restrict(user, action).order_by("path")


# --- frameworks -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def framework_list_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    if status not in Framework.Status.values:
        status = ""
    kind = request.GET.get("kind", "")
    if kind not in Framework.Kind.values:
        kind = ""
    frameworks = list(framework_list(request.user, q=q, status=status, kind=kind))
    context = {
        "own": [f for f in frameworks if not f.is_public],
        "reference": [f for f in frameworks if f.is_public],
        "q": q,
        "status": status,
        "kind": kind,
        "statuses": Framework.Status.choices,
        "kinds": Framework.Kind.choices,
        "may_create": can_anywhere(request.user, "approve"),
    }
    return render(request, "results/framework_list.html", context)


@login_required
@GET_POST
@web_errors
def framework_create(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, "approve"):
        raise PermissionDenied(_("Only managers may create results frameworks."))
    units = _units(request.user, "approve")
    form = FrameworkForm(request.POST or None, units=units)
    if request.method == "POST":
        framework, form, _conflict = submit_form(
            form,
            lambda f: services.framework_create(
                actor=request.user, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if framework is not None:
            messages.success(request, _("Framework %(code)s created.") % {"code": framework.code})
            return HttpResponseRedirect(_framework_url(framework))
    return _form_page(
        request,
        {"form": form, "title": _("New results framework"), "back_url": reverse("results:framework-list")},
    )


@login_required
@GET_POST
@web_errors
def framework_edit(request: HttpRequest, pk: int) -> HttpResponse:
    framework = framework_get(request.user, pk)
    if not can(request.user, "approve", framework.owner_unit.path):
        raise PermissionDenied(
            _("You need the approve right on %(unit)s to edit this framework.") % {"unit": framework.owner_unit.code}
        )
    units = _units(request.user, "approve")
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form = FrameworkEditForm(request.POST, units=units)
        saved, form, conflict = submit_form(
            form,
            lambda f: services.framework_update(
                actor=request.user,
                framework=framework,
                expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"],
                **f.service_values(),
            ),
            rebind={"units": units},
        )
        if saved is not None:
            messages.success(request, _("Framework %(code)s saved.") % {"code": framework.code})
            return HttpResponseRedirect(_framework_url(framework))
    else:
        form = FrameworkEditForm(
            units=units,
            initial={
                "version": framework.version,
                **{name: getattr(framework, name) for name in services.FRAMEWORK_FIELDS},
            },
        )
    return _form_page(
        request,
        {
            "form": form,
            "conflict": conflict,
            "title": _("Edit %(code)s") % {"code": framework.code},
            "back_url": _framework_url(framework),
        },
    )


def _framework_words(framework: Framework, restoring: bool) -> ActionText:
    if restoring:
        return ActionText(
            title=_("Restore framework %(code)s") % {"code": framework.code},
            done=_("Framework %(code)s restored.") % {"code": framework.code},
        )
    return ActionText(
        title=_("Archive framework %(code)s") % {"code": framework.code},
        done=_("Framework %(code)s archived; it can be restored.") % {"code": framework.code},
    )


framework_archive, framework_restore = archive_restore_views(
    get=framework_get,
    archive=services.framework_archive,
    restore=services.framework_restore,
    target="framework",
    text=_framework_words,
    back_url=_framework_url,
)


@login_required
@require_GET
@web_errors
def framework_tree_view(request: HttpRequest, pk: int) -> HttpResponse:
    framework = framework_get(request.user, pk)
    as_of_form = AsOfForm(request.GET or None)
    as_of: dt.date | None = None
    if as_of_form.is_valid():
        as_of = as_of_form.cleaned_data.get("as_of")
    counted = _counted(request)
    tree = framework_tree(request.user, framework, as_of=as_of, statuses=COUNTED[counted])
    editable = _editable(request.user, framework)
    archived: list[ResultNode] = []
    if editable:
        archived = list(
            node_restrict(request.user, include_archived=True)
            .filter(framework=framework, archived_at__isnull=False)
            .order_by("-archived_at")
        )
    open_param = request.GET.get("open", "")
    open_depth = {"all": 99, "none": 0}.get(open_param, 99 if len(tree.nodes) <= 80 else 1)
    context = {
        "framework": framework,
        "tree": tree,
        "outline": outline(tree.nodes),
        "totals": [(status, tree.totals.get(status, 0)) for status in STATUSES],
        "open_depth": open_depth,
        "as_of": tree.as_of,
        "counted": counted,
        "editable": editable,
        "may_edit_framework": can(request.user, "approve", framework.owner_unit.path),
        "archived_nodes": archived,
        "indicator_count": sum(len(view.indicators) for view in tree.nodes),
        "leaf_tier": len(framework.tiers) - 1,
    }
    return render(request, "results/framework_tree.html", context)


def _counted(request: HttpRequest) -> str:
    """Which values the page counts (``?values=``): approved ones unless the reader asks for more."""
    counted = request.GET.get("values", "approved")
    return counted if counted in COUNTED else "approved"


def outline(views: list[NodeView]) -> list[NodeView]:
    """The top nodes, each carrying its ``children`` (views are in outline order)."""
    by_id = {view.node.pk: view for view in views}
    top: list[NodeView] = []
    for view in views:
        view.children = []  # type: ignore[attr-defined]
    for view in views:
        parent = by_id.get(view.node.parent_id) if view.node.parent_id else None
        if parent is None:
            top.append(view)
        else:
            parent.children.append(view)  # type: ignore[attr-defined]
    return top


# --- nodes ----------------------------------------------------------------------------------------------------


def _parents(user: Any, framework: Framework, *, tier: int | None = None) -> Any:
    parents = node_restrict(user).filter(framework=framework).order_by("path")
    if tier is None:
        return parents.filter(tier__lt=len(framework.tiers) - 1)
    return parents.filter(tier=tier)


@login_required
@GET_POST
@web_errors
def node_create(request: HttpRequest, pk: int) -> HttpResponse:
    framework = framework_get(request.user, pk)
    _require_editable(request.user, framework)
    parents = _parents(request.user, framework)
    initial: dict[str, Any] = {}
    if request.GET.get("parent"):
        initial["parent"] = request.GET["parent"]
    form = NodeForm(request.POST or None, parents=parents, initial=initial)
    if request.method == "POST":
        node, form, _conflict = submit_form(
            form,
            lambda f: services.node_create(
                actor=request.user, framework=framework, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if node is not None:
            messages.success(request, _("Node %(code)s added.") % {"code": node.code})
            return HttpResponseRedirect(_framework_url(framework) + f"#node-{node.pk}")
    return _form_page(
        request,
        {
            "form": form,
            "framework": framework,
            "title": _("Add a node to %(code)s") % {"code": framework.code},
            "back_url": _framework_url(framework),
        },
    )


def _ancestors(node: ResultNode, views: list[NodeView]) -> list[ResultNode]:
    return [v.node for v in views if node.path.startswith(v.node.path) and v.node.pk != node.pk]


@login_required
@require_GET
@web_errors
def node_detail(request: HttpRequest, pk: int) -> HttpResponse:
    node = node_get(request.user, pk)
    framework = node.framework
    as_of_form = AsOfForm(request.GET or None)
    as_of = as_of_form.cleaned_data.get("as_of") if as_of_form.is_valid() else None
    counted = _counted(request)
    tree = framework_tree(request.user, framework, as_of=as_of, statuses=COUNTED[counted])
    view = next((v for v in tree.nodes if v.node.pk == node.pk), None)
    if view is None:  # an archived node is outside the outline
        view = NodeView(node=node, depth=node.tier)
    children = [v for v in tree.nodes if v.node.parent_id == node.pk]
    contributors = list(
        node_restrict(request.user)
        .filter(links_out__target=node, links_out__archived_at__isnull=True)
        .select_related("framework")
        .distinct()
        .order_by("framework__code", "path")
    )
    editable = _editable(request.user, framework)
    link_records = list(
        link_restrict(request.user, include_archived=editable).filter(source=node).order_by("target__path", "pk")
    )
    context = {
        "node": node,
        "framework": framework,
        "view": view,
        "counted": counted,
        "children": children,
        "ancestors": _ancestors(node, tree.nodes),
        "links": view.links,
        "contributors": contributors,
        "active_links": [link for link in link_records if not link.is_archived],
        "archived_links": [link for link in link_records if link.is_archived],
        "editable": editable,
        "as_of": tree.as_of,
        "archived_indicators": (
            list(indicator_restrict(request.user, include_archived=True).filter(node=node, archived_at__isnull=False))
            if editable
            else []
        ),
        "may_add_child": editable and node.tier < len(framework.tiers) - 1 and not node.is_archived,
    }
    return render(request, "results/node_detail.html", context)


@login_required
@GET_POST
@web_errors
def node_edit(request: HttpRequest, pk: int) -> HttpResponse:
    node = node_get(request.user, pk)
    _require_editable(request.user, node.framework)
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form = NodeEditForm(request.POST)
        saved, form, conflict = submit_form(
            form,
            lambda f: services.node_update(
                actor=request.user,
                node=node,
                expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"],
                **f.service_values(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Node %(code)s saved.") % {"code": node.code})
            return HttpResponseRedirect(_node_url(node))
    else:
        form = NodeEditForm(
            initial={"version": node.version, **{name: getattr(node, name) for name in services.NODE_FIELDS}}
        )
    return _form_page(
        request,
        {
            "form": form,
            "conflict": conflict,
            "framework": node.framework,
            "title": _("Edit node %(code)s") % {"code": node.code},
            "back_url": _node_url(node),
        },
    )


@login_required
@GET_POST
@web_errors
def node_move(request: HttpRequest, pk: int) -> HttpResponse:
    node = node_get(request.user, pk)
    framework = node.framework
    _require_editable(request.user, framework)
    parents = _parents(request.user, framework, tier=node.tier - 1) if node.tier else ResultNode.objects.none()
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form = NodeMoveForm(request.POST, parents=parents)
        moved, form, conflict = submit_form(
            form,
            lambda f: services.node_move(
                actor=request.user,
                node=node,
                expected_version=f.cleaned_data["version"],
                parent=f.cleaned_data["parent"],
                position=f.cleaned_data["position"],
                reason=f.cleaned_data["reason"],
            ),
            rebind={"parents": parents},
        )
        if moved is not None:
            messages.success(request, _("Node moved; it is now %(code)s.") % {"code": moved.code})
            return HttpResponseRedirect(_framework_url(framework) + f"#node-{node.pk}")
    else:
        form = NodeMoveForm(
            parents=parents,
            initial={"version": node.version, "parent": node.parent_id, "position": node.position},
        )
    return _form_page(
        request,
        {
            "form": form,
            "conflict": conflict,
            "framework": framework,
            "title": _("Move or reorder %(code)s") % {"code": node.code},
            "submit": _("Move"),
            "back_url": _node_url(node),
        },
    )


def _node_words(node: ResultNode, restoring: bool) -> ActionText:
    if restoring:
        return ActionText(title=_("Restore node %(title)s") % {"title": pick(node.title)}, done=_("Node restored."))
    return ActionText(
        title=_("Archive node %(code)s") % {"code": node.code},
        done=_("Node %(code)s archived; it can be restored.") % {"code": node.code},
    )


node_archive, node_restore = archive_restore_views(
    get=node_get,
    archive=services.node_archive,
    restore=services.node_restore,
    target="node",
    text=_node_words,
    back_url=_node_url,
)


# --- SDG alignment --------------------------------------------------------------------------------------------


def _sdg_targets(user: Any, goal: str) -> tuple[list[ResultNode], list[ResultNode]]:
    """SDG goals, and the targets under ``goal`` (every target when empty), from public global-goal frameworks."""
    sdg = node_restrict(user).filter(framework__kind=Framework.Kind.GLOBAL_GOALS).select_related("parent")
    goals = list(sdg.filter(tier=0).order_by("framework__code", "path"))
    targets = sdg.filter(tier=1).order_by("framework__code", "path")
    if goal:
        targets = targets.filter(parent_id=int(goal))
    return goals, list(targets)


@login_required
@GET_POST
@web_errors
def sdg_matrix(request: HttpRequest, pk: int) -> HttpResponse:
    framework = framework_get(request.user, pk)
    alignment = sdg_alignment(request.user, framework)
    rows = list(node_restrict(request.user).filter(framework=framework).order_by("path"))
    columns: list[ResultNode] = alignment["columns"]
    groups: list[dict[str, Any]] = []
    for column in columns:
        parent = column.parent
        if groups and groups[-1]["goal"] == parent:
            groups[-1]["targets"].append(column)
        else:
            groups.append({"goal": parent, "targets": [column]})
    editable = _editable(request.user, framework)
    form: SdgLinkForm | None = None  # only for those who may link
    goals: list[ResultNode] = []
    goal = request.GET.get("goal", "") if request.GET.get("goal", "").isdigit() else ""
    if editable:
        goals, targets = _sdg_targets(request.user, goal)
        form = SdgLinkForm(request.POST or None, sources=node_restrict(request.user).filter(framework=framework)
                           .order_by("path"), targets=targets)  # fmt: skip
        if request.method == "POST":
            link, form, _conflict = submit_form(
            form,
                lambda f: services.node_link(
                    actor=request.user,
                    source=f.cleaned_data["source"],
                    target=f.cleaned_data["target"],
                    note=f.cleaned_data["note"],
                    reason=f.cleaned_data["reason"],
                ),
            )
            if link is not None:
                messages.success(
                    request,
                    _("%(node)s now contributes to SDG target %(target)s.")
                    % {"node": link.source.code, "target": link.target.code},
                )
                return HttpResponseRedirect(reverse("results:sdg-matrix", args=[framework.pk]))
    elif request.method == "POST":
        _require_editable(request.user, framework)
        raise PermissionDenied(_("The framework is closed or archived."))
    context = {
        "framework": framework,
        "rows": [(node, [(node.pk, column.pk) in alignment["cells"] for column in columns]) for node in rows],
        "groups": groups,
        "columns": columns,
        "editable": editable,
        "form": form,
        "goals": goals,
        "goal": goal,
        "sdg_links": _sdg_links(request.user, framework) if editable else [],
    }
    return render(request, "results/sdg_matrix.html", context)


def _sdg_links(user: Any, framework: Framework) -> list[NodeLink]:
    """The links, active and archived, from ``framework``'s nodes to SDG targets, for those who may change them."""
    links = link_restrict(user, include_archived=True).filter(
        source__framework=framework, target__framework__kind=Framework.Kind.GLOBAL_GOALS
    )
    return list(links.order_by("archived_at", "source__path", "target__path", "pk"))


# --- contribution links ---------------------------------------------------------------------------------------


def _link_words(link: NodeLink, restoring: bool) -> ActionText:
    names = {"source": link.source.code, "target": f"{link.target.framework.code} {link.target.code}"}
    if restoring:
        return ActionText(
            title=_("Restore the contribution of %(source)s to %(target)s") % names,
            done=_("%(source)s contributes to %(target)s again.") % names,
        )
    return ActionText(
        title=_("Remove the contribution of %(source)s to %(target)s") % names,
        done=_("Contribution of %(source)s to %(target)s removed; it can be restored.") % names,
        submit=_("Remove"),
    )


def _link_node_url(link: NodeLink) -> str:
    return _node_url(link.source) + "#links"


def _link_matrix_url(link: NodeLink) -> str:
    return reverse("results:sdg-matrix", args=[link.source.framework_id]) + "#sdg-links"


link_archive, link_restore = archive_restore_views(
    get=link_get,
    archive=services.node_unlink,
    restore=services.node_link_restore,
    target="link",
    text=_link_words,
    back_url=_link_node_url,
)

#: The same pages, reached from the SDG matrix and returning to it.
sdg_link_archive, sdg_link_restore = archive_restore_views(
    get=link_get,
    archive=services.node_unlink,
    restore=services.node_link_restore,
    target="link",
    text=_link_words,
    back_url=_link_matrix_url,
)


# --- indicators -----------------------------------------------------------------------------------------------


def _indicator_form_kwargs(user: Any) -> dict[str, Any]:
    return {"units": _units(user, "view"), "dimensions": list(dimension_list(user))}


@login_required
@GET_POST
@web_errors
def indicator_create(request: HttpRequest, pk: int) -> HttpResponse:
    node = node_get(request.user, pk)
    _require_editable(request.user, node.framework)
    kwargs = _indicator_form_kwargs(request.user)
    form = IndicatorForm(
        request.POST or None,
        initial={
            "measure": Indicator.Measure.NUMBER,
            "direction": Indicator.Direction.INCREASE,
            "time_aggregation": Indicator.TimeAggregation.SUM,
            "unit_aggregation": Indicator.UnitAggregation.SUM,
            "numerator_le_denominator": True,
        },
        **kwargs,
    )
    if request.method == "POST":
        indicator, form, _conflict = submit_form(
            form,
            lambda f: services.indicator_create(
                actor=request.user, node=node, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if indicator is not None:
            messages.success(request, _("Indicator %(code)s added.") % {"code": indicator.code})
            return HttpResponseRedirect(_indicator_url(indicator))
    return _form_page(
        request,
        {
            "form": form,
            "framework": node.framework,
            "title": _("Add an indicator to %(code)s") % {"code": node.code},
            "back_url": _node_url(node),
        },
    )


@login_required
@GET_POST
@web_errors
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = indicator_get(request.user, pk)
    assert indicator.node is not None
    _require_editable(request.user, indicator.node.framework)
    kwargs = _indicator_form_kwargs(request.user)
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form = IndicatorEditForm(request.POST, **kwargs)
        saved, form, conflict = submit_form(
            form,
            lambda f: services.indicator_update(
                actor=request.user,
                indicator=indicator,
                expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"],
                **f.service_values(),
            ),
            rebind=kwargs,
        )
        if saved is not None:
            messages.success(request, _("Indicator %(code)s saved.") % {"code": indicator.code})
            return HttpResponseRedirect(_indicator_url(indicator))
    else:
        fields = [name for name in services.INDICATOR_FIELDS if name != "position"]
        form = IndicatorEditForm(
            initial={"version": indicator.version, **{name: getattr(indicator, name) for name in fields}}, **kwargs
        )
    return _form_page(
        request,
        {
            "form": form,
            "conflict": conflict,
            "framework": indicator.node.framework,
            "title": _("Edit indicator %(code)s") % {"code": indicator.code},
            "back_url": _indicator_url(indicator),
        },
    )


def _indicator_words(indicator: Indicator, restoring: bool) -> ActionText:
    if restoring:
        return ActionText(
            title=_("Restore indicator %(code)s") % {"code": indicator.code},
            done=_("Indicator %(code)s restored.") % {"code": indicator.code},
        )
    return ActionText(
        title=_("Archive indicator %(code)s") % {"code": indicator.code},
        done=_("Indicator %(code)s archived; it can be restored.") % {"code": indicator.code},
    )


indicator_archive, indicator_restore = archive_restore_views(
    get=indicator_get,
    archive=services.indicator_archive,
    restore=services.indicator_restore,
    target="indicator",
    text=_indicator_words,
    back_url=_indicator_url,
)


def _chart_text(indicator: Indicator, **extra: str) -> charts.ChartText:
    unit = indicator.unit_label or (_("score") if not indicator.is_quantitative else _("value"))
    if indicator.measure == Indicator.Measure.PERCENTAGE:
        unit = "%"
    return charts.ChartText(
        title=_("%(code)s: baseline, targets and actuals") % {"code": indicator.code},
        desc=_("Targets (dashed line, squares) and actual values (solid line, circles) per period of %(title)s.")
        % {"title": pick(indicator.title)},
        x_label=_("Period"),
        y_label=str(unit),
        baseline=_("Baseline"),
        no_data=_("No targets yet"),
        extra={"target": _("Target"), "actual": _("Actual"), **extra},
    )


def _indicator_charts(indicator: Indicator, series: dict[str, Any]) -> tuple[str, str]:
    overall = charts.indicator_chart(series, _chart_text(indicator), chart_id=f"indicator-{indicator.pk}-chart")
    by_category = ""
    if series["by_category"]:
        names: dict[str, str] = {}
        for value in series["values"]:
            if value.dimension_id is not None:
                for category in value.dimension.categories:
                    if isinstance(category, dict) and category.get("code") == value.category:
                        names[value.category] = pick(category.get("name")) or value.category
        by_category = charts.category_chart(
            series["by_category"],
            names,
            charts.ChartText(
                title=_("%(code)s by category") % {"code": indicator.code},
                desc=_("Actual values per period, one bar per disaggregation category."),
                x_label=_("Period"),
                y_label=indicator.unit_label or _("value"),
                no_data=_("No disaggregated values yet"),
            ),
            chart_id=f"indicator-{indicator.pk}-categories",
        )
    return overall, by_category


@login_required
@require_GET
@web_errors
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = indicator_get(request.user, pk)
    assert indicator.node is not None
    node = indicator.node
    framework = node.framework
    series = indicator_series(request.user, indicator)
    targets = list(target_restrict(request.user).filter(indicator=indicator).order_by("period_start", "unit__code"))
    points = {(point.period_start, point.period_end): point for point in series["overall"]}
    for target in targets:
        if target.unit_id is None and target.dimension_id is None:
            target.point = points.get((target.period_start, target.period_end))  # type: ignore[attr-defined]
    overall_chart, category_chart = _indicator_charts(indicator, series)
    user = request.user
    values = series["values"]
    for value in values:
        value.may_edit = can(user, "change", value.unit.path) and value.status != ActualValue.Status.APPROVED
        value.may_approve = can(user, "approve", value.unit.path) and value.status != ActualValue.Status.APPROVED
        value.may_submit = value.status in ("draft", "returned") and can(user, "change", value.unit.path)
        value.may_archive = _may_archive_value(user, value)
    editable = _editable(user, framework)
    archived_targets: list[Target] = []
    if editable:
        archived_targets = list(
            target_restrict(user, include_archived=True)
            .filter(indicator=indicator, archived_at__isnull=False)
            .select_related("unit", "dimension")
            .order_by("period_start", "pk")
        )
    archived_values: list[ActualValue] = []
    if can_anywhere(user, "change"):
        archived_values = [
            value
            for value in actual_restrict(user, include_archived=True)
            .filter(indicator=indicator, archived_at__isnull=False)
            .select_related("unit", "dimension")
            .order_by("period_start", "unit__code", "pk")
            if _may_archive_value(user, value)
        ]
    open_for_values = not framework.is_archived and framework.status != Framework.Status.CLOSED
    value_form = None
    if open_for_values and can_anywhere(user, "change") and not indicator.is_archived:
        value_form = ActualForm(
            framework=framework,
            dimensions=dimension_list(user, codes=indicator.dimension_codes),
            indicator=indicator,
            units=_units(user, "change"),
            initial={"period_type": "annual"},
        )
    context = {
        "indicator": indicator,
        "node": node,
        "framework": framework,
        "series": series,
        "targets": targets,
        "values": values,
        "chart": mark_safe(overall_chart),  # noqa: S308 — built by charts.py, every text XML-escaped
        "category_chart": mark_safe(category_chart),  # noqa: S308
        "editable": editable,
        "value_form": value_form,
        "archived_targets": archived_targets,
        "archived_values": archived_values,
    }
    return render(request, "results/indicator_detail.html", context)


@login_required
@require_GET
@web_errors
def indicator_chart(request: HttpRequest, pk: int) -> HttpResponse:
    """The indicator's chart as a standalone SVG document."""
    indicator = indicator_get(request.user, pk)
    svg = charts.indicator_chart(indicator_series(request.user, indicator), _chart_text(indicator))
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?>\n' + svg, content_type="image/svg+xml")


def _may_archive_value(user: Any, value: ActualValue) -> bool:
    """As the services decide: the change right on the reporting unit; approved values need a manager."""
    if not can(user, "change", value.unit.path):
        return False
    return value.status != ActualValue.Status.APPROVED or can(user, "approve", value.unit.path)


# --- targets --------------------------------------------------------------------------------------------------


def _target_kwargs(user: Any, indicator: Indicator, framework: Framework) -> dict[str, Any]:
    return {
        "framework": framework,
        "indicator": indicator,
        "units": _units(user, "view"),
        "dimensions": dimension_list(user, codes=indicator.dimension_codes),
    }


@login_required
@GET_POST
@web_errors
def target_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = indicator_get(request.user, pk)
    assert indicator.node is not None
    framework = indicator.node.framework
    _require_editable(request.user, framework)
    kwargs = _target_kwargs(request.user, indicator, framework)
    form = TargetForm(request.POST or None, initial={"period_type": "annual"}, **kwargs)
    if request.method == "POST":
        target, form, _conflict = submit_form(
            form,
            lambda f: services.target_create(
                actor=request.user, indicator=indicator, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if target is not None:
            messages.success(request, _("Target for %(period)s added.") % {"period": target.period_label})
            if request.POST.get("another"):
                return HttpResponseRedirect(reverse("results:target-create", args=[indicator.pk]))
            return HttpResponseRedirect(_indicator_url(indicator) + "#targets")
    return _form_page(
        request,
        {
            "form": form,
            "framework": framework,
            "title": _("Add a target to %(code)s") % {"code": indicator.code},
            "back_url": _indicator_url(indicator),
            "another": _("Save and add another"),
        },
    )


@login_required
@GET_POST
@web_errors
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = target_get(request.user, pk)
    indicator = indicator_get(request.user, target.indicator_id)
    assert indicator.node is not None
    framework = indicator.node.framework
    _require_editable(request.user, framework)
    kwargs = _target_kwargs(request.user, indicator, framework)
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form = TargetEditForm(request.POST, **kwargs)
        saved, form, conflict = submit_form(
            form,
            lambda f: services.target_update(
                actor=request.user,
                target=target,
                expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"],
                **f.service_values(),
            ),
            rebind=kwargs,
        )
        if saved is not None:
            messages.success(request, _("Target for %(period)s saved.") % {"period": saved.period_label})
            return HttpResponseRedirect(_indicator_url(indicator) + "#targets")
    else:
        form = TargetEditForm(
            initial={"version": target.version, **{name: getattr(target, name) for name in services.TARGET_FIELDS}},
            **kwargs,
        )
    return _form_page(
        request,
        {
            "form": form,
            "conflict": conflict,
            "framework": framework,
            "title": _("Edit the target of %(code)s for %(period)s")
            % {"code": indicator.code, "period": target.period_label},
            "back_url": _indicator_url(indicator),
        },
    )


def _target_words(target: Target, restoring: bool) -> ActionText:
    names = {"code": target.indicator.code, "period": target.period_label}
    if restoring:
        return ActionText(
            title=_("Restore the target of %(code)s for %(period)s") % names,
            done=_("Target for %(period)s restored.") % names,
        )
    return ActionText(
        title=_("Archive the target of %(code)s for %(period)s") % names,
        done=_("Target for %(period)s archived; it can be restored.") % names,
    )


target_archive, target_restore = archive_restore_views(
    get=target_get,
    archive=services.target_archive,
    restore=services.target_restore,
    target="target",
    text=_target_words,
    back_url=lambda obj: _target_page(obj),
)


# --- actual values --------------------------------------------------------------------------------------------


def _actual_kwargs(user: Any, indicator: Indicator, framework: Framework) -> dict[str, Any]:
    return {
        "framework": framework,
        "indicator": indicator,
        "units": _units(user, "change"),
        "dimensions": dimension_list(user, codes=indicator.dimension_codes),
    }


@login_required
@GET_POST
@web_errors
def actual_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = indicator_get(request.user, pk)
    assert indicator.node is not None
    framework = indicator.node.framework
    if not can_anywhere(request.user, "change"):
        raise PermissionDenied(_("You need the change right on a unit to report values."))
    kwargs = _actual_kwargs(request.user, indicator, framework)
    form = ActualForm(request.POST or None, initial={"period_type": "annual"}, **kwargs)
    if request.method == "POST":
        actual, form, _conflict = submit_form(
            form,
            lambda f: services.actual_create(
                actor=request.user,
                indicator=indicator,
                unit=f.cleaned_data["unit"],
                reason=f.cleaned_data["reason"],
                **f.service_values(),
            ),
        )
        if actual is not None:
            messages.success(
                request,
                _("Value for %(period)s recorded (%(status)s).")
                % {"period": actual.period_label, "status": actual.get_status_display()},
            )
            return HttpResponseRedirect(_indicator_url(indicator) + "#values")
    return _form_page(
        request,
        {
            "form": form,
            "framework": framework,
            "title": _("Report a value of %(code)s") % {"code": indicator.code},
            "back_url": _indicator_url(indicator),
        },
    )


@login_required
@GET_POST
@web_errors
def actual_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actual = actual_get(request.user, pk)
    indicator = indicator_get(request.user, actual.indicator_id)
    assert indicator.node is not None
    framework = indicator.node.framework
    if not can(request.user, "change", actual.unit.path):
        raise PermissionDenied(
            _("You need the change right on %(unit)s to edit its values.") % {"unit": actual.unit.code}
        )
    kwargs = _actual_kwargs(request.user, indicator, framework)
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form = ActualEditForm(request.POST, **kwargs)
        saved, form, conflict = submit_form(
            form,
            lambda f: services.actual_update(
                actor=request.user,
                actual=actual,
                expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"],
                **f.service_values(),
            ),
            rebind=kwargs,
        )
        if saved is not None:
            messages.success(request, _("Value for %(period)s saved.") % {"period": saved.period_label})
            return HttpResponseRedirect(_indicator_url(indicator) + "#values")
    else:
        fields = [name for name in services.ACTUAL_FIELDS if name != "unit"]
        form = ActualEditForm(
            initial={
                "version": actual.version,
                "unit": actual.unit_id,
                "status": actual.status,
                **{name: getattr(actual, name) for name in fields},
            },
            **kwargs,
        )
    return _form_page(
        request,
        {
            "form": form,
            "conflict": conflict,
            "framework": framework,
            "title": _("Edit the value of %(code)s for %(period)s, %(unit)s")
            % {"code": indicator.code, "period": actual.period_label, "unit": actual.unit.code},
            "back_url": _indicator_url(indicator),
        },
    )


@login_required
@GET_POST
@web_errors
def actual_approve(request: HttpRequest, pk: int) -> HttpResponse:
    actual = actual_get(request.user, pk)
    if not can(request.user, "approve", actual.unit.path):
        raise PermissionDenied(
            _("You need the approve right on %(unit)s to approve its values.") % {"unit": actual.unit.code}
        )
    return versioned_action(
        request,
        obj=actual,
        form_class=ApproveForm,
        perform=lambda version, reason: services.actual_update(
            actor=request.user,
            actual=actual,
            expected_version=version,
            reason=reason,
            status=ActualValue.Status.APPROVED,
        ),
        title=_("Approve the value of %(code)s for %(period)s, %(unit)s")
        % {"code": actual.indicator.code, "period": actual.period_label, "unit": actual.unit.code},
        submit=_("Approve"),
        done=_("Value approved."),
        back_url=reverse("results:indicator-detail", args=[actual.indicator_id]) + "#values",
    )


@login_required
@require_http_methods(["POST"])
@web_errors
def actual_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A step of the review workflow for a value (submit, return with a note, approve, reopen), then back."""
    actual = actual_get(request.user, pk)
    back = reverse("results:indicator-detail", args=[actual.indicator_id]) + "#values"
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        back = target
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("The version you acted on is missing; reload the page."))
        return HttpResponseRedirect(back)
    try:
        services.actual_transition(
            actor=request.user, actual=actual, action=action, expected_version=version,
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except StaleVersion:
        messages.error(request, _("Someone changed this value meanwhile; look at it again before you act."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = {
            "submit": _("Value of %(code)s submitted for review."),
            "return": _("Value of %(code)s returned with your note."),
            "approve": _("Value of %(code)s approved."),
            "reopen": _("Value of %(code)s reopened as a draft."),
        }
        messages.success(request, done.get(action, _("Value of %(code)s saved.")) % {"code": actual.indicator.code})
    return HttpResponseRedirect(back)


def _actual_words(actual: ActualValue, restoring: bool) -> ActionText:
    names = {"code": actual.indicator.code, "period": actual.period_label, "unit": actual.unit.code}
    if restoring:
        return ActionText(
            title=_("Restore the value of %(code)s for %(period)s, %(unit)s") % names,
            done=_("Value for %(period)s restored.") % names,
        )
    return ActionText(
        title=_("Archive the value of %(code)s for %(period)s, %(unit)s") % names,
        done=_("Value for %(period)s archived; it can be restored.") % names,
    )


actual_archive, actual_restore = archive_restore_views(
    get=actual_get,
    archive=services.actual_archive,
    restore=services.actual_restore,
    target="actual",
    text=_actual_words,
    back_url=lambda obj: _value_page(obj),
)


# --- history pages --------------------------------------------------------------------------------------------


def _value_page(obj: ActualValue) -> str:
    return reverse("results:indicator-detail", args=[obj.indicator_id]) + "#values"


def _target_page(obj: Any) -> str:
    return reverse("results:indicator-detail", args=[obj.indicator_id]) + "#targets"


#: Results objects on the generic history page: object type → (scoped getter, page of the object).
RESULTS_HISTORY_TYPES: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any], str]]] = {
    "results.framework": (framework_get, lambda obj: _framework_url(obj)),
    "results.resultnode": (node_get, lambda obj: _node_url(obj)),
    "results.indicator": (indicator_get, lambda obj: _indicator_url(obj)),
    "results.target": (target_get, _target_page),
    "results.actualvalue": (actual_get, _value_page),
}
