# Xunjian's app image: the same process set as infra/cluster/ (gunicorn nodes, Celery workers,
# beat) — which one runs is the container's command (see infra/compose.yaml).
# Build: docker build -t xunjian .    (no Docker engine on the dev machines: CI only lints it)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    XUNJIAN_ENV=production XUNJIAN_DATA_DIR=/var/lib/xunjian \
    XUNJIAN_PWA_DIR=/srv/xunjian/mobile_pwa \
    PROMETHEUS_MULTIPROC_DIR=/tmp/xunjian-metrics

# pg_dump/pg_restore for `xunjian backup` / `restore`; curl for the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/xunjian
COPY pyproject.toml README.md ./
COPY server ./server
RUN pip install '.[postgres]'
COPY mobile_pwa ./mobile_pwa
COPY infra ./infra

RUN useradd --system --home /var/lib/xunjian xunjian \
 && mkdir -p /var/lib/xunjian && chown xunjian /var/lib/xunjian
USER xunjian

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["gunicorn", "-c", "infra/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "xunjian.app:create_app()"]
