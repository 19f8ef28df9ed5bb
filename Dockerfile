# Image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The Debian packages the product needs (Pango and HarfBuzz for WeasyPrint, the letters' font):
# one list, scripts/debian-packages.txt, read by scripts/bootstrap.sh too.
COPY scripts/debian-packages.txt /tmp/debian-packages.txt
RUN apt-get update \
    && apt-get install -y --no-install-recommends $(sed -e 's/#.*//' /tmp/debian-packages.txt) \
    && rm -rf /var/lib/apt/lists/* /tmp/debian-packages.txt

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
