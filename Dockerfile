# The register's image: a digest-pinned base, hash-locked dependencies (requirements.lock,
# `make lock`), no pip or setuptools at run time, a numeric unprivileged user.
# Migrations are a separate one-off step (`python -m app.migrations`), not part of start-up.
# The build fails unless the locked packages are consistent (`pip check`) on this base and the
# app imports in the final stage, so a base with another Python cannot ship a broken image.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

FROM ${PYTHON_IMAGE} AS build
WORKDIR /build
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --no-deps --require-hashes -r requirements.lock \
 && /opt/venv/bin/pip check \
 && /opt/venv/bin/pip uninstall --yes pip setuptools

FROM ${PYTHON_IMAGE}
RUN python -m pip uninstall --yes pip setuptools wheel \
 && groupadd --system --gid 10001 register \
 && useradd --system --uid 10001 --gid 10001 --home-dir /srv --no-create-home register
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REGISTER_ENV=production
USER 10001:10001
# Every module the service and the migration step load, imported as the service will run.
RUN python -c "import app.main, app.serve, app.migrations, redis.asyncio, psycopg"
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["python", "-m", "app.serve", "--host", "0.0.0.0", "--port", "8000"]
