# One image for both processes: the API (default command) and the Temporal worker
# (`python -m worker`); docker-compose.yml picks the command per service.

# --- build: install the project and its runtime dependencies into a venv ---
FROM python:3.11-slim AS build

# Bytecode is compiled here at install time: the runtime user cannot write it later.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# .dockerignore keeps tests, caches, .venv, var/ and .env out of the context.
COPY . .
# A regular (non-editable) install without extras: no dev dependencies in the image.
# The import proves every layer was packaged (pyproject lists them explicitly).
RUN pip install . \
    && cd / && python -c "import activities, api, cli.main, db, domain, infra, settings, worker, workflows"

# --- runtime: the venv only, no sources, run as an unprivileged user ---
FROM python:3.11-slim AS runtime

# settings.py puts var_dir next to its own file, i.e. inside site-packages, which the
# unprivileged user cannot write: KINERJA_VAR_DIR points it at the user's home instead.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KINERJA_ENV=production \
    KINERJA_EMBEDDED_TEMPORAL=false \
    KINERJA_API_HOST=0.0.0.0 \
    KINERJA_LOG_JSON=true \
    KINERJA_VAR_DIR=/var/lib/kinerja

RUN groupadd --system --gid 10001 kinerja \
    && useradd --system --uid 10001 --gid kinerja --home-dir /var/lib/kinerja \
        --shell /usr/sbin/nologin kinerja \
    && install -d -o kinerja -g kinerja -m 0750 /var/lib/kinerja

COPY --from=build /opt/venv /opt/venv

# The working directory holds no sources, so `api`, `worker` and `db` import from the
# installed package (with its packaged migrations), never from a stray checkout.
WORKDIR /var/lib/kinerja
USER 10001:10001

EXPOSE 8000
# --timeout-keep-alive: infra.apiserver.KEEP_ALIVE_S
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--timeout-keep-alive", "75"]
