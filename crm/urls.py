"""Root URL configuration: accounts, the apps (each in its own namespace), admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import forms, views

urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include("crm.app_urls")),
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=forms.LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(form_class=forms.PasswordChangeForm),
        name="password_change",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=forms.PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=forms.SetPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("clients/", include("clients.urls")),
    path("projects/", include("projects.urls")),
    path("messages/", include("communications.urls")),
    path("inbox/", include("inbox.urls")),
    path("portal/", include("portal.urls")),
    path("calendar/", include("dashboard.calendar_urls")),
    path("privacy/", include("privacy.urls")),
    path("bank/", include("banking.urls")),
    path("admin/", admin.site.urls),
]

# A database outage answers 503 with Retry-After; every other crash the plain 500 page.
handler500 = "crm.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
