"""How many messages wait in each Celery queue, asked of the broker: ``guardrails queues``.

The queues are the app's own (``task_queues``, else ``task_default_queue``) and any named on the
command line. Each is declared passively, as ``celery inspect``'s tools do, which every kombu
transport answers with its message count (on Redis, the length of the queue's lists); a queue
that does not exist yet holds nothing. Imported only when Celery is installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from celery import Celery
from kombu.exceptions import ChannelError, OperationalError


class BrokerUnreachable(Exception):
    """The broker did not answer."""


@dataclass(frozen=True)
class QueueLength:
    queue: str
    length: int
    exists: bool


def queue_names(app: Celery, extra: Iterable[str] = ()) -> list[str]:
    """The app's queues, then ``extra``, each once."""
    names = list(app.amqp.queues.keys()) or [str(app.conf.task_default_queue)]
    return list(dict.fromkeys([*names, *extra]))


def queue_lengths(app: Celery, names: Iterable[str]) -> list[QueueLength]:
    """The number of messages ready in each queue of ``names``."""
    lengths = []
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            for name in names:
                channel: Any = connection.channel()  # a failed passive declare closes it on AMQP
                try:
                    declared = channel.queue_declare(queue=name, passive=True)
                    lengths.append(QueueLength(name, int(declared.message_count), True))
                except ChannelError:
                    lengths.append(QueueLength(name, 0, False))
                finally:
                    channel.close()
    except (OperationalError, OSError) as error:
        raise BrokerUnreachable(str(error)) from error
    return lengths
