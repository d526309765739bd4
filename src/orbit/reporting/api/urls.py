"""Routes of the reporting API under ``/api/reports/``."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from orbit.reporting.api.views import ReportRunViewSet

router = SimpleRouter()
router.register("runs", ReportRunViewSet, basename="reports-run")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
