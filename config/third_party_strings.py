"""Strings that Django and django-filter show but their Georgian catalogues lack. Marking them
here puts them in locale/ka, which takes precedence over the libraries' own catalogues."""

from django.utils.translation import gettext_noop

THIRD_PARTY_STRINGS = [
    gettext_noop("- Select an option -"),  # Django 6.1's empty choice
    gettext_noop("%s (descending)"),  # django-filter's OrderingFilter
    gettext_noop("Unknown"),  # django-filter's BooleanFilter
]
