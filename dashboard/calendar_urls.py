"""The private calendar feed (/calendar/<token>.ics)."""

from django.urls import path

from . import views

app_name = "calendar"

urlpatterns = [
    path("<str:token>.ics", views.calendar_feed, name="feed"),
]
