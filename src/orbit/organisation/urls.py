from django.urls import path

from orbit.organisation import views

app_name = "organisation"

urlpatterns = [
    path("", views.unit_list, name="unit-list"),
    path("<int:pk>/", views.unit_detail, name="unit-detail"),
    path("<int:pk>/new/", views.unit_create, name="unit-create"),
    path("<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("<int:pk>/archive/", views.unit_archive, name="unit-archive"),
    path("<int:pk>/restore/", views.unit_restore, name="unit-restore"),
    path("<int:pk>/members/add/", views.membership_add, name="membership-add"),
    path("memberships/<int:pk>/role/", views.membership_role, name="membership-role"),
    path("memberships/<int:pk>/remove/", views.membership_archive, name="membership-archive"),
    path("memberships/<int:pk>/restore/", views.membership_restore, name="membership-restore"),
    path("users/new/", views.user_create, name="user-create"),
]
