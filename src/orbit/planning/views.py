"""Web pages of the operational plan.  Reads go through the planning selectors, writes through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orbit.core.errors import NotFound, PermissionDenied, StaleVersion
from orbit.core.i18n import current_language, pick
from orbit.core.views import web_errors
from orbit.core.web import ActionText, apply_validation_error, archive_restore_views, submit_form
from orbit.governance.workflow import EDITABLE, available_transitions
from orbit.organisation.access import can, can_anywhere
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_restrict
from orbit.planning import charts, selectors, services
from orbit.planning.forms import (
    ActivityEditForm,
    ActivityForm,
    BudgetLineEditForm,
    BudgetLineForm,
    EvidenceForm,
    LockForm,
    MilestoneEditForm,
    MilestoneForm,
    PlanFilterForm,
    TransitionForm,
    UpdateEditForm,
    UpdateForm,
)
from orbit.planning.models import Activity, ActivityStatus, Evidence, ItuRegion, ProgressUpdate
from orbit.results.models import Framework, PeriodLock, ResultNode
from orbit.results.selectors import actual_get, framework_restrict
from orbit.results.services import period_lock, period_unlock

GET_POST = require_http_methods(["GET", "POST"])


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("submit", _("Save"))
    return render(request, "planning/form.html", context)


def _activity_url(activity: Activity | int) -> str:
    return reverse("planning:activity-detail", args=[activity if isinstance(activity, int) else activity.pk])


def _update_url(update: ProgressUpdate) -> str:
    return reverse("planning:update-detail", args=[update.pk])


def _sdg_framework() -> Framework | None:
    found: Framework | None = Framework.objects.filter(kind=Framework.Kind.GLOBAL_GOALS).order_by("code").first()
    return found


def _activity_form_kwargs(user: Any) -> dict[str, Any]:
    readable = framework_restrict(user).exclude(kind=Framework.Kind.GLOBAL_GOALS).values("pk")
    sdg = _sdg_framework()
    return {
        "units": org_unit_restrict(user, "change").order_by("path"),
        "all_units": OrgUnit.objects.order_by("path"),
        "nodes": ResultNode.objects.filter(framework__in=readable)
        .select_related("framework")
        .order_by("framework__code", "path"),
        "sdg_targets": ResultNode.objects.filter(framework=sdg, tier=1).select_related("framework").order_by("path")
        if sdg
        else ResultNode.objects.none(),
        "initiatives": selectors.initiative_restrict(user).order_by("region", "code"),
    }


# --- the plan -------------------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[selectors.PlanFilters, PlanFilterForm]:
    sdg = _sdg_framework()
    form = PlanFilterForm(
        request.GET or None,
        units=org_unit_restrict(request.user, "view").order_by("path"),
        initiatives=selectors.initiative_restrict(request.user).order_by("region", "code"),
        goals=ResultNode.objects.filter(framework=sdg, tier=0).order_by("path") if sdg else [],
    )
    if request.GET and form.is_valid():
        data = form.cleaned_data
        filters = selectors.PlanFilters(
            unit=data["unit"] or "",
            region=data["region"] or "",
            initiative=data["initiative"] or "",
            status=data["status"] or "",
            year=data["year"],
            sdg=int(data["sdg"]) if data["sdg"] else None,
            node=data["node"],
            framework=data["framework"],
            q=data["q"] or "",
        )
    else:
        filters = selectors.PlanFilters()
    return filters, form


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    filters, form = _filters(request)
    group = request.GET.get("group", "unit")
    page = selectors.activity_page(request.user, filters, request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    groups: list[tuple[str, str, list[Activity]]] = []
    for activity in page.object_list:
        if group == "node":
            nodes = list(activity.nodes.all())
            key = f"{nodes[0].framework.code} {nodes[0].code}" if nodes else ""
            label = f"{key} {pick(nodes[0].title)}" if nodes else _("Not linked to a result")
        else:
            key = activity.responsible_unit.code
            label = f"{key} — {pick(activity.responsible_unit.name)}"
        if groups and groups[-1][0] == key:
            groups[-1][2].append(activity)
        else:
            groups.append((key, label, [activity]))
    return render(
        request,
        "planning/plan_list.html",
        {
            "page": page,
            "groups": groups,
            "group": group,
            "form": form,
            "query": query.urlencode(),
            "may_create": can_anywhere(request.user, "change"),
        },
    )


@login_required
@GET_POST
@web_errors
def activity_create(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, "change"):
        raise PermissionDenied(_("You need the change right on a unit to plan activities."))
    kwargs = _activity_form_kwargs(request.user)
    initial: dict[str, Any] = {"status": ActivityStatus.PLANNED, "type": "project"}
    if request.GET.get("node"):
        initial["nodes"] = [request.GET["node"]]
    form = ActivityForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST":
        activity, form, _c = submit_form(form,
            lambda f: services.activity_create(
                actor=request.user, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if activity is not None:
            messages.success(request, _("Activity %(code)s created.") % {"code": activity.code})
            return HttpResponseRedirect(_activity_url(activity))
    return _form_page(request, {"form": form, "title": _("New activity"), "back_url": reverse("planning:plan")})


@login_required
@GET_POST
@web_errors
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk, "change")
    kwargs = _activity_form_kwargs(request.user)
    conflict = None
    if request.method == "POST":
        form = ActivityEditForm(request.POST, **kwargs)
        saved, form, conflict = submit_form(form,
            lambda f: services.activity_update(
                actor=request.user,
                activity=activity,
                expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"],
                **f.service_values(),
            ),
            rebind=kwargs,
        )
        if saved is not None:
            messages.success(request, _("Activity %(code)s saved.") % {"code": saved.code})
            return HttpResponseRedirect(_activity_url(saved))
    else:
        initial = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS if name != "code"}
        for name in services.ACTIVITY_RELATIONS:
            initial[name] = list(getattr(activity, name).values_list("pk", flat=True))
        form = ActivityEditForm(initial={"version": activity.version, **initial}, **kwargs)
    return _form_page(
        request,
        {
            "form": form,
            "conflict": conflict,
            "activity": activity,
            "title": _("Edit %(code)s") % {"code": activity.code},
            "back_url": _activity_url(activity),
        },
    )


def _activity_words(activity: Activity, restoring: bool) -> ActionText:
    names = {"code": activity.code}
    if restoring:
        return ActionText(title=_("Restore activity %(code)s") % names, done=_("Activity %(code)s restored.") % names)
    return ActionText(title=_("Archive activity %(code)s") % names, done=_("Activity %(code)s archived.") % names)


activity_archive, activity_restore = archive_restore_views(
    get=lambda user, pk: selectors.activity_get(user, pk, "change"),
    archive=services.activity_archive,
    restore=services.activity_restore,
    target="activity",
    text=_activity_words,
    back_url=_activity_url,
)


@login_required
@require_GET
@web_errors
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk)
    lines, totals = selectors.activity_budget(activity)
    updates = selectors.activity_updates(request.user, activity)
    gallery = [e for u in updates for e in u.evidence.all() if e.kind in (Evidence.Kind.PHOTO, Evidence.Kind.VIDEO)]
    may_change = can(request.user, "change", activity.responsible_unit.path) and not activity.is_archived
    return render(
        request,
        "planning/activity_detail.html",
        {
            "activity": activity,
            "nodes": list(activity.nodes.select_related("framework").order_by("framework__code", "path")),
            "sdg_targets": list(activity.sdg_targets.order_by("path")),
            "initiatives": list(activity.initiatives.order_by("code")),
            "contributing": list(activity.contributing_units.order_by("path")),
            "staff": list(activity.staff.order_by("username")),
            "milestones": selectors.activity_milestones(activity),
            "lines": lines,
            "totals": totals,
            "updates": updates,
            "gallery": gallery,
            "may_change": may_change,
            "today": dt.date.today(),
        },
    )


# --- milestones and budget lines ------------------------------------------------------------------------------


@login_required
@GET_POST
@web_errors
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk, "change")
    form = MilestoneForm(request.POST or None)
    if request.method == "POST":
        saved, form, _c = submit_form(form,
            lambda f: services.milestone_create(
                actor=request.user, activity=activity, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if saved is not None:
            messages.success(request, _("Milestone added."))
            return HttpResponseRedirect(_activity_url(activity) + "#milestones")
    return _form_page(
        request,
        {"form": form, "activity": activity, "title": _("Add a milestone to %(code)s") % {"code": activity.code},
         "back_url": _activity_url(activity)},
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    from orbit.planning.models import Milestone

    milestone = Milestone.objects.select_related("activity").filter(pk=pk).first()
    if milestone is None:
        raise NotFound("No such milestone.")
    activity = selectors.activity_get(request.user, milestone.activity_id, "change")
    conflict = None
    if request.method == "POST":
        form = MilestoneEditForm(request.POST)
        saved, form, conflict = submit_form(form,
            lambda f: services.milestone_update(
                actor=request.user, milestone=milestone, expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"], **f.service_values(),
            ),
        )  # fmt: skip
        if saved is not None:
            messages.success(request, _("Milestone saved."))
            return HttpResponseRedirect(_activity_url(activity) + "#milestones")
    else:
        form = MilestoneEditForm(
            initial={
                "version": milestone.version,
                "title": milestone.title,
                "due_date": milestone.due_date,
                "done_date": milestone.done_date,
            }
        )
    return _form_page(
        request,
        {"form": form, "conflict": conflict, "activity": activity, "title": _("Edit milestone"),
         "back_url": _activity_url(activity)},
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def budget_line_create(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk, "change")
    form = BudgetLineForm(request.POST or None, initial={"year": dt.date.today().year})
    if request.method == "POST":
        saved, form, _c = submit_form(form,
            lambda f: services.budget_line_create(
                actor=request.user, activity=activity, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if saved is not None:
            messages.success(request, _("Budget line added."))
            return HttpResponseRedirect(_activity_url(activity) + "#budget")
    return _form_page(
        request,
        {"form": form, "activity": activity, "title": _("Add a budget line to %(code)s") % {"code": activity.code},
         "back_url": _activity_url(activity)},
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def budget_line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    from orbit.planning.models import BudgetLine

    line = BudgetLine.objects.select_related("activity").filter(pk=pk).first()
    if line is None:
        raise NotFound("No such budget line.")
    activity = selectors.activity_get(request.user, line.activity_id, "change")
    conflict = None
    if request.method == "POST":
        form = BudgetLineEditForm(request.POST)
        saved, form, conflict = submit_form(form,
            lambda f: services.budget_line_update(
                actor=request.user, line=line, expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"], **f.service_values(),
            ),
        )  # fmt: skip
        if saved is not None:
            messages.success(request, _("Budget line saved."))
            return HttpResponseRedirect(_activity_url(activity) + "#budget")
    else:
        form = BudgetLineEditForm(
            initial={"version": line.version, **{n: getattr(line, n) for n in services.BUDGET_FIELDS}}
        )
    return _form_page(
        request,
        {"form": form, "conflict": conflict, "activity": activity, "title": _("Edit budget line"),
         "back_url": _activity_url(activity)},
    )  # fmt: skip


# --- updates --------------------------------------------------------------------------------------------------


@login_required
@GET_POST
@web_errors
def update_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new update on an activity (``pk``) or, with ``?value=``, behind an indicator value."""
    activity = selectors.activity_get(request.user, pk)
    form = UpdateForm(request.POST or None, initial={"date": dt.date.today()})
    if request.method == "POST":
        saved, form, _c = submit_form(form,
            lambda f: services.update_create(
                actor=request.user, activity=activity, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if saved is not None:
            messages.success(request, _("Update saved as a draft. Add photos, videos or documents, then submit it."))
            return HttpResponseRedirect(_update_url(saved))
    return _form_page(
        request,
        {"form": form, "activity": activity, "title": _("New progress update on %(code)s") % {"code": activity.code},
         "back_url": _activity_url(activity)},
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def value_update_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new update behind an indicator value: the narrative and evidence of what was reported."""
    actual = actual_get(request.user, pk)
    form = UpdateForm(request.POST or None, initial={"date": dt.date.today()}, on_activity=False)
    back = reverse("results:indicator-detail", args=[actual.indicator_id])
    if request.method == "POST":
        saved, form, _c = submit_form(form,
            lambda f: services.update_create(
                actor=request.user, actual_value=actual, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if saved is not None:
            messages.success(request, _("Update saved as a draft. Add photos, videos or documents, then submit it."))
            return HttpResponseRedirect(_update_url(saved))
    return _form_page(
        request,
        {"form": form, "title": _("New update on the value of %(code)s") % {"code": actual.indicator.code},
         "back_url": back},
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def update_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An update, its evidence, the evidence upload form (while editable) and the workflow actions."""
    update = selectors.update_get(request.user, pk)
    editable = update.status in EDITABLE and can(request.user, "change", update.unit.path) and not update.is_archived
    # Once submitted or approved, evidence is withdrawn (archived) by those who approve the unit's updates.
    may_withdraw = update.status not in EDITABLE and can(request.user, "approve", update.unit.path)
    evidence_form = EvidenceForm()
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("This update cannot take more evidence now."))
        evidence_form = EvidenceForm(request.POST, request.FILES)
        if evidence_form.is_valid():
            data = evidence_form.cleaned_data
            try:
                services.evidence_add(
                    actor=request.user,
                    update=update,
                    upload=data["file"],
                    keep_gps=data["keep_gps"],
                    caption={current_language(): data["caption"]} if data["caption"] else {},
                    credit=data["credit"],
                    taken_on=data["taken_on"],
                    location=data["location"],
                    identifiable_people=data["identifiable_people"],
                    consent=data["consent"],
                )
            except ValidationError as exc:
                apply_validation_error(evidence_form, exc)
            else:
                messages.success(request, _("%(name)s added.") % {"name": data["file"].name[:80]})
                return HttpResponseRedirect(_update_url(update) + "#evidence")
    transitions = []
    for name in available_transitions(update.status):
        right = "change" if name == "submit" else "approve"
        if can(request.user, right, update.unit.path):
            transitions.append(name)
    back = (
        _activity_url(update.activity_id)
        if update.activity_id
        else reverse("results:indicator-detail", args=[update.actual_value.indicator_id])  # type: ignore[union-attr]
    )
    return render(
        request,
        "planning/update_detail.html",
        {
            "update": update,
            "evidence": list(update.evidence.filter(archived_at__isnull=True).order_by("id")),
            "editable": editable,
            "may_withdraw": may_withdraw,
            "evidence_form": evidence_form,
            "transitions": transitions,
            "transition_form": TransitionForm(initial={"version": update.version}),
            "back_url": back,
        },
    )


@login_required
@GET_POST
@web_errors
def update_edit(request: HttpRequest, pk: int) -> HttpResponse:
    update = selectors.update_get(request.user, pk)
    on_activity = update.activity_id is not None
    conflict = None
    if request.method == "POST":
        form = UpdateEditForm(request.POST, on_activity=on_activity)
        saved, form, conflict = submit_form(form,
            lambda f: services.update_edit(
                actor=request.user, update=update, expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"], **f.service_values(),
            ),
            rebind={"on_activity": on_activity},
        )  # fmt: skip
        if saved is not None:
            messages.success(request, _("Update saved."))
            return HttpResponseRedirect(_update_url(saved))
    else:
        fields = [n for n in services.UPDATE_FIELDS if on_activity or n not in ("new_status", "status_reason")]
        form = UpdateEditForm(
            initial={"version": update.version, **{n: getattr(update, n) for n in fields}}, on_activity=on_activity
        )
    return _form_page(
        request,
        {"form": form, "conflict": conflict, "title": _("Edit the update of %(date)s") % {"date": update.date},
         "back_url": _update_url(update)},
    )  # fmt: skip


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_POST
@web_errors
def update_transition(request: HttpRequest, pk: int) -> HttpResponse:
    update = selectors.update_get(request.user, pk)
    form = TransitionForm(request.POST)
    back = _safe_next(request, _update_url(update))
    if not form.is_valid():
        messages.error(request, _("The action could not be read; try again."))
        return HttpResponseRedirect(back)
    action = form.cleaned_data["action"]
    try:
        services.update_transition(
            actor=request.user, update=update, action=action, expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )  # fmt: skip
    except StaleVersion:
        messages.error(request, _("Someone changed this update meanwhile; look at it again before you act."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = {
            "submit": _("Update submitted for review."),
            "return": _("Update returned to its author with your note."),
            "approve": _("Update approved."),
            "reopen": _("Update reopened as a draft."),
        }
        messages.success(request, done[action])
    return HttpResponseRedirect(back)


def _evidence_words(evidence: Evidence, restoring: bool) -> ActionText:
    if evidence.update.status not in EDITABLE:  # submitted or approved: withdrawn by those who approve
        return ActionText(
            title=_("Withdraw %(name)s: it leaves the reports and is no longer published")
            % {"name": evidence.original_name},
            done=_("%(name)s withdrawn.") % {"name": evidence.original_name},
            submit=_("Withdraw"),
        )
    return ActionText(
        title=_("Remove %(name)s from the update") % {"name": evidence.original_name},
        done=_("%(name)s removed.") % {"name": evidence.original_name},
        submit=_("Remove"),
    )


evidence_archive, _evidence_restore = archive_restore_views(
    get=selectors.evidence_get,
    archive=services.evidence_archive,
    restore=services.evidence_archive,
    target="evidence",
    text=_evidence_words,
    back_url=lambda e: _update_url(e.update) + "#evidence",
)


@login_required
@require_GET
@web_errors
def evidence_file(request: HttpRequest, pk: int, variant: str = "file") -> HttpResponseBase:
    from orbit.planning import media

    evidence = selectors.evidence_get(request.user, pk)
    name = evidence.thumbnail.name if variant == "thumb" else evidence.file.name
    if not name:
        raise NotFound("This evidence has no such file.")
    thumb = variant == "thumb"
    content_type = ("image/png" if name.endswith(".png") else "image/jpeg") if thumb else evidence.content_type
    try:
        return media.download_response(
            name,
            content_type=content_type,
            download_name=evidence.original_name,
            inline=thumb or evidence.kind in (Evidence.Kind.PHOTO, Evidence.Kind.VIDEO),
        )
    except FileNotFoundError as exc:  # media raises Http404 itself; a storage backend may raise this
        raise NotFound("The file is missing from storage.") from exc


@require_GET
def evidence_public(request: HttpRequest, pk: int, token: str) -> HttpResponseBase:
    """Published evidence, for anyone without signing in (:mod:`orbit.planning.publication`); 404 otherwise."""
    from orbit.planning import media, publication

    if not publication.enabled() or not publication.token_matches(pk, token):
        raise Http404("No such published evidence.")
    try:
        evidence = selectors.evidence_published(pk)
    except NotFound:
        raise Http404("No such published evidence.") from None
    photo = evidence.kind == Evidence.Kind.PHOTO
    response = media.download_response(
        evidence.thumbnail.name if photo else evidence.file.name,
        content_type=publication.served_type(evidence),
        download_name=evidence.original_name,
        inline=True,
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # IATI portals show published photos
    return response


# --- my work, review queue ------------------------------------------------------------------------------------


@login_required
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    return render(request, "planning/my_work.html", {"work": selectors.my_work(request.user)})


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.review_queue(request.user)
    return render(
        request,
        "planning/review_queue.html",
        {"queue": queue, "form": TransitionForm(), "may_review": can_anywhere(request.user, "approve")},
    )


# --- regional initiatives -------------------------------------------------------------------------------------


@login_required
@require_GET
def initiative_list(request: HttpRequest) -> HttpResponse:
    initiatives = selectors.initiative_list(request.user)
    regions: dict[str, list[Any]] = {}
    for initiative in initiatives:
        regions.setdefault(initiative.get_region_display(), []).append(initiative)
    return render(request, "planning/initiative_list.html", {"regions": regions})


@login_required
@require_GET
@web_errors
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = selectors.initiative_get(request.user, pk)
    detail = selectors.initiative_detail(request.user, initiative)
    return render(request, "planning/initiative_detail.html", {"initiative": initiative, **detail})


# --- locks ----------------------------------------------------------------------------------------------------


@login_required
@GET_POST
@web_errors
def locks(request: HttpRequest) -> HttpResponse:
    units = org_unit_restrict(request.user, "approve").order_by("path")
    form = LockForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period_lock(actor=request.user, unit=data["unit"], period_start=data["period_start"],
                        period_end=data["period_end"], reason=data["reason"])  # fmt: skip
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Period locked."))
            return HttpResponseRedirect(reverse("planning:locks"))
    scoped = org_unit_restrict(request.user, "view").values("pk")
    rows = PeriodLock.all_objects.filter(Q(unit__in=scoped)).select_related("unit", "archived_by")
    return render(
        request,
        "planning/locks.html",
        {"form": form, "locks": list(rows.order_by("-created_at")[:200]), "may_lock": units.exists()},
    )


def _lock_get(user: Any, pk: int) -> PeriodLock:
    scoped = org_unit_restrict(user, "view").values("pk")
    lock: PeriodLock | None = PeriodLock.all_objects.select_related("unit").filter(pk=pk, unit__in=scoped).first()
    if lock is None:
        raise NotFound("No such lock.")
    return lock


def _unlock_words(lock: PeriodLock, restoring: bool) -> ActionText:
    names = {"unit": lock.unit.code, "start": lock.period_start, "end": lock.period_end}
    return ActionText(
        title=_("Unlock %(unit)s for %(start)s to %(end)s") % names,
        done=_("Period unlocked."),
        submit=_("Unlock"),
    )


lock_unlock, _lock_restore = archive_restore_views(
    get=_lock_get,
    archive=period_unlock,
    restore=period_unlock,
    target="lock",
    text=_unlock_words,
    back_url=lambda lock: reverse("planning:locks"),
)


# --- dashboard ------------------------------------------------------------------------------------------------


def _status_labels() -> dict[str, str]:
    return {"on_track": _("On track"), "at_risk": _("At risk"), "off_track": _("Off track"), "no_data": _("No data")}


@login_required
@require_GET
@web_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    """KPI status by objective, unit, region, initiative and SDG; activities by status and year; budget
    execution; the latest evidence.  Every bar links to the records behind it."""
    frameworks = list(
        framework_restrict(request.user)
        .filter(kind__in=[Framework.Kind.OPERATIONAL_PLAN, Framework.Kind.ACTION_PLAN], archived_at__isnull=True)
        .order_by("-cycle_start", "code")
    )
    chosen = next((f for f in frameworks if str(f.pk) == request.GET.get("framework")), None)
    if chosen is None:
        chosen = next((f for f in frameworks if f.kind == Framework.Kind.OPERATIONAL_PLAN), None) or (
            frameworks[0] if frameworks else None
        )
    include_submitted = request.GET.get("submitted") == "1"
    status_labels = _status_labels()
    kpi = selectors.kpi_breakdown(request.user, chosen, include_submitted=include_submitted) if chosen else None
    kpi_charts: list[tuple[str, str]] = []
    if kpi is not None:
        tree_url = reverse("results:framework-tree", args=[chosen.pk])  # type: ignore[union-attr]
        objective_rows = [
            charts.BarRow(
                label=f"{row['node'].code} {pick(row['node'].title)}",
                counts=row["rollup"].counts if row["rollup"] else {},
                links={"": reverse("results:node-detail", args=[row["node"].pk])},
            )
            for row in kpi.by_objective
        ]
        unit_rows = [
            charts.BarRow(label=row["code"], counts=row["counts"], links={"": f"{tree_url}"}) for row in kpi.by_unit
        ]
        region_names = dict(ItuRegion.choices)
        region_rows = [
            charts.BarRow(
                label=str(region_names.get(row["code"], _("Headquarters"))),
                counts=row["counts"],
                links={
                    "": reverse("planning:plan") + (f"?region={row['code']}" if row["code"] in region_names else "")
                },
            )
            for row in kpi.by_region
        ]
        initiative_rows = [
            charts.BarRow(
                label=row["initiative"].code,
                counts=row["counts"],
                links={"": reverse("planning:initiative-detail", args=[row["initiative"].pk])},
            )
            for row in kpi.by_initiative
        ]
        sdg_rows = [
            charts.BarRow(
                label=f"{row['node'].code} {pick(row['node'].title)}",
                counts=row["counts"],
                links={"": reverse("planning:plan") + f"?sdg={row['node'].pk}"},
            )
            for row in kpi.by_sdg
        ]
        for chart_id, title, rows in (
            ("kpi-objective", _("KPI status by objective"), objective_rows),
            ("kpi-unit", _("KPI status by responsible unit"), unit_rows),
            ("kpi-region", _("KPI status by region"), region_rows),
            ("kpi-initiative", _("KPI status by regional initiative"), initiative_rows),
            ("kpi-sdg", _("KPI status by SDG target"), sdg_rows),
        ):
            if rows:
                svg = charts.stacked_bars(
                    rows, labels=status_labels, colours=charts.STATUS_COLOURS, title=title,
                    desc=_("Number of indicators by status at their current target."), chart_id=chart_id,
                    width=460,
                )  # fmt: skip
                kpi_charts.append((title, mark_safe(svg)))  # noqa: S308  # built from escaped parts
    activity_labels = dict(ActivityStatus.choices)
    scope = selectors.PlanFilters(framework=chosen.pk if chosen else None)
    picture = selectors.activity_picture(request.user, scope)
    by_year = picture.by_year
    plan_url = reverse("planning:plan")
    plan_query = f"?framework={chosen.pk}&" if chosen else "?"
    year_rows = [
        charts.BarRow(
            label=str(row["year"]),
            counts=row["counts"],
            links={status: f"{plan_url}{plan_query}year={row['year']}&status={status}" for status in activity_labels},
        )
        for row in by_year
    ]
    activities_svg = mark_safe(  # noqa: S308  # built from escaped parts
        charts.stacked_bars(
            year_rows,
            labels={k: str(v) for k, v in activity_labels.items()},
            colours=charts.ACTIVITY_COLOURS,
            title=_("Activities by status and planned start year"),
            desc=_("Each bar is a year; its segments count activities by status."),
            chart_id="activities-year",
        )
    )
    budget = selectors.budget_execution(request.user, scope)
    amount_labels = {"planned": _("Planned"), "committed": _("Committed"), "spent": _("Spent")}
    budget_svgs = []
    currencies = sorted({row["currency"] for row in budget["by_source"]})
    from orbit.planning.models import FundingSource

    source_names = dict(FundingSource.choices)
    for currency in currencies:
        amount_rows: list[tuple[str, dict[str, Decimal], str]] = [
            (
                str(source_names.get(r["source"], r["source"])),
                {k: r[k] or Decimal(0) for k in amount_labels},
                f"{plan_url}{plan_query}",
            )
            for r in budget["by_source"]
            if r["currency"] == currency
        ]
        budget_svgs.append(
            mark_safe(  # noqa: S308  # built from escaped parts
                charts.grouped_amounts(
                    amount_rows,
                    labels=amount_labels,
                    currency=currency,
                    title=_("Budget execution by funding source (%(currency)s)") % {"currency": currency},
                    desc=_("Planned, committed and spent amounts, in one currency."),
                    chart_id=f"budget-{currency.lower()}",
                )
            )
        )
    return render(
        request,
        "planning/dashboard.html",
        {
            "frameworks": frameworks,
            "framework": chosen,
            "kpi": kpi,
            "kpi_charts": kpi_charts,
            "include_submitted": include_submitted,
            "activities_svg": activities_svg,
            "status_counts": [
                (key, activity_labels[key], count)
                for key, count in picture.by_status.items()
            ],
            "budget": budget,
            "budget_svgs": budget_svgs,
            "gallery": selectors.latest_evidence(request.user, scope),
            "plan_query": plan_query,
        },
    )
