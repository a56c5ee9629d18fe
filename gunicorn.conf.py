"""gunicorn settings for production; the SLA scheduler runs as its own process, never in here."""
import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60
graceful_timeout = 30
# no access log: its request lines would carry seller link tokens; the app logs each request
# itself as JSON with the token redacted (portal/observability.py)
accesslog = None
