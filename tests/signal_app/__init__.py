"""A test app for the signal checks: receivers whose writes hide one call away.

Installed by ``tests/checks/test_signals.py`` only. ``models.py`` imports ``signals.py`` at its
bottom, so those receivers are connected at models import (I406); ``handlers.py`` is imported by
``ready()`` and breaks no rule.
"""
