"""URLs of the crm app itself: settings, language switch, health check."""

from django.urls import path

from . import sender_views, views

app_name = "crm"

urlpatterns = [
    path("settings/", views.profile_edit, name="profile"),
    path("settings/sender/", sender_views.sender_address, name="sender_address"),
    path("sender/confirm/<str:token>/", sender_views.sender_verify, name="sender_verify"),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
]
