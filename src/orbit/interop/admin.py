from django.contrib import admin

from orbit.core.admin import ReadOnlyAdmin
from orbit.interop.models import IatiLink, ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "status", "dry_run", "unit", "actor", "activities_read", "created_at")
    list_filter = ("status", "dry_run")
    list_select_related = ("unit", "actor")
    search_fields = ("file_name", "sha256")


@admin.register(IatiLink)
class IatiLinkAdmin(ReadOnlyAdmin):
    list_display = ("key", "kind", "identifier", "updated_at")
    list_filter = ("kind",)
    search_fields = ("key", "identifier")
