"""Web pages of reports: ask for one, watch its progress, download it, and the history of reports.

A report is produced in the background: the form records a queued run and redirects to the run's page,
which polls its progress panel (htmx) until the run is done (a download link) or failed (the reason).
Reads go through :mod:`orbit.reporting.selectors`, writes through :mod:`orbit.reporting.services`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from orbit.core.i18n import pick
from orbit.core.views import web_errors
from orbit.core.web import GET_POST, ActionText, archive_restore_views, submit_form
from orbit.organisation.selectors import org_unit_restrict
from orbit.planning.media import content_disposition
from orbit.planning.models import ItuRegion, RegionalInitiative
from orbit.planning.selectors import initiative_restrict
from orbit.reporting import selectors, services
from orbit.reporting.forms import HistoryFilterForm, ReportForm
from orbit.reporting.models import ReportRun
from orbit.reporting.render import CONTENT_TYPES
from orbit.results.models import Framework, ResultNode
from orbit.results.selectors import framework_restrict

PAGE_SIZE = 25
#: A downloaded HTML report may show its own styles and embedded pictures, and run nothing.
HTML_REPORT_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _form_kwargs(user: Any) -> dict[str, Any]:
    frameworks = framework_restrict(user).exclude(kind=Framework.Kind.GLOBAL_GOALS).order_by("code")
    return {
        "frameworks": frameworks,
        "nodes": ResultNode.objects.filter(framework__in=frameworks.values("pk"), tier__lte=1)
        .select_related("framework")
        .order_by("framework__code", "path"),
        "units": org_unit_restrict(user).order_by("path"),
        "initiatives": initiative_restrict(user).order_by("region", "code"),
    }


@login_required
@GET_POST
@web_errors
def report_new(request: HttpRequest) -> HttpResponse:
    """The report form; a valid request records a queued run and shows its page."""
    kwargs = _form_kwargs(request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, **kwargs)
        run, form, _conflict = submit_form(
            form, lambda f: services.report_request(actor=request.user, params=f.params(), fmt=f.cleaned_data["format"])
        )
        if run is not None:
            return HttpResponseRedirect(reverse("reporting:run-detail", args=[run.pk]))
    else:
        initial = {"framework": request.GET["framework"]} if request.GET.get("framework", "").isdigit() else {}
        form = ReportForm(initial=initial, **kwargs)
    return render(request, "reporting/report_form.html", {"form": form, "title": _("New results report")})


@login_required
@require_GET
@web_errors
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.report_run_get(request.user, pk)
    return render(request, "reporting/run_detail.html", {"run": run, "params": _params_in_words(run)})


@login_required
@require_GET
@web_errors
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled by the run's page until the run is finished."""
    run = selectors.report_run_get(request.user, pk)
    response = render(request, "reporting/_run_progress.html", {"run": run})
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
@web_errors
def run_download(request: HttpRequest, pk: int) -> FileResponse:
    """The report's file, to those who may see the run; an HTML report is shown inline unless ?download=1."""
    run = selectors.report_run_get(request.user, pk)
    return download_response(run, inline=run.format == "html" and request.GET.get("download") != "1")


def download_response(run: ReportRun, *, inline: bool) -> FileResponse:
    if run.status != ReportRun.Status.DONE or not run.file:
        raise Http404("This report has no file.")
    try:
        handle = default_storage.open(run.file.name, "rb")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        raise Http404("This report's file is missing.") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(run.format, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition(run.download_name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-cache"
    if run.format == "html":
        response["Content-Security-Policy"] = HTML_REPORT_POLICY
    return response


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    """The report history: the reports the user asked for (every report for administrators), newest first."""
    form = HistoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    runs = selectors.report_run_list(
        request.user,
        fmt=data.get("format") or "",
        status=data.get("status") or "",
        include_archived=bool(data.get("archived")),
    )
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in data.items() if v})
    return render(request, "reporting/run_list.html", {"form": form, "page": page, "query": query})


def _params_in_words(run: ReportRun) -> list[tuple[str, str]]:
    """The run's filters as (what, which) for its page: a node and an initiative by their codes and titles."""
    params = run.params or {}
    words: list[tuple[str, str]] = [(_("Results framework"), f"{run.framework.code} — {pick(run.framework.name)}")]
    if params.get("period"):
        words.append((_("Period"), str(params["period"])))
    if params.get("node_id"):
        node = ResultNode.all_objects.filter(pk=params["node_id"]).first()
        shown = f"{node.number} {pick(node.title)}" if node else f"#{params['node_id']}"
        words.append((_("Objective or result"), shown))
    if params.get("unit_code"):
        words.append((_("Unit"), str(params["unit_code"])))
    if params.get("region"):
        words.append((_("Region"), str(ItuRegion(params["region"]).label) if params["region"] in ItuRegion.values
                      else str(params["region"])))  # fmt: skip
    if params.get("initiative_id"):
        initiative = RegionalInitiative.all_objects.filter(pk=params["initiative_id"]).first()
        words.append((_("Regional initiative"), f"{initiative.code} — {pick(initiative.title)}" if initiative
                      else f"#{params['initiative_id']}"))  # fmt: skip
    return words


run_archive, run_restore = archive_restore_views(
    get=lambda user, pk: selectors.report_run_get(user, pk),
    archive=services.report_archive,
    restore=services.report_restore,
    target="run",
    text=lambda run, restoring: ActionText(
        title=(_("Restore report %(title)s") if restoring else _("Archive report %(title)s")) % {"title": run.title},
        done=_("The report is back in the history.") if restoring else _("The report is archived."),
    ),
    back_url=lambda run: reverse("reporting:run-detail", args=[run.pk]),
)
