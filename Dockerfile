# Một cửa portal: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (posters) needs Pango and HarfBuzz; DejaVu has every Vietnamese diacritic.
# psycopg comes as a binary wheel, so no libpq or compiler is needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 --shell /usr/sbin/nologin app
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are part of the image (served by WhiteNoise). The key below only lets the
# settings load during the build; it is never used at run time.
RUN SECRET_KEY=build-only-not-a-secret DEBUG=0 python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media /app/private_media \
    && chown app:app /app/media /app/private_media

USER app
ENV MEDIA_ROOT=/app/media \
    PRIVATE_MEDIA_ROOT=/app/private_media
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "120", "--access-logfile", "-"]
