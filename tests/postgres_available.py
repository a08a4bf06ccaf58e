"""Exit 0 when the PostgreSQL server named by the URL argument accepts a connection."""

from __future__ import annotations

import sys


def main(url: str) -> int:
    try:
        import psycopg
    except ImportError:
        return 1
    try:
        with psycopg.connect(url, connect_timeout=3):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
