"""Web pages of the audit log: an object's history and the whole log (auditors and superusers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from orbit.core.errors import NotFound
from orbit.core.templatetags.orbit_tags import ACTION_LABELS
from orbit.governance.models import AuditEvent
from orbit.governance.selectors import audit_event_history, audit_event_restrict, audit_log_readable
from orbit.organisation.selectors import membership_get, org_unit_get
from orbit.results.views import RESULTS_HISTORY_TYPES

PAGE_SIZE = 50


def _unit_page(obj: Any) -> str:
    return reverse("organisation:unit-detail", args=[obj.pk])


def _membership_page(obj: Any) -> str:
    if obj.unit_id:
        return reverse("organisation:unit-detail", args=[obj.unit_id]) + "#memberships"
    return ""


#: object type → (scoped getter, page of the object).  Anything else has no history page.
HISTORY_TYPES: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any], str]]] = {
    "organisation.orgunit": (org_unit_get, _unit_page),
    "organisation.membership": (membership_get, _membership_page),
    **RESULTS_HISTORY_TYPES,
}


@login_required
@require_GET
def history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    """The audit events of one object, newest first; the object must be in the reader's scope."""
    resolver = HISTORY_TYPES.get(object_type)
    if resolver is None:
        raise Http404("No history for this kind of object.")
    getter, page_of = resolver
    try:
        obj = getter(request.user, object_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    events = Paginator(audit_event_history(object_type=object_type, object_id=obj.pk), PAGE_SIZE)
    page = events.get_page(request.GET.get("page"))
    return render(
        request,
        "governance/history.html",
        {"object": obj, "object_type": object_type, "object_url": page_of(obj), "page": page},
    )


ACTION_CHOICES = [
    ("", _("Any action")),
    *[(value, ACTION_LABELS.get(value, value)) for value in AuditEvent.Action.values],
]
OBJECT_TYPE_CHOICES = [
    ("", _("Any type")),
    ("organisation.orgunit", _("unit")),
    ("organisation.membership", _("membership")),
    ("auth.user", _("user")),
]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor (username)"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=ACTION_CHOICES)
    object_type = forms.ChoiceField(label=_("Object type"), required=False, choices=OBJECT_TYPE_CHOICES)
    date_from = forms.DateField(
        label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every event, filterable; only for users who may read the whole log (others get 404)."""
    if not audit_log_readable(request.user):
        raise Http404("No such page.")
    form = AuditFilterForm(request.GET or None)
    events = audit_event_restrict(request.user).order_by("-seq")
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor_username__iexact=data["actor"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["date_from"]:
            start = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=dt.UTC)
            events = events.filter(occurred_at__gte=start)
        if data["date_to"]:
            end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
            events = events.filter(occurred_at__lt=end)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
