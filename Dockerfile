# Constellation bot: long polling, SQLite on the /data volume, running as a non-root user.
FROM python:3.12-slim AS runtime

# BOT_DATABASE_PATH: on the /data volume; config/example.env leaves it unset so this wins.
# MPLCONFIGDIR: matplotlib (the reports' charts) writes its font cache there; the user's home,
# /app, is not writable.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATABASE_PATH=/data/constellation.db \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app

# The pinned dependencies first (their layer is reused while only the bot's code changes),
# every file checked against its hash in requirements.lock.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# The bot itself, without touching the pinned set; pip check fails the build if the lock
# and pyproject.toml disagree.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-deps . \
    && pip check \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin constellation \
    && mkdir -p /data /backups \
    && chown constellation:constellation /data /backups \
    && chmod 0700 /data /backups

# A new named volume takes these directories' owner and mode, so the bot's user can write
# there from the first start (compose.yaml mounts /data and, for backups, /backups).
USER constellation
VOLUME ["/data"]

# Polling needs no open port. BOT_TOKEN comes from the environment (docker run --env-file,
# or env_file in compose.yaml).
CMD ["constellation-bot", "run"]
