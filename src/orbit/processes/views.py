"""Pages of the process inventory: the list, one process, its impact analysis, the dependency graph, BPMN
uploads.  Reads go through the selectors, writes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from orbit.core.views import web_errors
from orbit.organisation.access import can_anywhere
from orbit.organisation.models import OrgUnit
from orbit.processes import selectors
from orbit.processes.models import Digitisation, Level, Nature, TransformationStatus

GET_POST = require_http_methods(["GET", "POST"])


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> selectors.ProcessFilters:
    get = request.GET
    return selectors.ProcessFilters(
        unit=_int(get.get("unit")),
        level=_int(get.get("level")),
        nature=get.get("nature", "") if get.get("nature") in Nature.values else "",
        digitisation=get.get("digitisation", "") if get.get("digitisation") in Digitisation.values else "",
        status=get.get("status", "") if get.get("status") in TransformationStatus.values else "",
        impact=get.get("impact", "") if get.get("impact") in ("none", "low", "medium", "high") else "",
        q=get.get("q", "").strip()[:100],
        archived=get.get("archived") == "1",
    )


@login_required
@require_GET
@web_errors
def inventory(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    processes = selectors.process_list(user=request.user, filters=filters)
    page = Paginator(processes, selectors.PAGE_SIZE).get_page(request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "units": OrgUnit.objects.filter(processes__isnull=False).distinct().order_by("path"),
        "levels": Level.choices,
        "natures": Nature.choices,
        "digitisations": Digitisation.choices,
        "statuses": TransformationStatus.choices,
        "may_change": can_anywhere(request.user, "change"),
    }
    return render(request, "processes/inventory.html", context)
