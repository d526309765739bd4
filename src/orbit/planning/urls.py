from django.urls import path

from orbit.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="plan"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my-work/", views.my_work, name="my-work"),
    path("review/", views.review_queue, name="review"),
    path("new/", views.activity_create, name="activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/archive/", views.activity_archive, name="activity-archive"),
    path("activities/<int:pk>/restore/", views.activity_restore, name="activity-restore"),
    path("activities/<int:pk>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("activities/<int:pk>/budget/new/", views.budget_line_create, name="budget-line-create"),
    path("activities/<int:pk>/updates/new/", views.update_create, name="update-create"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("budget/<int:pk>/edit/", views.budget_line_edit, name="budget-line-edit"),
    path("values/<int:pk>/updates/new/", views.value_update_create, name="value-update-create"),
    path("updates/<int:pk>/", views.update_detail, name="update-detail"),
    path("updates/<int:pk>/edit/", views.update_edit, name="update-edit"),
    path("updates/<int:pk>/review/", views.update_transition, name="update-transition"),
    path("evidence/<int:pk>/file", views.evidence_file, name="evidence-file"),
    path("evidence/<int:pk>/thumbnail", views.evidence_file, {"variant": "thumb"}, name="evidence-thumb"),
    path("evidence/<int:pk>/remove/", views.evidence_archive, name="evidence-archive"),
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative-detail"),
    path("locks/", views.locks, name="locks"),
    path("locks/<int:pk>/unlock/", views.lock_unlock, name="lock-unlock"),
]
