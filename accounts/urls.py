from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security, name="security"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]
