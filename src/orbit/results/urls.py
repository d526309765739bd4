from django.urls import path

from orbit.results import views

app_name = "results"

urlpatterns = [
    path("", views.framework_list_view, name="framework-list"),
    path("new/", views.framework_create, name="framework-create"),
    path("<int:pk>/", views.framework_tree_view, name="framework-tree"),
    path("<int:pk>/edit/", views.framework_edit, name="framework-edit"),
    path("<int:pk>/archive/", views.framework_archive, name="framework-archive"),
    path("<int:pk>/restore/", views.framework_restore, name="framework-restore"),
    path("<int:pk>/sdg/", views.sdg_matrix, name="sdg-matrix"),
    path("<int:pk>/nodes/new/", views.node_create, name="node-create"),
    path("nodes/<int:pk>/", views.node_detail, name="node-detail"),
    path("nodes/<int:pk>/edit/", views.node_edit, name="node-edit"),
    path("nodes/<int:pk>/move/", views.node_move, name="node-move"),
    path("nodes/<int:pk>/archive/", views.node_archive, name="node-archive"),
    path("nodes/<int:pk>/restore/", views.node_restore, name="node-restore"),
    path("nodes/<int:pk>/indicators/new/", views.indicator_create, name="indicator-create"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator-detail"),
    path("indicators/<int:pk>/chart.svg", views.indicator_chart, name="indicator-chart"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("indicators/<int:pk>/archive/", views.indicator_archive, name="indicator-archive"),
    path("indicators/<int:pk>/restore/", views.indicator_restore, name="indicator-restore"),
    path("indicators/<int:pk>/targets/new/", views.target_create, name="target-create"),
    path("indicators/<int:pk>/values/new/", views.actual_create, name="actual-create"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target-edit"),
    path("values/<int:pk>/edit/", views.actual_edit, name="actual-edit"),
    path("values/<int:pk>/approve/", views.actual_approve, name="actual-approve"),
    path("values/<int:pk>/review/", views.actual_review, name="actual-review"),
    path("values/<int:pk>/archive/", views.actual_archive, name="actual-archive"),
    path("values/<int:pk>/restore/", views.actual_restore, name="actual-restore"),
    path("targets/<int:pk>/archive/", views.target_archive, name="target-archive"),
    path("targets/<int:pk>/restore/", views.target_restore, name="target-restore"),
    path("links/<int:pk>/archive/", views.link_archive, name="link-archive"),
    path("links/<int:pk>/restore/", views.link_restore, name="link-restore"),
    path("sdg/links/<int:pk>/archive/", views.sdg_link_archive, name="sdg-link-archive"),
    path("sdg/links/<int:pk>/restore/", views.sdg_link_restore, name="sdg-link-restore"),
]
