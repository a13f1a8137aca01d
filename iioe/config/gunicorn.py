"""Gunicorn settings, shared by bin/start and the benchmark.

Threaded workers, so that a few slow clients (a video streaming over range
requests, a phone on a poor link) do not hold every worker; the web
processes keep no state of their own, so more of them only cost memory.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 5
graceful_timeout = 20
# X-Forwarded-Proto and X-Forwarded-For are believed only from these peers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("ACCESS_LOG", "-") or None
# The control socket would default to one path per user, shared by every
# instance on the machine; nothing here uses it.
control_socket_disable = True
