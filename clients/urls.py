from django.urls import path

from . import import_views, views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("export.csv", views.client_export, name="export"),
    path("suggest/", views.client_suggest, name="suggest"),
    path("import/", import_views.client_import, name="import"),
    path("import/template/", import_views.client_import_template, name="import_template"),
    path("import/<int:upload_id>/", import_views.client_import_preview, name="import_preview"),
    path(
        "import/<int:upload_id>/mapping/",
        import_views.client_import_mapping,
        name="import_mapping",
    ),
    path(
        "import/<int:upload_id>/confirm/",
        import_views.client_import_confirm,
        name="import_confirm",
    ),
    path(
        "import/<int:upload_id>/discard/",
        import_views.client_import_discard,
        name="import_discard",
    ),
    path("notes/quick-add/", views.note_quick_add, name="note_quick_add"),
    path("notes/<int:note_id>/edit/", views.note_edit, name="note_edit"),
    path("notes/<int:note_id>/delete/", views.note_delete, name="note_delete"),
    path("notes/<int:note_id>/pin/", views.note_pin, name="note_pin"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/archive/", views.client_archive, name="archive"),
    path("<int:client_id>/unarchive/", views.client_unarchive, name="unarchive"),
    path("<int:client_id>/delete/", views.client_delete, name="delete"),
    path("<int:client_id>/vcard/", views.client_vcard, name="vcard"),
    path("<int:client_id>/timeline/", views.client_timeline, name="timeline"),
    path("<int:client_id>/notes/", views.note_add, name="note_add"),
]
