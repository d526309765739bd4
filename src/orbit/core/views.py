"""The shell of the web interface: health, home, unit switcher."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from orbit.core.errors import NotFound, PermissionDenied
from orbit.governance.selectors import audit_event_recent
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_get

R = TypeVar("R", bound=HttpResponseBase)

#: Session key of the unit the user has switched to (narrows the feed and the unit list).
CURRENT_UNIT_KEY = "orbit_unit"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def web_errors(view: Callable[..., R]) -> Callable[..., R]:
    """Turn service errors into the web's answers: NotFound → 404 page, PermissionDenied → 403 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc

    return wrapper


def current_unit(request: HttpRequest) -> OrgUnit | None:
    """The unit chosen in the unit switcher, if it is still in the user's scope."""
    if hasattr(request, "_orbit_current_unit"):
        cached: OrgUnit | None = request._orbit_current_unit
        return cached
    unit: OrgUnit | None = None
    pk = request.session.get(CURRENT_UNIT_KEY)
    if pk is not None:
        try:
            unit = org_unit_get(request.user, pk)
        except NotFound:
            request.session.pop(CURRENT_UNIT_KEY, None)
    request._orbit_current_unit = unit  # type: ignore[attr-defined]
    return unit


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    unit = current_unit(request)
    events = audit_event_recent(request.user, limit=30, scope_path=unit.path if unit else None)
    return render(request, "core/home.html", {"events": events, "unit": unit})


@login_required
@require_POST
def switch_unit(request: HttpRequest) -> HttpResponse:
    """Keep the chosen unit in the session; an empty choice means every unit in scope."""
    pk = request.POST.get("unit", "")
    if pk:
        try:
            unit = org_unit_get(request.user, pk)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        request.session[CURRENT_UNIT_KEY] = unit.pk
    else:
        request.session.pop(CURRENT_UNIT_KEY, None)
    return HttpResponseRedirect(safe_next(request))
