"""The private calendar feed (/calendar/<token>.ics)."""

from django.urls import path

from . import calendar

app_name = "calendar"

urlpatterns = [
    path("<str:token>.ics", calendar.calendar_feed, name="feed"),
]
