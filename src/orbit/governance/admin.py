from django.contrib import admin

from orbit.core.admin import ReadOnlyAdmin
from orbit.governance.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "occurred_at", "actor_username", "source", "action", "object_type", "object_label")
    list_filter = ("action", "source", "object_type")
    search_fields = ("actor_username", "object_label", "object_id", "request_id")
