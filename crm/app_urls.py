"""URLs of the crm app itself: dashboard, settings, language switch."""

from django.urls import path

from . import dashboard, views

app_name = "crm"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("settings/", views.profile_edit, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
]
