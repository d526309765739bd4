"""The REST API: each context contributes its routes from ``<context>/api/urls.py``."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from orbit.core.api.errors import api_not_found
from orbit.core.api.views import DocsView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from drf-spectacular-sidecar: every asset is served from /static/, nothing from a CDN.
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("orbit.core.api.urls")),
    path("", include("orbit.organisation.api.urls")),
    path("", include("orbit.governance.api.urls")),
    path("", include("orbit.results.api.urls")),
    path("", include("orbit.planning.api.urls")),
    path("processes/", include("orbit.processes.api.urls")),
    path("reports/", include("orbit.reporting.api.urls")),
    path("iati/", include("orbit.interop.api.urls")),
    # Anything else under /api/ answers 404 in the API's error shape.
    re_path(r"^.*$", api_not_found),
]
