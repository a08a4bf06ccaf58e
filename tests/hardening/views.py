"""Views that issue a known number of queries, sync and async, and views that fail."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse


def run_queries(count: int, offset: int = 0) -> None:
    """``count`` queries of one shape, each with its own parameter (an N+1 from 3 on)."""
    with connection.cursor() as cursor:
        for number in range(count):
            cursor.execute("SELECT %s", [offset + number])
            cursor.fetchone()


def queries(request: HttpRequest, count: int) -> HttpResponse:
    run_queries(count)
    return HttpResponse(str(count))


async def async_queries(request: HttpRequest, count: int) -> HttpResponse:
    """One query per ``sync_to_async`` hop, yielding to other requests in between."""
    for number in range(count):
        await sync_to_async(run_queries)(1, number)
        await asyncio.sleep(0)
    return HttpResponse(str(count))


async def slow(request: HttpRequest) -> HttpResponse:
    """Long enough for a client to hang up while it runs."""
    await sync_to_async(run_queries)(2)
    await asyncio.sleep(1)
    await sync_to_async(run_queries)(2)
    return HttpResponse("slow")


class Boom(Exception):
    pass


def raises(request: HttpRequest) -> HttpResponse:
    run_queries(2)
    raise Boom("the view's own failure")


def database_error(request: HttpRequest) -> HttpResponse:
    run_queries(1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM guardrails_no_such_table")
    return HttpResponse("unreachable")


def streaming(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[bytes]:
        for number in range(5):
            run_queries(1, number)  # after the middleware returned: outside the unit
            yield f"chunk {number}\n".encode()

    run_queries(3)
    return StreamingHttpResponse(chunks())


SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # fake, in the shape of a live API key


def secret_queries(request: HttpRequest) -> HttpResponse:
    """An N+1 and a duplicate whose SQL text and parameters both carry a secret."""
    with connection.cursor() as cursor:
        for number in range(4):
            cursor.execute(f"SELECT %s, '{SECRET}'", [f"{SECRET}-{number}"])
        for _ in range(2):
            cursor.execute("SELECT %s", [SECRET])
    return HttpResponse("ok")
