"""The version of django-guardrails and the Django versions it runs on, apart so that any
module can read them cheaply."""

from __future__ import annotations

import django

__version__ = "0.1.0.dev0"

OLDEST_DJANGO = (5, 2)

# On a Django guardrails does not support, nothing of it is set up: one check error says so
# (guardrails.E006), and requests go through untouched.
SUPPORTED = django.VERSION[:2] >= OLDEST_DJANGO
