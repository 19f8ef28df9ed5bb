# Image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Pango and HarfBuzz for WeasyPrint (letters); without libharfbuzz-subset0 a letter renders ~5x slower.
# openssl: the RFC 3161 client of the journal's head files (journal/timestamps.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core openssl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e .
COPY . .
RUN SECRET_KEY=build JOURNAL_CHAIN_KEY=build DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=localhost \
    EMAIL_URL=consolemail:// CELERY_BROKER_URL=memory:// \
    DJANGO_SETTINGS_MODULE=recouvrement.settings.production \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 recouvrement \
    && mkdir -p /app/media /app/var/journal-heads && chown -R recouvrement /app/media /app/var
USER recouvrement
EXPOSE 8000
CMD ["gunicorn", "recouvrement.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
