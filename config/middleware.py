from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class GeorgianFirstLocaleMiddleware(LocaleMiddleware):
    """Georgian unless the user chose English with the switch.

    Django's LocaleMiddleware also follows the browser's Accept-Language, so an office laptop
    set up in English would never see Georgian; here only the language cookie (set by the
    switch) counts.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
