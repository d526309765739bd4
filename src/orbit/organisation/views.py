"""Web pages for units, memberships and users.  Reads go through selectors, writes through services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from orbit.core.errors import PermissionDenied, StaleVersion
from orbit.core.views import current_unit, safe_next, web_errors
from orbit.core.web import (
    ACTION_TEMPLATE,
    GET_POST,
    ActionText,
    apply_validation_error,
    archive_restore_views,
    rebind_after_conflict,
)
from orbit.organisation import services
from orbit.organisation.access import can, can_anywhere
from orbit.organisation.forms import (
    UNIT_ROLES,
    MembershipAddForm,
    MembershipRoleForm,
    UnitEditForm,
    UnitForm,
    UserCreateForm,
)
from orbit.organisation.models import Membership, OrgUnit, UnitType
from orbit.organisation.selectors import (
    membership_get,
    membership_list,
    org_unit_get,
    org_unit_list,
    user_restrict,
)


def _unit_url(unit: OrgUnit) -> str:
    return reverse("organisation:unit-detail", args=[unit.pk])


@login_required
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    unit_type = request.GET.get("type", "")
    if unit_type not in UnitType.values:
        unit_type = ""
    show_archived = request.GET.get("archived") == "1"
    scope = current_unit(request)
    units = org_unit_list(
        request.user,
        q=q,
        type=unit_type,
        under=scope.path if scope else "",
        include_archived=show_archived,
    )
    context = {
        "units": list(units),
        "q": q,
        "type": unit_type,
        "show_archived": show_archived,
        "types": UnitType.choices,
        "scope": scope,
        "may_create_users": can_anywhere(request.user, "admin"),
    }
    partial = getattr(request, "htmx", False) and request.headers.get("HX-Target") == "unit-results"
    template = "organisation/_unit_results.html" if partial else "organisation/unit_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_GET
@web_errors
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_unit_get(request.user, pk)
    is_admin = can(request.user, "admin", unit.path)
    children = list(org_unit_list(request.user, parent=unit.pk, include_archived=is_admin))
    memberships = list(membership_list(request.user, unit=unit, include_archived=is_admin))
    ancestors_ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    ancestors = {a.pk: a for a in org_unit_list(request.user).filter(pk__in=ancestors_ids)} if ancestors_ids else {}
    context = {
        "unit": unit,
        "children": children,
        "memberships": memberships,
        "breadcrumbs": [ancestors[i] for i in ancestors_ids if i in ancestors],
        "is_admin": is_admin,
        "roles": UNIT_ROLES,
        "add_form": MembershipAddForm(users=user_restrict(request.user)) if is_admin else None,
    }
    return render(request, "organisation/unit_detail.html", context)


@login_required
@GET_POST
@web_errors
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = org_unit_get(request.user, pk)
    if request.method == "POST":
        form = UnitForm(request.POST)
        if form.is_valid():
            try:
                unit = services.org_unit_create(
                    actor=request.user,
                    parent=parent,
                    reason=form.cleaned_data["reason"],
                    **form.service_values(),
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Unit %(code)s created.") % {"code": unit.code})
                return HttpResponseRedirect(_unit_url(unit))
    else:
        if not can(request.user, "admin", parent.path):
            raise PermissionDenied(
                _("You need the admin right on %(unit)s to add units under it.") % {"unit": parent.code}
            )
        form = UnitForm(initial={"type": UnitType.DEPARTMENT})
    return render(
        request,
        ACTION_TEMPLATE,
        {
            "form": form,
            "title": _("New unit under %(code)s") % {"code": parent.code},
            "submit": _("Save"),
            "back_url": _unit_url(parent),
        },
    )


@login_required
@GET_POST
@web_errors
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_unit_get(request.user, pk)
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form: forms.Form = UnitEditForm(request.POST)
        if form.is_valid():
            assert isinstance(form, UnitEditForm)
            try:
                services.org_unit_update(
                    actor=request.user,
                    unit=unit,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                    **form.service_values(),
                )
            except StaleVersion as exc:
                conflict = exc
                form = rebind_after_conflict(form, exc)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Unit %(code)s saved.") % {"code": unit.code})
                return HttpResponseRedirect(_unit_url(unit))
    else:
        if not can(request.user, "admin", unit.path):
            raise PermissionDenied(_("You need the admin right on %(unit)s to edit it.") % {"unit": unit.code})
        form = UnitEditForm(
            initial={
                "version": unit.version,
                **{name: getattr(unit, name) for name in ("code", "name", "type", "region", "city", "country")},
                "source": unit.source,
                "is_sample": unit.is_sample,
            }
        )
    return render(
        request,
        ACTION_TEMPLATE,
        {
            "form": form,
            "object": unit,
            "conflict": conflict,
            "title": _("Edit %(code)s") % {"code": unit.code},
            "submit": _("Save"),
            "back_url": _unit_url(unit),
        },
    )


def _unit_text(unit: OrgUnit, restoring: bool) -> ActionText:
    code = {"code": unit.code}
    if restoring:
        return ActionText(_("Restore %(code)s") % code, _("Unit %(code)s restored.") % code)
    return ActionText(_("Archive %(code)s") % code, _("Unit %(code)s archived.") % code)


unit_archive, unit_restore = archive_restore_views(
    get=org_unit_get,
    archive=services.org_unit_archive,
    restore=services.org_unit_restore,
    target="unit",
    text=_unit_text,
    back_url=_unit_url,
)


@login_required
@GET_POST
@web_errors
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_unit_get(request.user, pk)
    users = user_restrict(request.user)
    form = MembershipAddForm(request.POST or None, users=users)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_create(
                actor=request.user, user=form.cleaned_data["user"], unit=unit, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s of %(code)s.")
                % {
                    "user": membership.user.get_username(),
                    "role": membership.get_role_display(),
                    "code": unit.code,
                },
            )
            return HttpResponseRedirect(_unit_url(unit) + "#memberships")
    return render(
        request,
        ACTION_TEMPLATE,
        {
            "form": form,
            "object": unit,
            "title": _("Add a member to %(code)s") % {"code": unit.code},
            "submit": _("Add member"),
            "back_url": _unit_url(unit),
        },
    )


def _membership_back(membership: Membership) -> str:
    if membership.unit_id:
        return reverse("organisation:unit-detail", args=[membership.unit_id]) + "#memberships"
    return reverse("organisation:unit-list")


@login_required
@GET_POST
@web_errors
def membership_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_get(request.user, pk)
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form: forms.Form = MembershipRoleForm(request.POST)
        if form.is_valid():
            try:
                services.membership_update(
                    actor=request.user,
                    membership=membership,
                    expected_version=form.cleaned_data["version"],
                    role=form.cleaned_data["role"],
                )
            except StaleVersion as exc:
                conflict = exc
                form = rebind_after_conflict(form, exc)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Role changed."))
                return HttpResponseRedirect(_membership_back(membership))
    else:
        form = MembershipRoleForm(initial={"version": membership.version, "role": membership.role})
    return render(
        request,
        ACTION_TEMPLATE,
        {
            "form": form,
            "object": membership,
            "conflict": conflict,
            "title": _("Change the role of %(user)s") % {"user": membership.user.get_username()},
            "submit": _("Change role"),
            "back_url": _membership_back(membership),
        },
    )


def _membership_text(membership: Membership, restoring: bool) -> ActionText:
    user = membership.user.get_username()
    if restoring:
        return ActionText(_("Restore the membership of %(user)s") % {"user": user}, _("Membership restored."))
    return ActionText(
        _("Remove %(user)s from %(unit)s") % {"user": user, "unit": membership.unit.code if membership.unit else "—"},
        _("Membership removed; it can be restored."),
        submit=_("Remove"),
    )


membership_archive, membership_restore = archive_restore_views(
    get=membership_get,
    archive=services.membership_archive,
    restore=services.membership_restore,
    target="membership",
    text=_membership_text,
    back_url=_membership_back,
)


@login_required
@GET_POST
@web_errors
def user_create(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, "admin"):
        raise PermissionDenied(_("Only an administrator may create users."))
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("User %(user)s created. Give them a role on a unit from the unit's page.")
                % {"user": user.get_username()},
            )
            return HttpResponseRedirect(safe_next(request, reverse("organisation:unit-list")))
    return render(
        request,
        ACTION_TEMPLATE,
        {
            "form": form,
            "title": _("New user"),
            "submit": _("Create user"),
            "back_url": safe_next(request, reverse("organisation:unit-list")),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )
