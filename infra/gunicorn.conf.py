"""gunicorn settings for production:
`gunicorn -c infra/gunicorn.conf.py 'xunjian.app:create_app()'`."""

import multiprocessing

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
