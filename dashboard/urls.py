"""The dashboard (/): the freelancer's day."""

from django.urls import path

from . import setup_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("welcome/", setup_views.setup_start, name="setup"),
    path("welcome/<slug:key>/", setup_views.setup_step, name="setup_step"),
    path("welcome/<slug:key>/skip/", setup_views.setup_skip, name="setup_skip"),
]
