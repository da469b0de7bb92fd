from django.urls import path

from .views import change_requests, invoices, offers, project, scope

app_name = "projects"

urlpatterns = [
    path("", project.project_list, name="list"),
    path("new/", project.project_create, name="create"),
    path("<int:project_id>/", project.project_detail, name="detail"),
    path("<int:project_id>/edit/", project.project_edit, name="edit"),
    path("<int:project_id>/status/", project.project_status, name="status"),
    path("<int:project_id>/scope/", scope.scope_add, name="scope_add"),
    path("scope/<int:item_id>/edit/", scope.scope_edit, name="scope_edit"),
    path("scope/<int:item_id>/delete/", scope.scope_delete, name="scope_delete"),
    path("scope/<int:item_id>/move/<str:direction>/", scope.scope_move, name="scope_move"),
    path("<int:project_id>/milestones/", scope.milestone_add, name="milestone_add"),
    path("milestones/<int:milestone_id>/edit/", scope.milestone_edit, name="milestone_edit"),
    path("milestones/<int:milestone_id>/delete/", scope.milestone_delete, name="milestone_delete"),
    path("<int:project_id>/revisions/", scope.revision_add, name="revision_add"),
    path(
        "<int:project_id>/changes/",
        change_requests.change_request_add,
        name="change_request_add",
    ),
    path(
        "changes/<int:change_request_id>/",
        change_requests.change_request_detail,
        name="change_request_detail",
    ),
    path("<int:project_id>/offers/new/", offers.offer_create, name="offer_create"),
    path("offers/<int:offer_id>/", offers.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/edit/", offers.offer_edit, name="offer_edit"),
    path("offers/<int:offer_id>/send/", offers.offer_send, name="offer_send"),
    path("offers/<int:offer_id>/status/", offers.offer_status, name="offer_status"),
    path("offers/<int:offer_id>/new-version/", offers.offer_new_version, name="offer_new_version"),
    path("offers/<int:offer_id>/pdf/", offers.offer_pdf, name="offer_pdf"),
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("<int:project_id>/invoices/new/", invoices.invoice_create, name="invoice_create"),
    path("invoices/<int:invoice_id>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/edit/", invoices.invoice_edit, name="invoice_edit"),
    path("invoices/<int:invoice_id>/issue/", invoices.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/payments/", invoices.invoice_payment, name="invoice_payment"),
    path("invoices/<int:invoice_id>/paid/", invoices.invoice_mark_paid, name="invoice_mark_paid"),
    path("invoices/<int:invoice_id>/cancel/", invoices.invoice_cancel, name="invoice_cancel"),
    path("invoices/<int:invoice_id>/delete/", invoices.invoice_delete, name="invoice_delete"),
    path("invoices/<int:invoice_id>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path(
        "invoices/<int:invoice_id>/xrechnung/",
        invoices.invoice_xrechnung,
        name="invoice_xrechnung",
    ),
]
