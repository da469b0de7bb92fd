from django.urls import path

from . import invoice_views, reply_views, views

app_name = "communications"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("<int:pk>/", views.message_detail, name="detail"),
    path("<int:pk>/edit/", views.message_edit, name="edit"),
    path("<int:pk>/approve/", views.message_approve, name="approve"),
    path("<int:pk>/cancel/", views.message_cancel, name="cancel"),
    path("<int:pk>/reschedule/", views.message_reschedule, name="reschedule"),
    path("<int:pk>/retry/", views.message_retry, name="retry"),
    path("<int:pk>/resend/", views.message_resend, name="resend"),
    path("<int:pk>/release/", reply_views.held_release, name="release"),
    path("<int:pk>/discard/", reply_views.held_discard, name="discard"),
    path("compose/<int:client_id>/", views.message_compose, name="compose"),
    path("invoice/<int:invoice_id>/send/", invoice_views.invoice_send_view, name="invoice_send"),
    path("log/<int:client_id>/", views.activity_log, name="log"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/client/<int:client_id>/", views.client_settings_edit, name="client_settings"),
    path("settings/client/<int:client_id>/pause/", views.pause_create, name="pause_create"),
    path(
        "settings/client/<int:client_id>/pause/<int:pause_id>/lift/",
        views.pause_lift,
        name="pause_lift",
    ),
    path("templates/", views.template_list, name="templates"),
    path(
        "templates/<str:kind>/<str:language>/<str:form>/",
        views.template_edit,
        name="template_edit",
    ),
    path(
        "templates/<str:kind>/<str:language>/<str:form>/preview/",
        views.template_preview,
        name="template_preview",
    ),
]
