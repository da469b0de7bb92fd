"""Privacy pages (/privacy/): client export and erasure, account export, calendar, audit log."""

from django.urls import path

from . import audit_views
from . import views as privacy

app_name = "privacy"

urlpatterns = [
    path("", privacy.privacy_index, name="index"),
    path("calendar/regenerate/", privacy.calendar_regenerate, name="calendar_regenerate"),
    path("account/export/", privacy.account_export, name="account_export"),
    path("clients/<int:client_id>/", privacy.client_privacy, name="client"),
    path("clients/<int:client_id>/export/", privacy.client_export, name="client_export"),
    path("clients/<int:client_id>/erase/", privacy.client_erase_view, name="client_erase"),
    path("audit/", audit_views.audit_log, name="audit"),
]
