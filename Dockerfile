# Study Buddy image: `docker build -t study-buddy .`, or `docker-compose up -d` with docker-compose.yml.
#
#   docker run --rm -e TELEGRAM_BOT_TOKEN=... -v studybuddy:/data study-buddy
#
# Without a platform token `python -m bot` is the console chat (use `docker run -it`); with one it runs
# the bot. Settings come from the environment (see .env.example). The image turns the health endpoint
# on (HEALTH_PORT=9100) and its HEALTHCHECK asks /healthz there.

# --- build: the package and its dependencies, in a venv that the final stage copies ---------------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY db/ db/
RUN pip install --no-cache-dir .

# The content files are data, read from CONTENT_DIR (the default, next to the package, does not exist
# in site-packages).
COPY content/ /app/content/

# --- final: the venv and the content only (no compilers, no build tools, no pip cache) ------------------
FROM python:3.11-slim

RUN useradd --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin studybuddy \
    && mkdir -p /data/cache \
    && chown -R studybuddy:studybuddy /data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/content /app/content

# The SQLite default and the FAQ vectors' cache land in /data (mount a volume there).
WORKDIR /data
ENV PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    CONTENT_DIR=/app/content \
    CACHE_DIR=/data/cache \
    DATABASE_URL=sqlite+aiosqlite:////data/study_buddy.db \
    HEALTH_PORT=9100

USER studybuddy

# 8443: Telegram webhook (set TELEGRAM_WEBHOOK_LISTEN=0.0.0.0 to reach it from outside the container);
# 9100: health endpoint (HEALTH_PORT).
EXPOSE 8443 9100

# No curl in the slim image: Python asks http://127.0.0.1:${HEALTH_PORT:-9100}/healthz; any error or
# non-2xx answer is a failure.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('HEALTH_PORT') or '9100'), timeout=4)"]

ENTRYPOINT ["python", "-m", "bot"]
