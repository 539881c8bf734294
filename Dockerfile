# Kavshiri: one image for web (gunicorn), worker (celery worker) and beat (celery beat).
# Configuration comes from environment variables at run time (see README.md, "Production").
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Unprivileged user that runs every process; the code itself stays owned by root.
RUN groupadd --system --gid 1000 kavshiri \
    && useradd --system --uid 1000 --gid kavshiri --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin kavshiri

# Pango draws the text of invoice PDFs (WeasyPrint); pg_dump and pg_restore make and restore backups.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so code changes do not invalidate this layer.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files are collected into the image (served by whitenoise). The secret key below is a
# throwaway set only for this one command; it is not in the image's environment.
# var/ is the only writable place for the app user (celery beat's schedule file lives there).
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-build-only-not-secret \
       python manage.py collectstatic --noinput \
    && mkdir -p var/celery var/mail \
    && chown -R kavshiri:kavshiri var

USER kavshiri

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
