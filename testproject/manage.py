#!/usr/bin/env python
"""Django's command-line utility for the guardrails test project."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run a management command, with the development settings unless told otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings.development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
