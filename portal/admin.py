from django.contrib import admin

from .models import PortalLink

admin.site.register(PortalLink)
