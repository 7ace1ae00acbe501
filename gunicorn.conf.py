"""gunicorn settings for production: ``.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden from the environment (names below) or the command line.
"""

import multiprocessing
import os

# Listen on loopback by default; nginx (deploy/nginx.conf) or another proxy faces the Internet.
# Workers serve requests and never run ``flask db``: they leave Flask-Migrate (Alembic, Mako:
# 11 MB a worker) out. Set before the app is loaded, so every worker inherits it.
os.environ.setdefault("MIGRATIONS_CLI", "0")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: pages are short and CPU-bound, and each worker holds one database connection.
# Two per core plus one is gunicorn's usual advice; WEB_CONCURRENCY overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A request taking longer than this is stuck (a page takes milliseconds): kill the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # behind nginx, which keeps connections to the app open

# Recycle workers now and then so memory stays flat whatever a long life brings.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500

# Who may set X-Forwarded-*: the proxy on this machine. The app decides how many proxies to
# believe with TRUSTED_PROXIES.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Access log on stdout: client, request, status, bytes, time in microseconds, referrer, agent.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(f)s" "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "broadside"


def post_worker_init(worker) -> None:
    """Leave what the worker built at startup (the app, its models and mappers, routes, compiled
    templates: about 100,000 objects) out of the garbage collector's passes. They live as long
    as the worker, yet each full pass walked them all: about 70 ms during which the worker
    answered nobody, so every request queued behind it waited that much longer (p99)."""
    import gc

    gc.collect()
    gc.freeze()
