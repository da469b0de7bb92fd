"""Forms of the projects app, one module per subdomain: they validate; services decide."""

from django import forms

# A date input the browser offers a picker for (ISO value, whatever the interface language).
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
