"""Web pages for the Excel template: download a framework as .xlsx, upload a workbook to import it.

Reads go through the results selectors; the import writes through the results services as the signed-in user.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from orbit.core.views import web_errors
from orbit.results.excel import MAX_FILE_BYTES, export_framework, import_workbook
from orbit.results.selectors import framework_get, framework_list

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("A workbook in Orbit's template; it creates a new framework."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run): report problems, change nothing"), required=False, initial=True
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500, help_text=_("Kept in the audit log."))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 1024**2})
        return upload


@login_required
@require_GET
def excel_home(request: HttpRequest) -> HttpResponse:
    frameworks = framework_list(request.user)
    return render(request, "results/excel_home.html", {"frameworks": frameworks, "form": ImportForm()})


@login_required
@require_GET
@web_errors
def excel_export(request: HttpRequest, pk: int) -> HttpResponse:
    framework = framework_get(request.user, pk)
    response = HttpResponse(export_framework(request.user, framework), content_type=XLSX)
    name = re.sub(r"[^A-Za-z0-9._-]", "-", framework.code) or "framework"  # codes are already this safe
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@web_errors
def excel_import(request: HttpRequest) -> HttpResponse:
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = import_workbook(
                upload,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                reason=form.cleaned_data["reason"],
                filename=upload.name,
            )
    else:
        form = ImportForm()
    counts = [
        (label, report.counts.get(key, 0))
        for key, label in (
            ("nodes", _("Nodes")),
            ("indicators", _("Indicators")),
            ("targets", _("Targets")),
            ("values", _("Values")),
            ("dimensions", _("Dimensions")),
        )
    ] if report is not None else []  # fmt: skip
    return render(request, "results/excel_import.html", {"form": form, "report": report, "counts": counts})
