"""Routes of the IATI API under ``/api/iati/``."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from orbit.interop.api.views import IatiExportViewSet, ImportRunViewSet

router = SimpleRouter()
router.register("imports", ImportRunViewSet, basename="iati-import")
router.register("exports", IatiExportViewSet, basename="iati-export")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
