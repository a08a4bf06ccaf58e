#!/usr/bin/env python
"""manage.py of the migration-linter comparison project; see compare.py for how to run it."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corpus_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
