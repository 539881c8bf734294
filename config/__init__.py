from config.celery import app as celery_app
from config.georgian_text import keep_georgian_lowercase

# Before any form or admin page is built: Django's capfirst must not turn Georgian into Mtavruli.
keep_georgian_lowercase()

__all__ = ("celery_app",)
