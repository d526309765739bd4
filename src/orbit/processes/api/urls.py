"""Routes of the process inventory API under ``/api/processes/``."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
