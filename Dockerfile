# syntax=docker/dockerfile:1
#
# The visitplan GraphQL server, installed from source as a regular (non-editable)
# package without the dev extras, run as a non-root user.
#
#   docker build -t visitplan .
#   docker run -p 8000:8000 -e MONGODB_URI='mongodb://HOST:27017/?replicaSet=rs0' \
#       -e VISITPLAN_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" \
#       visitplan
#
# VISITPLAN_ENV is production by default (no GraphiQL, masked errors), which needs
# VISITPLAN_SECRET (32+ characters, signs the access tokens).
#
# docker-compose.yml runs it next to a one-node MongoDB replica set.
# Without MONGODB_URI the server starts the embedded store (SecantusDB) in
# $VISITPLAN_DATA_DIR (/app/data): fine for a try-out, not for production.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a virtualenv with the dependencies and the project ------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, read from pyproject.toml alone, so that this (slow) layer is
# reused until the dependencies change rather than on every code change.
# email-validator: pydantic's EmailStr (models/rep.py, models/customer.py) needs it,
# but pyproject.toml does not declare it yet; drop it here once it does
# (as "pydantic[email]" or "email-validator").
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt "email-validator>=2"

# The project itself. .dockerignore keeps tests, docs, benchmarks, data and
# virtualenvs out; setuptools picks the modules and packages listed in pyproject.toml.
# Then a smoke test away from the sources: every module imports, the schema builds.
COPY . .
RUN pip install --no-deps . \
    && cd / && visitplan export-schema > /dev/null

# --- runtime ---------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="visitplan" \
      org.opencontainers.image.description="GraphQL server for CRM customer visit planning" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VISITPLAN_ENV=production \
    VISITPLAN_DATA_DIR=/app/data

RUN groupadd --system --gid 10001 visitplan \
    && useradd --system --uid 10001 --gid visitplan --home-dir /app \
        --no-create-home --shell /usr/sbin/nologin visitplan \
    && mkdir -p /app/data \
    && chown -R visitplan:visitplan /app

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001
EXPOSE 8000

# python:3.11-slim has no curl: ask /healthz with the standard library. It answers
# 503 when the database does not, which urlopen raises as an error (exit 1).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["visitplan", "serve", "--host", "0.0.0.0", "--port", "8000"]
