"""Serve the hardening URLconf on loopback: ``python -m tests.hardening.serve wsgi|asgi PORT``.

WSGI through waitress with 8 threads, ASGI through uvicorn: real servers, as in production.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.hardening.settings")
    if kind == "wsgi":
        import waitress  # type: ignore[import-untyped]
        from django.core.wsgi import get_wsgi_application

        waitress.serve(get_wsgi_application(), host="127.0.0.1", port=port, threads=8)
    else:
        import uvicorn
        from django.core.asgi import get_asgi_application

        uvicorn.run(get_asgi_application(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
