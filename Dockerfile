# Build stage: install the pinned dependencies into a virtual environment.
FROM python:3.11-slim AS build
WORKDIR /build
COPY pyproject.toml ./
RUN python -m venv /opt/venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > requirements.txt \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

# Run stage: the venv and the source only, as an unprivileged user.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /srv register
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REGISTER_ENV=production
USER register
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# app.serve migrates to head, then starts uvicorn.
CMD ["python", "-m", "app.serve", "--host", "0.0.0.0", "--port", "8000"]
