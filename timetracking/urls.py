from django.urls import path

from .views import entries, expenses, project, retainers, time_settings, timer, week

app_name = "timetracking"

urlpatterns = [
    path("", week.week, name="week"),
    path("export/", week.export, name="export"),
    path("timer/", timer.timer_page, name="timer"),
    path("timer/widget/", timer.timer_widget, name="timer_widget"),
    path("timer/start/", timer.timer_start, name="timer_start"),
    path("timer/stop/", timer.timer_stop, name="timer_stop"),
    path("timer/keep/", timer.timer_keep, name="timer_keep"),
    path("timer/cut/", timer.timer_cut, name="timer_cut"),
    path("entries/new/", entries.entry_create, name="entry_create"),
    path("entries/<int:entry_id>/", entries.entry_edit, name="entry_edit"),
    path("entries/<int:entry_id>/delete/", entries.entry_delete, name="entry_delete"),
    path("projects/<int:project_id>/", project.project_time, name="project"),
    path("projects/<int:project_id>/invoice/", project.invoice_from_time, name="invoice"),
    path(
        "projects/<int:project_id>/change-request/",
        project.change_request_create,
        name="change_request",
    ),
    path("projects/<int:project_id>/portal/", project.portal_hours, name="portal_hours"),
    path("expenses/", expenses.expense_list, name="expenses"),
    path("expenses/new/", expenses.expense_create, name="expense_create"),
    path("expenses/<int:expense_id>/", expenses.expense_edit, name="expense_edit"),
    path("expenses/<int:expense_id>/delete/", expenses.expense_delete, name="expense_delete"),
    path("expenses/<int:expense_id>/receipt/", expenses.expense_receipt, name="expense_receipt"),
    path("receipts/<path:name>", expenses.receipt_file, name="receipt_file"),
    path("retainers/", retainers.retainer_list, name="retainers"),
    path("retainers/new/", retainers.retainer_create, name="retainer_create"),
    path("retainers/<int:retainer_id>/", retainers.retainer_detail, name="retainer_detail"),
    path("retainers/<int:retainer_id>/edit/", retainers.retainer_edit, name="retainer_edit"),
    path("retainers/<int:retainer_id>/end/", retainers.retainer_end, name="retainer_end"),
    path("settings/", time_settings.settings_page, name="settings"),
]
