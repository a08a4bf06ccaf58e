"""Production settings with the query guard on a sample of the traffic, its findings shipped to
OpenTelemetry and logged as JSON. Served by ``testproject.wsgi_traced``, which sets up the
OpenTelemetry SDK and its Django instrumentation (docs/production.md).

    DJANGO_SECRET_KEY=... DJANGO_ALLOWED_HOSTS=localhost \\
    DJANGO_SETTINGS_MODULE=testproject.settings.production_sampled \\
    python manage.py runserver --noreload
"""

from __future__ import annotations

from importlib.util import find_spec

from .production import *  # noqa: F403

# The TLS-terminating proxy in front says which requests came over HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

WSGI_APPLICATION = "testproject.wsgi_traced.application"

GUARDRAILS = {
    "MODE": "log",
    # One request in a hundred is watched; the others cost a random draw.
    "SAMPLE_RATE": 0.01,
    # The broken app's pages, one in two: longest prefix wins.
    "SAMPLE_PATHS": {"/broken/": 0.5},
    # The proxy sets "X-Guardrails-Sample: 1" on a page someone is tracing.
    "SAMPLE_HEADER": "X-Guardrails-Sample",
    # The same finding is logged once per process every five minutes, with its count.
    "LOG_INTERVAL": 300,
}

# One JSON object per line, each finding's fields among its keys (python-json-logger).
JSON_LOGS = find_spec("pythonjsonlogger") is not None
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": (
            {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            }
            if JSON_LOGS
            else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
        ),
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "django_guardrails": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
