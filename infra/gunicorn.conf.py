"""gunicorn settings for production:
`gunicorn -c infra/gunicorn.conf.py 'xunjian.app:create_app()'`."""

import multiprocessing
import os
import shutil
import tempfile

bind = "127.0.0.1:8000"
# Sync workers = cores: the API is CPU-bound (marshmallow, ORM); gthread doubled p99 in our
# measurements (shared/PERFORMANCE_FACTS.md).
workers = multiprocessing.cpu_count()
worker_class = "sync"
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = None  # the app writes its own JSON access lines with the request id
forwarded_allow_ips = "127.0.0.1"


# /metrics adds up every worker's counters through files in this folder (prometheus-client's
# multiprocess mode). It must be set before the app is imported, and emptied at each start.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"xunjian-metrics-{os.getpid()}"),
)


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
