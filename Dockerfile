# The API image. Configuration comes from APISERVER__<section>__<key> environment variables
# (see docs/deploy.md and docs/configuration.md); docker-compose.yml runs it with its stores.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the package needs at run time, so that a developer's .venv/, .git/, data/ and tool
# caches never reach the image. The code finds config/ and service_schemas/ next to its own
# source, hence the editable install below: the packages stay in /app with the data folders.
COPY pyproject.toml setup.cfg README.md ./
COPY apiserver/ apiserver/
COPY endpoints/ endpoints/
COPY bll/ bll/
COPY config/ config/
COPY service_schemas/ service_schemas/

# Bytecode is compiled here because the service user cannot write to /app. The user gets a home
# directory because gunicorn puts its control socket under ~/.gunicorn.
RUN pip install --no-cache-dir -e /app \
    && python -m compileall -q /app/apiserver /app/endpoints /app/bll \
    && useradd --create-home --uid 10001 --user-group apiserver

USER apiserver

EXPOSE 8008

# debug.ping needs no credentials; urlopen raises (exit status 1) on an error or a non-2xx answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8008/debug.ping', timeout=4)"]

CMD ["apiserver", "serve", "--host", "0.0.0.0", "--port", "8008", "--workers", "4"]
