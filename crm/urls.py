"""Root URL configuration: accounts, the apps (each in its own namespace), admin."""

from allauth.account import views as account_views
from allauth.account.decorators import reauthentication_required
from allauth.usersessions import views as usersessions_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include("crm.app_urls")),
    # Accounts are django-allauth's (accounts/ app): the short names stay for templates.
    path("accounts/login/", account_views.login, name="login"),
    path("accounts/logout/", account_views.logout, name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/password/change/", account_views.password_change, name="password_change"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    # Ending other sessions asks for the password again first (ASVS 5.0 V7.5.2).
    path(
        "accounts/sessions/",
        reauthentication_required(allow_get=True)(usersessions_views.list_usersessions),
        name="usersessions_list",
    ),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("clients/", include("clients.urls")),
    path("projects/", include("projects.urls")),
    path("time/", include("timetracking.urls")),
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
