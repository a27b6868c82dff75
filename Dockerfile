# lunchlearn: the Slack bot served over HTTP by gunicorn (POST /slack/events, GET /healthz) on $PORT.
#
#   docker build -t lunchlearn .
#   docker run --env-file .env -p 3000:3000 -v lunchlearn-data:/data lunchlearn
#
# `lunchlearn serve` applies pending migrations at start; `docker run ... lunchlearn db upgrade` and
# `docker run ... lunchlearn doctor` work too. Use PostgreSQL (DATABASE_URL=postgresql+psycopg://...) when you run
# more than one container; the SQLite default lives on the /data volume.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# An unprivileged user that owns nothing but its home (gunicorn puts its control socket in ~/.gunicorn) and /data.
RUN groupadd --system --gid 10001 lunchlearn \
    && useradd --system --uid 10001 --gid lunchlearn --create-home --home-dir /home/lunchlearn \
        --shell /usr/sbin/nologin lunchlearn \
    && mkdir -p /data \
    && chown lunchlearn:lunchlearn /data

WORKDIR /app

# Dependencies first, from the project metadata alone, so this layer is reused until pyproject.toml changes.
# (Installing `.[postgres]` here would need bot/, migrations/ and manifest.json, which hatchling force-includes.)
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The application itself, installed as a regular (non-editable) wheel: the Alembic scripts and manifest.json ship
# inside the package as bot/_migrations and bot/_manifest.json, so `lunchlearn db upgrade` works from any directory.
COPY alembic.ini manifest.json ./
COPY migrations/ ./migrations/
COPY bot/ ./bot/
RUN pip install --no-cache-dir "/app[postgres]"

# Defaults for the container. Configure it with real environment variables (docker run --env-file, orchestrator
# secrets): they win over these, whereas a .env file mounted into /app would lose to them.
ENV DATABASE_URL=sqlite:////data/lunchlearn.db \
    PORT=3000

USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000

# No curl in slim images: ask /healthz with the standard library (it answers 503 when the database is unreachable).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

CMD ["lunchlearn", "serve"]
