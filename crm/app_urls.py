"""URLs of the crm app itself: settings, language switch, health check."""

from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("settings/", views.profile_edit, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
]
