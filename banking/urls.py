from django.urls import path

from . import views

app_name = "banking"

urlpatterns = [
    path("", views.bank_home, name="home"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement"),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("entries/<int:entry_id>/confirm/", views.entry_confirm, name="entry_confirm"),
    path("entries/<int:entry_id>/dismiss/", views.entry_dismiss, name="entry_dismiss"),
    path("entries/<int:entry_id>/done/", views.entry_acknowledge, name="entry_acknowledge"),
    path("invoices/suggest/", views.invoice_suggest, name="invoice_suggest"),
    path("known-accounts/", views.known_account_list, name="known_accounts"),
    path(
        "known-accounts/<int:known_id>/forget/",
        views.known_account_forget,
        name="known_account_forget",
    ),
]
