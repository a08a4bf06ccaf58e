"""7xx: Celery (registered only when Celery is installed)."""
