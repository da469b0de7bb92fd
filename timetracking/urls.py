from django.urls import path

from . import views

app_name = "timetracking"

urlpatterns = [
    path("", views.week, name="week"),
    path("export/", views.export, name="export"),
    path("timer/", views.timer_page, name="timer"),
    path("timer/widget/", views.timer_widget, name="timer_widget"),
    path("timer/start/", views.timer_start, name="timer_start"),
    path("timer/stop/", views.timer_stop, name="timer_stop"),
    path("timer/keep/", views.timer_keep, name="timer_keep"),
    path("timer/cut/", views.timer_cut, name="timer_cut"),
    path("entries/new/", views.entry_create, name="entry_create"),
    path("entries/<int:entry_id>/", views.entry_edit, name="entry_edit"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path("projects/<int:project_id>/", views.project_time, name="project"),
    path("projects/<int:project_id>/invoice/", views.invoice_from_time, name="invoice"),
    path(
        "projects/<int:project_id>/change-request/",
        views.change_request_create,
        name="change_request",
    ),
    path("projects/<int:project_id>/portal/", views.portal_hours, name="portal_hours"),
    path("expenses/", views.expense_list, name="expenses"),
    path("expenses/new/", views.expense_create, name="expense_create"),
    path("expenses/<int:expense_id>/", views.expense_edit, name="expense_edit"),
    path("expenses/<int:expense_id>/delete/", views.expense_delete, name="expense_delete"),
    path("expenses/<int:expense_id>/receipt/", views.expense_receipt, name="expense_receipt"),
    path("receipts/<path:name>", views.receipt_file, name="receipt_file"),
    path("retainers/", views.retainer_list, name="retainers"),
    path("retainers/new/", views.retainer_create, name="retainer_create"),
    path("retainers/<int:retainer_id>/", views.retainer_detail, name="retainer_detail"),
    path("retainers/<int:retainer_id>/edit/", views.retainer_edit, name="retainer_edit"),
    path("retainers/<int:retainer_id>/end/", views.retainer_end, name="retainer_end"),
    path("settings/", views.settings_page, name="settings"),
]
