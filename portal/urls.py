"""Client portal URLs (/portal/): the freelancer's link management and the public token pages."""

from django.urls import path

from . import views as portal

app_name = "portal"

urlpatterns = [
    path("manage/projects/<int:project_id>/", portal.portal_manage, name="manage"),
    path("manage/links/<int:link_id>/revoke/", portal.portal_revoke, name="revoke"),
    path("<str:token>/", portal.portal_page, name="page"),
    path("<str:token>/accept/", portal.portal_accept, name="accept"),
    path("<str:token>/change/", portal.portal_change, name="change"),
    path("<str:token>/offer.pdf", portal.portal_offer_pdf, name="offer_pdf"),
    path(
        "<str:token>/invoices/<int:invoice_id>.pdf", portal.portal_invoice_pdf, name="invoice_pdf"
    ),
    path(
        "<str:token>/invoices/<int:invoice_id>.xml",
        portal.portal_invoice_xrechnung,
        name="invoice_xrechnung",
    ),
]
