from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:project_id>/", views.project_detail, name="detail"),
    path("<int:project_id>/edit/", views.project_edit, name="edit"),
    path("<int:project_id>/status/", views.project_status, name="status"),
    path("<int:project_id>/scope/", views.scope_add, name="scope_add"),
    path("scope/<int:item_id>/edit/", views.scope_edit, name="scope_edit"),
    path("scope/<int:item_id>/delete/", views.scope_delete, name="scope_delete"),
    path("scope/<int:item_id>/move/<str:direction>/", views.scope_move, name="scope_move"),
    path("<int:project_id>/milestones/", views.milestone_add, name="milestone_add"),
    path("milestones/<int:milestone_id>/edit/", views.milestone_edit, name="milestone_edit"),
    path("milestones/<int:milestone_id>/delete/", views.milestone_delete, name="milestone_delete"),
    path("<int:project_id>/revisions/", views.revision_add, name="revision_add"),
    path("<int:project_id>/changes/", views.change_request_add, name="change_request_add"),
    path(
        "changes/<int:change_request_id>/",
        views.change_request_detail,
        name="change_request_detail",
    ),
    path("<int:project_id>/offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:offer_id>/send/", views.offer_send, name="offer_send"),
    path("offers/<int:offer_id>/status/", views.offer_status, name="offer_status"),
    path("offers/<int:offer_id>/new-version/", views.offer_new_version, name="offer_new_version"),
    path("offers/<int:offer_id>/pdf/", views.offer_pdf, name="offer_pdf"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("<int:project_id>/invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/payments/", views.invoice_payment, name="invoice_payment"),
    path("invoices/<int:invoice_id>/paid/", views.invoice_mark_paid, name="invoice_mark_paid"),
    path("invoices/<int:invoice_id>/cancel/", views.invoice_cancel, name="invoice_cancel"),
    path("invoices/<int:invoice_id>/delete/", views.invoice_delete, name="invoice_delete"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]
