from django.contrib import admin

from orbit.core.admin import ReadOnlyAdmin
from orbit.organisation.models import Membership, OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "type", "parent", "region", "city", "country", "version", "archived_at")
    list_filter = ("type", "region")
    search_fields = ("code",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return OrgUnit.all_objects.select_related("parent")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "unit", "role", "version", "archived_at")
    list_filter = ("role",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return Membership.all_objects.select_related("user", "unit")
