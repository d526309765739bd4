"""Pages of assessment rounds and bottom-up submissions, under ``/processes/``."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
