from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
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


class RequestSizeLimitMiddleware:
    """413 with a page for a body larger than REQUEST_MAX_BYTES, before anything reads it.

    Django limits form fields (DATA_UPLOAD_MAX_MEMORY_SIZE, answered 400 by templates/400.html)
    but streams uploaded files to disk whatever their size; this bounds the whole request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            limit_mb = settings.REQUEST_MAX_BYTES / (1024 * 1024)
            return render(request, "413.html", {"limit_mb": f"{limit_mb:g}"}, status=413)
        return self.get_response(request)
