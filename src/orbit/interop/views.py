"""IATI pages: export the plan as an IATI 2.03 file (written in the background, checked, offered only when valid),
upload an IATI file (dry run first, then apply without uploading again), and the history of both.

Reads go through :mod:`orbit.interop.selectors`, writes through :mod:`orbit.interop.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from orbit.core.errors import NotFound, OrbitError, PermissionDenied
from orbit.core.views import web_errors
from orbit.core.web import apply_validation_error
from orbit.interop import iati, selectors, services
from orbit.interop.forms import IatiExportForm, IatiImportForm
from orbit.interop.models import IatiExport, IatiUpload, ImportRun
from orbit.organisation.access import can, can_anywhere
from orbit.organisation.selectors import org_unit_restrict
from orbit.results.selectors import framework_restrict

GET_POST = require_http_methods(["GET", "POST"])
HISTORY_PAGE_SIZE = 25
#: A page lists at most this many problems (the API and the record keep them all).
MAX_PROBLEMS_SHOWN = 1000

#: The kinds of record an import counts, in the reader's language.
IMPORT_KINDS = (
    ("activities", gettext_lazy("Activities")),
    ("results", gettext_lazy("Results")),
    ("indicators", gettext_lazy("Indicators")),
    ("periods", gettext_lazy("Periods")),
)


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, HISTORY_PAGE_SIZE).get_page(request.GET.get("page", 1))


# --- export -------------------------------------------------------------------------------------------------------


@login_required
@GET_POST
@web_errors
def export(request: HttpRequest) -> HttpResponse:
    """Choose what to export and as whom it is published; the history of the user's exports below."""
    if not can_anywhere(request.user, "view"):
        raise PermissionDenied(_("You need a role on a unit to export its plan."))
    frameworks = framework_restrict(request.user).order_by("code")
    defaults = services.iati_publisher_defaults()
    initial = {"identifier_prefix": defaults.pop("prefix"), **defaults}
    form = IatiExportForm(request.POST or None, frameworks=frameworks, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["prefix"] = values.pop("identifier_prefix")
        try:
            created = services.iati_export_request(actor=request.user, **values)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "prefix" in exc.error_dict:
                exc.error_dict["identifier_prefix"] = exc.error_dict.pop("prefix")
            apply_validation_error(form, exc)
        else:
            return HttpResponseRedirect(reverse("interop:export-detail", args=[created.pk]))
    return render(
        request,
        "interop/export.html",
        {"form": form, "page": _page(request, selectors.iati_export_restrict(request.user))},
    )


@login_required
@require_GET
@web_errors
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's status and checks; while it runs, the status part refreshes itself (htmx)."""
    found = selectors.iati_export_get(user=request.user, pk=pk)
    template = "interop/_export_status.html" if request.headers.get("HX-Request") else "interop/export_detail.html"
    problems = found.problems if isinstance(found.problems, list) else []
    context = {
        "export": found,
        "problems": problems[:MAX_PROBLEMS_SHOWN],
        "more_problems": len(problems) > MAX_PROBLEMS_SHOWN,
    }
    return render(request, template, context)


@login_required
@require_GET
@web_errors
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file of a finished export: as the publishable file when valid; an invalid one only for inspection,
    asked for explicitly and named as such."""
    found = selectors.iati_export_get(user=request.user, pk=pk)
    inspect = request.GET.get("inspect") == "1"
    if found.status != IatiExport.Status.DONE or not found.file or not default_storage.exists(found.file):
        raise Http404(_("This export has no file."))
    if not found.valid and not inspect:
        raise Http404(_("This export is not valid IATI; it is offered only for inspection."))
    name = f"iati-activities-{found.pk}{'' if found.valid else '-INVALID'}.xml"
    return FileResponse(
        default_storage.open(found.file, "rb"), as_attachment=True, filename=name, content_type="application/xml"
    )


# --- import -------------------------------------------------------------------------------------------------------


@login_required
@GET_POST
@web_errors
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload an IATI file into a unit the user may change; the history of imports into such units below."""
    if not can_anywhere(request.user, "change"):
        raise PermissionDenied(_("You need the change right on a unit to import IATI activities."))
    units = org_unit_restrict(request.user, "change").order_by("path")
    frameworks = framework_restrict(request.user, "change").order_by("code")
    form = IatiImportForm(request.POST or None, request.FILES or None, units=units, frameworks=frameworks)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            upload = services.iati_upload(
                actor=request.user,
                stream=uploaded,
                name=str(uploaded.name or "upload.xml"),
                unit=form.cleaned_data["unit"],
                framework=form.cleaned_data["framework"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except (iati.IatiError, OrbitError) as exc:
            if isinstance(exc, (NotFound, PermissionDenied)):
                raise
            form.add_error("file", str(exc))
        else:
            return HttpResponseRedirect(_upload_url(upload))
    return render(
        request,
        "interop/import.html",
        {"form": form, "page": _page(request, selectors.import_run_restrict(request.user))},
    )


def _upload_url(upload: IatiUpload) -> str:
    """Where to follow an upload: its run once it has one and is finished, else its progress page."""
    run = upload.applied or upload.dry_run
    if upload.status == IatiUpload.Status.DONE and run is not None:
        return reverse("interop:import-detail", args=[run.pk])
    return reverse("interop:upload-detail", args=[upload.pk])


@login_required
@require_GET
@web_errors
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A large upload being imported in the background; the page follows it and moves on to the run when done."""
    upload = selectors.iati_upload_get(user=request.user, pk=pk)
    target = _upload_url(upload)
    if target != request.path:
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
    template = "interop/_upload_status.html" if request.headers.get("HX-Request") else "interop/upload_detail.html"
    return render(request, template, {"upload": upload})


def _counts(run: ImportRun) -> list[tuple[Any, dict[str, int]]]:
    counts = run.counts if isinstance(run.counts, dict) else {}
    rows = []
    for key, label in IMPORT_KINDS:
        found = counts.get(key)
        kind: dict[str, Any] = found if isinstance(found, dict) else {}
        rows.append(
            (label, {k: int(kind.get(k) or 0) for k in ("created", "updated", "unchanged", "refused", "left_out")})
        )
    return rows


#: What happened to the data a problem concerns, as the import report records it, in the reader's language.
OUTCOME_LABELS = {
    "refused": gettext_lazy("refused"),
    "left out": gettext_lazy("left out"),
    "imported as is": gettext_lazy("imported as is"),
}


def _problems(problems: list[Any]) -> list[dict[str, Any]]:
    return [
        {**p, "outcome_label": OUTCOME_LABELS.get(str(p.get("outcome", "")), p.get("outcome", ""))}
        for p in problems
        if isinstance(p, dict)
    ]


@login_required
@GET_POST
@web_errors
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What an import did (or, for a dry run, would do); a dry run uploaded here can be applied from here."""
    run = selectors.import_run_get(user=request.user, pk=pk)
    upload = selectors.iati_upload_of_dry_run(run)
    error = ""
    if request.method == "POST":
        if upload is None:
            raise Http404(_("This import has no kept file to apply."))
        try:
            upload = services.iati_upload_apply(actor=request.user, upload=upload)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except iati.IatiError as exc:
            error = str(exc)
        else:
            if upload.status == IatiUpload.Status.DONE:
                messages.success(request, _("The file was applied."))
            return HttpResponseRedirect(_upload_url(upload))
    problems = run.problems if isinstance(run.problems, list) else []
    may_apply = (
        upload is not None
        and upload.applied_id is None
        and upload.finished
        and run.status != ImportRun.Status.REFUSED
        and can(request.user, "change", run.unit.path)
    )
    return render(
        request,
        "interop/import_detail.html",
        {
            "run": run,
            "counts": _counts(run),
            "problems": _problems(problems[:MAX_PROBLEMS_SHOWN]),
            "more_problems": len(problems) > MAX_PROBLEMS_SHOWN,
            "upload": upload,
            "applied_run": upload.applied if upload is not None else None,
            "may_apply": may_apply,
            "error": error,
        },
    )

