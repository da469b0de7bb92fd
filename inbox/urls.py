from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.mail_list, name="list"),
    path("<int:pk>/", views.mail_detail, name="mail"),
    path("<int:pk>/assign/", views.mail_assign, name="assign"),
    path("<int:pk>/dismiss/", views.mail_dismiss, name="dismiss"),
    path("<int:pk>/original/", views.mail_original, name="original"),
    path("attachment/<int:pk>/", views.attachment_download, name="attachment"),
    path("settings/", views.mailbox_settings, name="settings"),
    path("settings/fetch/", views.mailbox_fetch_now, name="fetch_now"),
]
