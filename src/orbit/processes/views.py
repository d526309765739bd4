"""Pages of the process inventory: the list, one process, its impact analysis, the dependency graph, BPMN
uploads.  Reads go through the selectors, writes through the services."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from orbit.core.errors import PermissionDenied, StaleVersion
from orbit.core.views import web_errors
from orbit.core.web import ActionText, apply_validation_error, archive_restore_views, submit_form
from orbit.organisation.access import can, can_anywhere, require
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_restrict
from orbit.processes import capture_excel, exports, selectors, services
from orbit.processes.bpmn import MAX_INPUT_BYTES
from orbit.processes.forms import (
    BpmnUploadForm,
    DependencyForm,
    ImpactForm,
    KpiForm,
    ParticipantForm,
    ProcessEditForm,
    ProcessForm,
    WindowForm,
)
from orbit.processes.models import (
    BpmnUpload,
    DependencyKind,
    Digitisation,
    Level,
    Nature,
    Process,
    TransformationStatus,
)
from orbit.processes.pictures import PICTURE_LIMIT, dependency_picture, impact_picture
from orbit.results.models import Framework, ResultNode
from orbit.results.selectors import framework_restrict

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


def _process_url(process: Process | int) -> str:
    return reverse("processes:process-detail", args=[process if isinstance(process, int) else process.pk])


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("submit", _("Save"))
    return render(request, "processes/form.html", context)


def _process_form_kwargs(user: Any) -> dict[str, Any]:
    return {
        "units": org_unit_restrict(user, "change").order_by("path"),
        "all_units": OrgUnit.objects.order_by("path"),
        "processes": Process.objects.filter(level__lt=Level.TASK).order_by("code"),
        "users": get_user_model().objects.filter(is_active=True).order_by("username"),
    }


@login_required
@require_GET
@web_errors
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    detail = selectors.process_detail(user=request.user, pk=pk)
    process = detail.process
    may_change = can(request.user, "change", process.owner_unit.path)
    return render(
        request,
        "processes/process_detail.html",
        {
            "d": detail,
            "process": process,
            "may_change": may_change,
            "may_set_targets": can(request.user, "approve", process.owner_unit.path),
            "windows_open": [w for w in detail.windows if w.kind == "open"],
        },
    )


@login_required
@GET_POST
@web_errors
def process_create(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, "change"):
        raise PermissionDenied(_("You need the change right on a unit to add processes."))
    kwargs = _process_form_kwargs(request.user)
    initial: dict[str, Any] = {"level": Level.PROCESS, "nature": "core", "digitisation": "paper",
                               "transformation_status": "documented", "change_authority": "process_owner"}  # fmt: skip
    if request.GET.get("parent"):
        parent = Process.objects.filter(pk=_int(request.GET["parent"])).first()
        if parent is not None:
            initial.update(parent=parent.pk, level=min(parent.level + 1, Level.TASK), owner_unit=parent.owner_unit_id)
    form = ProcessForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST":
        process, form, _c = submit_form(form,
            lambda f: services.process_create(
                actor=request.user, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )  # fmt: skip
        if process is not None:
            messages.success(request, _("Process %(code)s added to the inventory.") % {"code": process.code})
            return HttpResponseRedirect(_process_url(process))
    return _form_page(request, {"form": form, "title": _("New process"), "back_url": reverse("processes:inventory")})


@login_required
@GET_POST
@web_errors
def process_edit(request: HttpRequest, pk: int) -> HttpResponse:
    process = selectors.process_get(user=request.user, pk=pk)
    require(request.user, "change", process.owner_unit.path, noun="process", public=True)
    kwargs = _process_form_kwargs(request.user)
    conflict = None
    if request.method == "POST":
        form = ProcessEditForm(request.POST, **kwargs)
        form.keep_archived_entries_of(process)
        saved, form, conflict = submit_form(form,
            lambda f: services.process_update(
                actor=request.user, process=process, expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"], **f.service_values(),
            ),
            rebind=kwargs,
        )  # fmt: skip
        if saved is not None:
            messages.success(request, _("Process %(code)s saved.") % {"code": saved.code})
            return HttpResponseRedirect(_process_url(saved))
    else:
        initial = {name: getattr(process, name) for name in services.PROCESS_FIELDS if name in ProcessForm.base_fields}
        for name in services.PROCESS_RELATIONS:
            initial[name] = [x.pk for x in getattr(process, name).all()]
        form = ProcessEditForm(initial={"version": process.version, **initial}, **kwargs)
        form.keep_archived_entries_of(process)
    return _form_page(
        request,
        {"form": form, "title": _("Edit %(code)s") % {"code": process.code}, "conflict": conflict,
         "process": process, "back_url": _process_url(process)},
    )  # fmt: skip


def _process_words(process: Process, restoring: bool) -> ActionText:
    if restoring:
        return ActionText(_("Restore %(code)s") % {"code": process.code}, _("Process restored."))
    return ActionText(_("Archive %(code)s") % {"code": process.code}, _("Process archived."))


process_archive, process_restore = archive_restore_views(
    get=lambda user, pk: selectors.process_get(user=user, pk=pk, include_archived=True),
    archive=services.process_archive,
    restore=services.process_restore,
    target="process",
    text=_process_words,
    back_url=_process_url,
)


def _sub_form(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[Any],
    title: str,
    perform: Any,
    done: str,
    form_kwargs: dict[str, Any] | None = None,
    rights: str = "change",
) -> HttpResponse:
    """A small form that adds something to one process (a dependency, a participant, a window…)."""
    process = selectors.process_get(user=request.user, pk=pk)
    require(request.user, rights, process.owner_unit.path, noun="process", public=True)
    form = form_class(request.POST or None, **(form_kwargs or {}))
    if request.method == "POST":
        result, form, _c = submit_form(form, lambda f: perform(process, f))
        if result is not None:
            messages.success(request, done)
            return HttpResponseRedirect(_process_url(process))
    return _form_page(
        request, {"form": form, "title": f"{title} — {process.code}", "process": process,
                  "back_url": _process_url(process)},
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def dependency_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _sub_form(
        request, pk, form_class=DependencyForm, title=_("New dependency"), done=_("Dependency added."),
        form_kwargs={"processes": Process.objects.exclude(pk=pk).order_by("code")},
        perform=lambda process, f: services.dependency_create(
            actor=request.user, source=process, reason=f.cleaned_data["reason"], **f.service_values()
        ),
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _sub_form(
        request, pk, form_class=ParticipantForm, title=_("New participant"), done=_("Participant added."),
        form_kwargs={"all_units": OrgUnit.objects.order_by("path")},
        perform=lambda process, f: services.participant_add(
            actor=request.user, process=process, reason=f.cleaned_data["reason"], **f.service_values()
        ),
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def window_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _sub_form(
        request, pk, form_class=WindowForm, title=_("New change window"), done=_("Change window added."),
        perform=lambda process, f: services.change_window_add(
            actor=request.user, process=process, reason=f.cleaned_data["reason"], **f.service_values()
        ),
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def impact_add(request: HttpRequest, pk: int) -> HttpResponse:
    readable = framework_restrict(request.user).exclude(kind=Framework.Kind.OTHER).values("pk")
    nodes = ResultNode.objects.filter(framework__in=readable).select_related("framework").order_by(
        "framework__code", "path"
    )
    return _sub_form(
        request, pk, form_class=ImpactForm, title=_("Impact on a strategic goal"), done=_("Impact recorded."),
        form_kwargs={"nodes": nodes},
        perform=lambda process, f: services.impact_set(
            actor=request.user, process=process, reason=f.cleaned_data["reason"], **f.service_values()
        ),
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def kpi_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A performance target for a process; APQC's metric definitions for its PCF element are offered as
    templates (choosing one fills the form)."""
    process = selectors.process_get(user=request.user, pk=pk)
    require(request.user, "approve", process.owner_unit.path, noun="process", public=True)
    templates = selectors.pcf_metric_templates(process)
    chosen = next((m for m in templates if str(m.pk) == request.GET.get("metric")), None)
    initial: dict[str, Any] = {"target_year": dt.date.today().year + 1, "direction": "decrease"}
    if chosen is not None:
        initial.update(
            code=f"PCF-{chosen.metric_id}"[:40], title={"en": chosen.name[:500]}, unit_label=chosen.units[:60],
            data_source=f"APQC PCF metric {chosen.metric_id}: {chosen.formula}"[:500],
        )  # fmt: skip
    form = KpiForm(request.POST or None, initial=initial)
    if request.method == "POST":
        result, form, _c = submit_form(
            form,
            lambda f: services.process_kpi_create(
                actor=request.user, process=process, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )
        if result is not None:
            messages.success(request, _("Performance target set."))
            return HttpResponseRedirect(_process_url(process))
    return render(
        request,
        "processes/kpi_form.html",
        {"form": form, "process": process, "templates": templates, "chosen": chosen,
         "title": _("New performance target") + f" — {process.code}", "back_url": _process_url(process),
         "submit": _("Save")},
    )  # fmt: skip


@login_required
@require_GET
@web_errors
def pcf_browse(request: HttpRequest) -> HttpResponse:
    """APQC's Process Classification Framework as stored: one level at a time, with metrics and attribution."""
    release, parent, elements = selectors.pcf_children(
        user=request.user, parent=_int(request.GET.get("parent")), q=request.GET.get("q", "").strip()[:100]
    )
    return render(
        request,
        "processes/pcf.html",
        {"release": release, "parent": parent, "elements": elements, "q": request.GET.get("q", ""),
         "ancestors": selectors.pcf_ancestors(parent) if parent else []},
    )  # fmt: skip


# --- impact analysis and the graph --------------------------------------------------------------------------------


#: The impact page lists at most this many processes each way (its picture draws the nearest PICTURE_LIMIT).
TABLE_LIMIT = 500


def _kinds(request: HttpRequest) -> list[str]:
    return [k for k in request.GET.getlist("kind") if k in DependencyKind.values]


@login_required
@require_GET
@web_errors
def impact(request: HttpRequest, pk: int) -> HttpResponse:
    process = selectors.process_get(user=request.user, pk=pk)
    kinds = _kinds(request)
    max_distance = _int(request.GET.get("max_distance"))
    result, processes = selectors.impact_analysis(
        user=request.user, process=process, kinds=kinds or None, max_distance=max_distance, fetch_limit=TABLE_LIMIT
    )
    labels = dict(DependencyKind.choices)

    def rows(reached: list[Any]) -> list[dict[str, Any]]:
        return [
            {"process": processes.get(r.node), "distance": r.distance, "via": processes.get(r.via),
             "kinds": [labels.get(k, k) for k in sorted(r.kinds)]}
            for r in reached
        ]  # fmt: skip

    svg, picture_cut = impact_picture(process, result, processes)
    by_distance: dict[int, int] = {}
    for r in result.downstream:
        by_distance[r.distance] = by_distance.get(r.distance, 0) + 1
    return render(
        request,
        "processes/impact.html",
        {
            "process": process,
            "downstream": rows(result.downstream[:TABLE_LIMIT]),
            "upstream": rows(result.upstream[:TABLE_LIMIT]),
            "downstream_total": len(result.downstream),
            "upstream_total": len(result.upstream),
            "table_limit": TABLE_LIMIT,
            "picture_cut": picture_cut,
            "picture_limit": PICTURE_LIMIT,
            "cycles": [[processes.get(n) for n in cycle] for cycle in result.cycles],
            "kinds": DependencyKind.choices,
            "chosen_kinds": kinds,
            "max_distance": max_distance or "",
            "by_distance": sorted(by_distance.items()),
            "svg": mark_safe(svg),  # noqa: S308  # built on the server with every label escaped
        },
    )


@login_required
@require_GET
@web_errors
def graph(request: HttpRequest) -> HttpResponse:
    unit = _int(request.GET.get("unit"))
    group_by = "wave" if request.GET.get("group_by") == "wave" else "unit"
    view = selectors.graph_view(user=request.user, unit=unit)
    processes = list(view["processes"].values())
    svg = dependency_picture(processes, group_by=group_by)
    waves: dict[int, list[Process]] = {}
    for p in processes:
        waves.setdefault(view["waves"].get(p.pk, 0), []).append(p)
    return render(
        request,
        "processes/graph.html",
        {
            "svg": mark_safe(svg),  # noqa: S308  # built on the server with every label escaped
            "group_by": group_by,
            "unit": unit,
            "units": OrgUnit.objects.filter(processes__isnull=False).distinct().order_by("path"),
            "waves": sorted(waves.items()),
            "cycles": [[view["processes"].get(n) for n in c if n in view["processes"]] for c in view["cycles"]],
            "truncated": view["truncated"],
            "count": len(processes),
        },
    )


# --- BPMN uploads ---------------------------------------------------------------------------------------------


@login_required
@GET_POST
@web_errors
def bpmn_upload(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, "change"):
        raise PermissionDenied(_("You need the change right on a unit to import processes."))
    units = org_unit_restrict(request.user, "change").order_by("path")
    form = BpmnUploadForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        uploaded = request.FILES.getlist("files")
        too_big = [f.name for f in uploaded if (f.size or 0) > MAX_INPUT_BYTES]
        if not uploaded:
            form.add_error(None, _("Choose one or more BPMN files."))
        elif too_big:
            form.add_error(None, _("Too large (over 20 MB): %(names)s.") % {"names": ", ".join(map(str, too_big))})
        else:
            files = [(str(f.name or "upload.bpmn"), f.read()) for f in uploaded]
            try:
                upload = services.bpmn_upload_preview(
                    actor=request.user, owner_unit=form.cleaned_data["owner_unit"], files=files
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return HttpResponseRedirect(reverse("processes:upload-detail", args=[upload.pk]))
    page = Paginator(selectors.upload_list(user=request.user), UPLOADS_PER_PAGE).get_page(request.GET.get("page", 1))
    uploads = []
    for upload in page.object_list:
        counts = (upload.report or {}).get("counts", {}).get("process", {})
        uploads.append({"upload": upload, "created": counts.get("create", 0), "updated": counts.get("update", 0)})
    return render(request, "processes/upload.html", {"form": form, "page": page, "uploads": uploads})


#: Past uploads listed under the upload form, per page.
UPLOADS_PER_PAGE = 25


#: What the rows of an upload's report are, in the reader's language.
RECORD_KINDS = {
    "process": gettext_lazy("Processes"),
    "part": gettext_lazy("Parts (sub-processes, tasks, call activities)"),
    "role": gettext_lazy("Roles"),
    "it_system": gettext_lazy("IT systems"),
    "record": gettext_lazy("Record types"),
    "external_party": gettext_lazy("External parties"),
    "participant": gettext_lazy("Participants (RACI)"),
    "dependency": gettext_lazy("Dependencies"),
}


@login_required
@GET_POST
@web_errors
def bpmn_upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = selectors.upload_get(user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            upload = services.bpmn_upload_apply(
                actor=request.user, upload=upload, expected_version=_int(request.POST.get("version")) or 0
            )
        except StaleVersion:
            error = _("Someone applied or changed this upload since you opened it; check the report again.")
            upload = selectors.upload_get(user=request.user, pk=pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The upload was applied to the inventory."))
            return HttpResponseRedirect(reverse("processes:upload-detail", args=[upload.pk]))
    report = upload.report
    return render(
        request,
        "processes/upload_detail.html",
        {
            "upload": upload,
            "report": report,
            "counts": [(RECORD_KINDS.get(kind, kind), c) for kind, c in sorted(report.get("counts", {}).items())],
            "error": error,
            "may_apply": upload.status == BpmnUpload.Status.PREVIEWED
            and can(request.user, "change", upload.owner_unit.path),
            "applied_processes": selectors.upload_processes(upload) if upload.status == "applied" else [],
        },
    )


# --- exports ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
@web_errors
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The inventory as filtered on the list page, as an Excel workbook."""
    body = exports.inventory_workbook(request.user, _filters(request))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="process-inventory.xlsx"'
    return response


@login_required
@require_GET
@web_errors
def export_archi(request: HttpRequest) -> HttpResponse:
    """Archi's three CSV files in one zip, for enterprise-architecture tools."""
    files = exports.archi_csv(request.user, _filters(request))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="process-inventory-archi.zip"'
    return response


# --- bottom-up capture in bulk ----------------------------------------------------------------------------------


@login_required
@require_GET
@web_errors
def submission_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        capture_excel.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="process-submissions-template.xlsx"'
    return response


@login_required
@GET_POST
@web_errors
def submission_import(request: HttpRequest) -> HttpResponse:
    """A filled-in template: every row checked, all or nothing, errors named by sheet, cell and column."""
    services.require_inventory_reader(request.user)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors.append(_("Choose the filled-in workbook (.xlsx)."))
        elif (upload.size or 0) > 10 * 1024 * 1024:
            errors.append(_("The workbook is larger than 10 MB."))
        else:
            report = capture_excel.import_submissions(
                upload.read(), actor=request.user, filename=str(upload.name or "upload.xlsx"),
                reason=_("Submissions from a workbook"),
            )  # fmt: skip
            if not report.errors:
                messages.success(
                    request,
                    ngettext("%(count)d submission sent for review.", "%(count)d submissions sent for review.",
                             report.created) % {"count": report.created},
                )  # fmt: skip
                return HttpResponseRedirect(reverse("processes:submissions-mine"))
            errors = [str(error) for error in report.errors]
    return render(request, "processes/submissions/import.html", {"errors": errors})
