"""8xx: Django REST framework (registered only when DRF is installed)."""
