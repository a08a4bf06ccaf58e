"""4xx: the project's signal receivers, on the testproject's apps and on throwaway apps."""

from __future__ import annotations

import ast
import itertools
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import override_settings

from django_guardrails.audit import connections
from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.source.connect_calls import connect_calls
from django_guardrails.source.index import parse_module
from django_guardrails.source.side_effects import side_effects

MakeApp = Callable[[str], Path]
BROKEN = Path(__file__).resolve().parents[2] / "testproject" / "broken"
CODES = ("W401", "W402", "W403", "W404", "W405", "I406")
_counter = itertools.count()


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
        "Signal receiver broken.models.normalise_email is connected while broken.models is "
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
        ("database write", "order.lines.all.delete() in helper()"),
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


SIGNAL_APP = Path(__file__).resolve().parents[1] / "signal_app"


@pytest.fixture
def signal_app(watching: None) -> Iterator[list[GuardrailsMessage]]:
    """tests/signal_app installed (its first import watched): its 4xx findings."""
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.signal_app"]):
        yield signal_findings("signal_app")


def by_receiver(found: list[GuardrailsMessage], code: str) -> dict[str, GuardrailsMessage]:
    chosen = [m for m in found if m.id == f"guardrails.{code}"]
    assert len(chosen) == len({str(m.obj) for m in chosen}), "one message per receiver"
    return {str(m.obj).rsplit(".", 1)[-1]: m for m in chosen}


def test_a_write_one_call_away_is_named_at_the_call(
    signal_app: list[GuardrailsMessage],
) -> None:
    signals_py = SIGNAL_APP / "signals.py"
    found = {
        name: (m.line, str(m.msg).split("business logic (", 1)[1].split(" at line ")[0])
        for name, m in by_receiver(signal_app, "W405").items()
    }
    assert found == {
        # Manager.from_queryset(QS): the manager's copy of the queryset's method is read.
        "settle_invoices": (
            line_of(signals_py, "Invoice.objects.settle(instance)"),
            "database write: self.filter.update() in Invoice.objects.settle()",
        ),
        # A method of the custom manager itself.
        "open_invoice": (
            line_of(signals_py, "Invoice.objects.open_for(order)"),
            "database write: self.create() in Invoice.objects.open_for()",
        ),
        # A function of another project module, by module attribute and by imported name.
        "take_payment": (
            line_of(signals_py, "services.charge(order)"),
            "database write: Payment.objects.create() in services.charge()",
        ),
        "charge_again": (
            line_of(signals_py, "charge(instance.order)"),
            "database write: Payment.objects.create() in charge()",
        ),
        # QS.as_manager(), through a chained filter().
        "archive_orders": (
            line_of(signals_py, "Order.objects.filter(invoice=instance).archive()"),
            "database write: order.save() in Order.objects.filter.archive()",
        ),
        # A bound method's call of another method of its object.
        "on_placed": (
            line_of(signals_py, "self.book(order)"),
            "database write: Payment.objects.create() in self.book()",
        ),
    }
    settle = by_receiver(signal_app, "W405")["settle_invoices"]
    assert settle == ids.W405.message(
        "Signal receiver tests.signal_app.signals.settle_invoices carries business logic "
        "(database write: self.filter.update() in Invoice.objects.settle() at line "
        f"{settle.line}) that callers of post_save cannot see.",
        hint="Call a service function explicitly from the code that causes the event; keep "
        "receivers for cache invalidation, audit logging and notifications.",
        obj="tests.signal_app.signals.settle_invoices",
    )
    assert settle.file == str(signals_py)
    # A signal that is not Django's is named module.attribute.
    take = by_receiver(signal_app, "W405")["take_payment"]
    assert str(take.msg).endswith(
        "that callers of tests.signal_app.signals.order_placed cannot see."
    )


def test_calls_that_read_invalidate_or_notify_are_not_business_logic(
    signal_app: list[GuardrailsMessage],
) -> None:
    # handlers.refresh calls a project function that invalidates a cache, one that reads,
    # notify_customer() (a write, accepted by its name) and read-only queryset methods; it is
    # documented and connected in ready().
    assert [m for m in signal_app if "handlers" in str(m.obj)] == []


def test_receivers_connected_by_a_module_that_models_imports(
    signal_app: list[GuardrailsMessage],
) -> None:
    signals_py, models_py = SIGNAL_APP / "signals.py", SIGNAL_APP / "models.py"
    at_import = by_receiver(signal_app, "I406")
    assert set(at_import) == {
        "settle_invoices",
        "open_invoice",
        "take_payment",
        "charge_again",
        "archive_orders",
        "stacked",
        "listed",
        "unfiltered",
        "on_placed",
    }
    importing = line_of(models_py, "from tests.signal_app import signals")
    settle = at_import["settle_invoices"]
    assert settle == ids.I406.message(
        "Signal receiver tests.signal_app.signals.settle_invoices is connected while "
        f"tests.signal_app.models (its line {importing} imports tests.signal_app.signals) is "
        "imported, not in AppConfig.ready().",
        hint="Import tests.signal_app.signals in your AppConfig.ready(), not in "
        "tests.signal_app.models: def ready(self): import tests.signal_app.signals",
        obj="tests.signal_app.signals.settle_invoices",
    )
    # Pointed at the connection, where the documented ignore comment goes.
    assert (settle.file, settle.line) == (str(signals_py), line_of(signals_py, "def settle_") - 1)


def test_one_message_per_receiver_and_check_listing_its_signals(
    signal_app: list[GuardrailsMessage],
) -> None:
    signals_py = SIGNAL_APP / "signals.py"
    undocumented = by_receiver(signal_app, "W401")
    assert set(undocumented) == {"stacked", "listed"}
    # Two stacked @receiver(post_save, ...): one W401 at the top decorator, post_save once.
    stacked = undocumented["stacked"]
    assert stacked.line == line_of(signals_py, "def stacked") - 2
    assert stacked == ids.W401.message(
        "Signal receiver tests.signal_app.signals.stacked (post_save) is not documented: "
        "nothing says why this code runs behind the caller's back.",
        hint="Add a docstring to the receiver, or a comment above its connection, saying why "
        "it is a signal and not a call made where the event happens.",
        obj="tests.signal_app.signals.stacked",
    )
    assert "(pre_delete, pre_save)" in str(undocumented["listed"].msg)
    [unfiltered] = by_receiver(signal_app, "W402").values()
    assert unfiltered == ids.W402.message(
        "Signal receiver tests.signal_app.signals.unfiltered listens to post_delete, post_save "
        "from every model: it runs on every save, delete or init in the project, Django's and "
        "third-party models' included.",
        hint="Connect it with sender=<the model>: @receiver([post_delete, post_save], "
        "sender=MyModel).",
        obj="tests.signal_app.signals.unfiltered",
    )


MakePackage = Callable[[dict[str, str]], Path]


@pytest.fixture
def make_package_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watching: None
) -> Iterator[MakePackage]:
    """Install a throwaway app made of the given files (``{"models/__init__.py": ...}``),
    imported while connections are watched; returns its directory."""
    monkeypatch.syspath_prepend(str(tmp_path))
    overrides: list[override_settings] = []

    def make(files: dict[str, str]) -> Path:
        package = tmp_path / f"sigpkg{next(_counter)}"
        for name, text in {"__init__.py": "", **files}.items():
            path = package / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).replace("PACKAGE", package.name))
        override = override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, package.name])
        override.enable()
        overrides.append(override)
        return package

    yield make
    for override in reversed(overrides):
        override.disable()


def test_a_models_package_that_imports_a_connecting_module(
    make_package_app: MakePackage,
) -> None:
    package = make_package_app(
        {
            "models/__init__.py": """\
                from PACKAGE.models.shelf import Shelf
                from PACKAGE import hooks
            """,
            "models/shelf.py": """\
                from django.db import models


                class Shelf(models.Model):
                    def __str__(self) -> str:
                        return "shelf"
            """,
            "hooks.py": """\
                from django.db.models.signals import post_save

                from PACKAGE.models.shelf import Shelf


                def _connect():
                    post_save.connect(count_shelves, sender=Shelf)


                def count_shelves(sender, **kwargs):
                    '''Keeps the shelf count shown in the header fresh.'''


                _connect()
            """,
        }
    )
    [message] = signal_findings(package.name)
    hooks = package / "hooks.py"
    assert (message.id, message.file, message.line) == (
        ids.I406.id,
        str(hooks),
        line_of(hooks, "post_save.connect("),
    )
    importing = line_of(package / "models" / "__init__.py", "import hooks")
    assert str(message.msg) == (
        f"Signal receiver {package.name}.hooks.count_shelves is connected while "
        f"{package.name}.models (its line {importing} imports {package.name}.hooks) is "
        "imported, not in AppConfig.ready()."
    )


def test_connected_in_ready_is_silent_even_when_models_are_imported_by_it(
    make_package_app: MakePackage,
) -> None:
    package = make_package_app(
        {
            "apps.py": """\
                from django.apps import AppConfig


                class Config(AppConfig):
                    name = "PACKAGE"

                    def ready(self):
                        from PACKAGE import hooks
            """,
            "models.py": """\
                from django.db import models


                class Shelf(models.Model):
                    def __str__(self) -> str:
                        return "shelf"
            """,
            "hooks.py": """\
                from django.db.models.signals import post_save
                from django.dispatch import receiver

                from PACKAGE.models import Shelf


                # Keeps the shelf count shown in the header fresh.
                @receiver(post_save, sender=Shelf)
                def count_shelves(sender, **kwargs):
                    pass
            """,
        }
    )
    assert signal_findings(package.name) == []


def test_a_signal_without_a_module_level_name_is_named_where_it_was_connected(
    make_package_app: MakePackage,
) -> None:
    package = make_package_app(
        {
            "apps.py": """\
                from django.apps import AppConfig


                class Config(AppConfig):
                    name = "PACKAGE"

                    def ready(self):
                        from PACKAGE import hooks
            """,
            "hooks.py": """\
                from django.dispatch import Signal


                class Hub:
                    def __init__(self):
                        self.changed = Signal()


                hub = Hub()


                def on_change(sender, **kwargs):
                    pass


                hub.changed.connect(on_change)
            """,
        }
    )
    connected = line_of(package / "hooks.py", "hub.changed.connect(")
    [message] = signal_findings(package.name)
    assert str(message.msg) == (
        f"Signal receiver {package.name}.hooks.on_change (signal connected at "
        f"{package.name}/hooks.py:{connected}) is not documented: nothing says why this code "
        "runs behind the caller's back."
    )
