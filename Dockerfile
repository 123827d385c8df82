# syntax=docker/dockerfile:1
# Build stage: a wheel-installed virtualenv, so the runtime image carries no compilers.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY analytics ./analytics
COPY audio_scoring ./audio_scoring
COPY bot ./bot
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim
RUN groupadd --system --gid 10001 leadline && useradd --system --uid 10001 --gid leadline --home-dir /app leadline
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY alembic ./alembic
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LEADLINE_ALEMBIC_DIR=/app/alembic \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////app/data/leadline.db
RUN mkdir -p /app/data && chown leadline:leadline /app/data
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"]
CMD ["leadline", "serve"]
