"""Routes of the IATI API under ``/api/iati/``."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from orbit.interop.api.views import IatiExportViewSet, IatiUploadViewSet, ImportRunViewSet

router = SimpleRouter()
router.register("imports", ImportRunViewSet, basename="iati-import")
router.register("exports", IatiExportViewSet, basename="iati-export")
router.register("uploads", IatiUploadViewSet, basename="iati-upload")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
