"""The REST API: each context contributes its routes from ``<context>/api/urls.py``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("orbit.core.api.urls")),
    path("", include("orbit.organisation.api.urls")),
    path("", include("orbit.governance.api.urls")),
]
