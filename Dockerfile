# syntax=docker/dockerfile:1
# Leadline's image: `leadline serve` on 0.0.0.0:LEADLINE_PORT (8080) as a non-root user, SQLite in /data.
#
#   docker build -t leadline .                          # call metrics from audio; no transcription
#   docker build -t leadline --build-arg EXTRAS=audio . # + transcription and the text criteria (~400 MB)
#   docker run -p 8080:8080 -v leadline-data:/data --env-file .env leadline
#
# The base image is pinned by digest: python:3.11-slim (Debian trixie, Python 3.11.15), the multi-platform
# index as docker-library/repo-info published it (repos/python/remote/3.11-slim.md, August 2026). To move
# to a newer one: docker buildx imagetools inspect python:3.11-slim --format '{{json .Manifest.Digest}}'
ARG PYTHON_IMAGE=python:3.11-slim@sha256:90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff

# Build stage: a wheel-installed virtualenv, so the runtime image carries no build tools.
FROM ${PYTHON_IMAGE} AS build
# Comma-separated extras of the leadline package to install, e.g. "audio".
ARG EXTRAS=""
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY analytics ./analytics
COPY audio_scoring ./audio_scoring
COPY bot ./bot
# The migrations are package data (analytics/migrations): the wheel alone can migrate a database.
RUN /opt/venv/bin/pip install ".${EXTRAS:+[${EXTRAS}]}"

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 leadline \
    && useradd --system --uid 10001 --gid leadline --home-dir /app leadline \
    && mkdir -p /app /data \
    && chown leadline:leadline /data
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# Settings left out here keep their defaults (LEADLINE_PORT 8080); a container's own environment
# (docker run -e / --env-file, compose's env_file) overrides these.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LEADLINE_HOST=0.0.0.0 \
    LEADLINE_DATABASE_URL=sqlite+aiosqlite:////data/leadline.db
# The embedded SQLite database (and its WAL files) live here: keep it on a volume.
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
# bot.healthcheck reads the same settings as serve, so it follows LEADLINE_PORT wherever it is set.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck"]
CMD ["leadline", "serve"]
