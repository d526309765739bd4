"""Pages of assessment rounds and bottom-up submissions, under ``/processes/``."""

from django.urls import URLPattern, URLResolver, path

from orbit.processes import views_assessment as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("heatmap/", views.heatmap, name="heatmap"),
    path("submissions/", views.submission_queue, name="submission-queue"),
    path("submissions/new/", views.submission_create, name="submission-create"),
    path("submissions/mine/", views.submissions_mine, name="submissions-mine"),
]
