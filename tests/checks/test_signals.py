"""4xx: the project's signal receivers, on the testproject's apps and on throwaway apps."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps

from django_guardrails.audit import connections
from django_guardrails.checks import ids
from django_guardrails.checks.engine import run_guardrail_checks
from django_guardrails.checks.messages import GuardrailsMessage
from django_guardrails.source.connect_calls import connect_calls
from django_guardrails.source.index import parse_module
from django_guardrails.source.side_effects import side_effects

MakeApp = Callable[[str], Path]
BROKEN = Path(__file__).resolve().parents[2] / "testproject" / "broken"
CODES = ("W401", "W402", "W403", "W404", "W405", "I406")


def signal_findings(app_label: str | None = None) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)] if app_label else None
    wanted = {f"guardrails.{code}" for code in CODES}
    return [m for m in run_guardrail_checks(app_configs) if m.id in wanted]


def line_of(path: Path, text: str) -> int:
    [number] = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


@pytest.fixture
def watching() -> Iterator[None]:
    """Note connections again: the test client's first request ended the watch."""
    connections.watch_connections()
    yield
    connections.stop_watching()


def test_each_broken_receiver_is_reported_once_at_its_connection() -> None:
    found = {
        (str(m.id).removeprefix("guardrails."), str(m.obj), m.line)
        for m in signal_findings("broken")
    }
    signals_py, models_py = BROKEN / "signals.py", BROKEN / "models.py"
    assert found == {
        (
            "W401",
            "broken.signals.touch_customer",
            line_of(signals_py, "@receiver(post_save, sender=Invoice)"),
        ),
        ("W405", "broken.signals.touch_customer", line_of(signals_py, "instance.customer.save(")),
        ("W402", "broken.signals.log_every_save", line_of(signals_py, "@receiver(post_save)")),
        ("W405", "broken.signals.email_receipt", line_of(signals_py, 'send_mail("Your receipt"')),
        (
            "W403",
            "broken.signals.ReceiptPrinter.print_receipt",
            line_of(signals_py, "invoice_paid.connect(ReceiptPrinter().print_receipt)"),
        ),
        ("W404", "broken.signals.refunded", line_of(signals_py, 'dispatch_uid="broken.refunded"')),
        (
            "W404",
            f"broken.signals:{line_of(signals_py, 'invoice_paid.connect(self.on_paid')}",
            line_of(signals_py, "invoice_paid.connect(self.on_paid"),
        ),
        (
            "I406",
            "broken.models.normalise_email",
            line_of(models_py, "@receiver(pre_save, sender=Customer)"),
        ),
    }


def test_whole_messages() -> None:
    by_code = {str(m.id): m for m in signal_findings("broken")}
    assert by_code[ids.W402.id] == ids.W402.message(
        "Signal receiver broken.signals.log_every_save listens to post_save from every model: "
        "it runs on every save, delete or init in the project, Django's and third-party "
        "models' included.",
        hint="Connect it with sender=<the model>: @receiver(post_save, sender=MyModel).",
        obj="broken.signals.log_every_save",
    )
    assert by_code[ids.I406.id] == ids.I406.message(
        "Signal receiver broken.models.normalise_email is connected when models.py is "
        "imported, not in AppConfig.ready().",
        hint="Move the receivers to a signals module and import it in your "
        "AppConfig.ready(): def ready(self): from . import signals",
        obj="broken.models.normalise_email",
    )


def test_silent_on_the_clean_app() -> None:
    assert signal_findings("clean") == []


def test_receivers_of_a_throwaway_app(make_app: MakeApp, watching: None) -> None:
    models_py = make_app(
        """\
        from django.db import models
        from django.db.models.signals import post_save, pre_delete
        from django.dispatch import Signal, receiver

        shipped = Signal()


        class Parcel(models.Model):
            code = models.CharField(max_length=10)

            def __str__(self) -> str:
                return self.code


        # Keeps the shipping board in step; a comment above the connection documents it.
        @receiver(post_save, sender=Parcel)
        def board(sender, instance, **kwargs):
            pass


        def closure_factory():
            def inner(sender, **kwargs):
                '''Documented, but dies with the function that made it.'''

            shipped.connect(inner)


        closure_factory()
        shipped.connect(lambda sender, **kwargs: None)


        @receiver(pre_delete, sender=Parcel)
        def audit(sender, instance, **kwargs):
            '''Audit-logs deletions and drops the cached board.'''
            AuditLog.objects.create(action="delete")
            cache.delete("board")
        """
    )
    label = models_py.parent.name
    found = {(str(m.id).removeprefix("guardrails."), m.line) for m in signal_findings(label)}
    source = models_py.read_text().splitlines()

    def line(text: str) -> int:
        return next(n for n, value in enumerate(source, 1) if text in value)

    assert found == {
        ("I406", line("@receiver(post_save, sender=Parcel)")),
        ("I406", line("@receiver(pre_delete, sender=Parcel)")),
        ("W403", line("shipped.connect(inner)")),  # the closure is gone
        ("W403", line("shipped.connect(lambda")),  # seen running, and in the source
    }


def effects(source: str) -> list[tuple[str, str]]:
    module = parse_module("receiver.py", textwrap.dedent(source))
    function = module.definitions["receiver"].node
    return [(effect.kind, effect.call) for effect in side_effects(module, function)]


def test_business_logic_is_writes_mail_and_network() -> None:
    assert effects(
        """\
        def helper(order):
            order.lines.all().delete()

        def receiver(sender, instance, **kwargs):
            instance.customer.save()
            Payment.objects.create(order=instance)
            Order.objects.filter(pk=instance.pk).update(paid=True)
            instance.tags.add(1)
            blog_post.delete()
            send_mail("paid", "body", None, ["a@example.com"])
            EmailMessage("paid", "body").send()
            requests.post("https://example.com/hook", json={})
            helper(instance)
        """
    ) == [
        ("database write", "instance.customer.save()"),
        ("database write", "Payment.objects.create()"),
        ("database write", "Order.objects.filter.update()"),
        ("database write", "instance.tags.add()"),
        ("database write", "blog_post.delete()"),
        ("mail", "send_mail()"),
        ("mail", "EmailMessage(...).send()"),
        ("network call", "requests.post()"),
        ("database write", "order.lines.all.delete()"),
    ]


def test_cache_logging_audit_notifications_and_tasks_are_accepted() -> None:
    assert (
        effects(
            """\
            def receiver(sender, instance, **kwargs):
                cache.delete(f"order:{instance.pk}")
                caches["default"].delete_many(["a", "b"])
                logger.info("saved %s", instance.pk)
                AuditLog.objects.create(action="save")
                instance.history_set.create(action="save")
                Notification.objects.create(user=instance.owner)
                send_receipt.delay(instance.pk)
                seen = set()
                seen.add(instance.pk)
                data = {}
                data.update(pk=instance.pk)
                data.clear()
            """
        )
        == []
    )


def calls(source: str) -> list[tuple[int, str | None, str, bool]]:
    module = parse_module("signals.py", textwrap.dedent(source))
    found = connect_calls(module, frozenset({"post_save", "paid"}))
    return [(c.line, c.function, c.receiver, c.dispatch_uid) for c in found]


def test_connect_calls_and_where_they_are() -> None:
    assert calls(
        """\
        post_save.connect(handler, sender=Order)
        paid.connect(lambda **kwargs: None)

        class Mailer:
            def __init__(self):
                paid.connect(self.on_paid, dispatch_uid="mailer")

        def ready():
            def inner(**kwargs): ...
            post_save.connect(inner)

        socket.connect(("localhost", 80))
        """
    ) == [
        (1, None, "name", False),
        (2, None, "lambda", False),
        (6, "__init__", "bound method", True),
        (10, "ready", "local function", False),
    ]


def test_connect_calls_tolerate_a_module_that_does_not_parse() -> None:
    module = parse_module("broken.py", "def (:\n")
    assert module.tree is None
    assert connect_calls(module, frozenset({"post_save"})) == []
    assert isinstance(ast.parse("x = 1"), ast.Module)
