# Constellation bot: long polling, SQLite on the /data volume, running as a non-root user.
FROM python:3.12-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATABASE_PATH=/data/constellation.db

WORKDIR /app

# Install the bot and its dependencies, then a system user without a login shell.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin constellation \
    && mkdir -p /data \
    && chown constellation:constellation /data \
    && chmod 0700 /data

USER constellation
VOLUME ["/data"]

# Polling needs no open port. BOT_TOKEN comes from the environment (docker run -e / --env-file).
CMD ["constellation-bot", "run"]
