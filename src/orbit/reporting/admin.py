from django.contrib import admin

from orbit.core.admin import ReadOnlyAdmin
from orbit.reporting.models import ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "format", "language", "status", "progress", "requested_by", "requested_at")
    list_filter = ("status", "format", "language", "kind")
    list_select_related = ("requested_by", "framework")
    search_fields = ("title", "framework__code", "requested_by__username")
    date_hierarchy = "requested_at"
