"""gunicorn settings for one eschool app server (see docs/deploy.md).

Every value can be overridden with the environment variable named beside it.
"""

import multiprocessing
import os

bind = os.environ.get("ESCHOOL_BIND", "127.0.0.1:8000")
# CPU-bound rendering plus short database waits: 2 workers per core, a few threads each.
workers = int(os.environ.get("ESCHOOL_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("ESCHOOL_THREADS", 4))
worker_class = "gthread"
# Each worker opens at most `threads` connections: set [eschool] db_pool_size = threads.
timeout = int(os.environ.get("ESCHOOL_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then; bounds any slow leak
max_requests_jitter = 500
accesslog = None  # eschool writes its own structured request log (log_format = "json")
errorlog = "-"
forwarded_allow_ips = os.environ.get("ESCHOOL_PROXY_IPS", "127.0.0.1")
preload_app = False  # each worker builds its own app and database pool after fork
