"""The signal-receiver inventory: what is connected, where, to what, and whether it lives."""

from __future__ import annotations

import gc
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models.signals import post_save, pre_delete
from django.dispatch import Signal, receiver

from django_guardrails.audit import connections
from django_guardrails.audit.receivers import Receiver, discover_signals, inventory
from tests.python_process import run_python

TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"
BROKEN_SIGNALS = TESTPROJECT / "broken" / "signals.py"
THIS_FILE = Path(__file__).resolve()


def line_of(path: Path, text: str) -> int:
    [number] = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


def culprit(tag: str) -> int:
    """The line of this file that ends with ``# culprit: <tag>``."""
    lines = THIS_FILE.read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if line.endswith(f"# culprit: {tag}")]
    return number


def entries(qualname: str) -> list[Receiver]:
    return [r for r in inventory() if r.qualname == qualname]


@pytest.fixture
def watching() -> Iterator[None]:
    """Note connections again: the test client's first request ended the watch."""
    connections.watch_connections()
    yield
    connections.stop_watching()


def test_a_decorator_connection_in_the_project() -> None:
    [touch] = entries("broken.signals.touch_customer")
    assert touch.signal == "django.db.models.signals.post_save"
    assert touch.model_signal and touch.project and touch.alive and touch.weak
    assert touch.app_label == "broken"
    assert touch.sender == "broken.Invoice"
    assert touch.dispatch_uid is None
    assert touch.kind == "function"
    assert (touch.file, touch.line) == (str(BROKEN_SIGNALS), touch.line)
    assert touch.connected_line == line_of(BROKEN_SIGNALS, "@receiver(post_save, sender=Invoice)")
    assert touch.connected_in == "<module>"


def test_one_function_connected_twice_by_connect_is_two_entries() -> None:
    first, second = entries("broken.signals.refunded")
    assert {first.dispatch_uid, second.dispatch_uid} == {None, "broken.refunded"}
    assert {first.connected_line, second.connected_line} == {
        line_of(BROKEN_SIGNALS, "post_delete.connect(refunded, sender=Refund)"),
        line_of(BROKEN_SIGNALS, 'dispatch_uid="broken.refunded"'),
    }
    assert first.sender == second.sender == "broken.Refund"


def test_a_custom_signal_of_the_project_is_named_where_it_is_defined() -> None:
    names = set(discover_signals().values())
    assert "broken.signals.invoice_paid" in names
    assert "clean.signals.book_published" in names
    # Imported by broken.signals, post_save keeps Django's name.
    assert "django.db.models.signals.post_save" in names
    assert "broken.signals.post_save" not in names
    [email] = entries("broken.signals.email_receipt")
    assert email.signal == "broken.signals.invoice_paid"
    assert not email.model_signal and email.sender == "any"


def test_a_bound_method_of_a_temporary_object_is_dead() -> None:
    [printer] = entries("broken.signals.ReceiptPrinter.print_receipt")
    assert not printer.alive and printer.kind == "dead"
    assert printer.connected_line == line_of(BROKEN_SIGNALS, "ReceiptPrinter().print_receipt")


def test_a_connection_made_in_ready() -> None:
    [notify] = entries("clean.signals.notify_subscribers")
    assert notify.connected_in == "ready"
    assert notify.connected_file == str(TESTPROJECT / "clean" / "apps.py")
    assert notify.dispatch_uid == "clean.signals.notify_subscribers"
    assert notify.signal == "clean.signals.book_published"


def test_third_party_receivers_are_listed_and_marked() -> None:
    [login] = entries("django.contrib.auth.models.update_last_login")
    assert not login.project
    assert login.app_label == "auth"
    assert login.connected_in == "ready"  # django.contrib.auth's AppConfig.ready()
    assert login.dispatch_uid == "update_last_login"


def test_connections_made_now_lambdas_closures_strong_and_senders(watching: None) -> None:
    order_paid = Signal()

    def make_closure() -> Any:
        def closure(sender: object, **kwargs: Any) -> None:
            pass

        return closure

    kept = make_closure()
    order_paid.connect(kept)  # culprit: kept-closure
    order_paid.connect(lambda sender, **kwargs: None)  # culprit: lambda
    order_paid.connect(make_closure(), weak=False, dispatch_uid="strong")  # culprit: strong
    gc.collect()
    signals = {order_paid: "tests.order_paid"}
    found = {r.connected_line: r for r in inventory(signals)}
    kept_entry = found[culprit("kept-closure")]
    assert (kept_entry.kind, kept_entry.alive, kept_entry.weak) == ("closure", True, True)
    assert (
        kept_entry.connected_in == "test_connections_made_now_lambdas_closures_strong_and_senders"
    )
    strong = found[culprit("strong")]
    assert (strong.weak, strong.alive, strong.dispatch_uid) == (False, True, "strong")
    dead = [c for c in connections.connections() if c.signal() is order_paid and c.dead]
    assert [c.line for c in dead] == [culprit("lambda")]
    assert dead[0].kind == "lambda"


def test_a_line_that_connects_a_new_receiver_each_run_is_counted(watching: None) -> None:
    ping = Signal()
    handlers = []

    class Handler:
        def on_ping(self, sender: object, **kwargs: Any) -> None:
            pass

    for _ in range(3):
        handler = Handler()
        handlers.append(handler)
        ping.connect(handler.on_ping)  # culprit: per-run
    [entry, *_] = inventory({ping: "ping"})
    assert (entry.connections, entry.distinct_connections) == (3, 3)
    assert entry.kind == "bound method"


def test_senders_any_model_and_app(watching: None) -> None:
    from clean.models import Book

    @receiver(pre_delete, sender=Book, dispatch_uid="test.book")  # culprit: decorator
    def on_delete(sender: object, **kwargs: Any) -> None:
        pass

    try:
        [entry] = [r for r in inventory() if r.dispatch_uid == "test.book"]
        assert entry.sender == "clean.Book"
        assert entry.connected_line == culprit("decorator")
    finally:
        pre_delete.disconnect(sender=Book, dispatch_uid="test.book")
    assert not [r for r in inventory() if r.dispatch_uid == "test.book"]
    assert post_save.receivers  # the inventory reads, and never changes, the lists


def test_the_command_lists_by_signal_project_first_with_findings() -> None:
    out = StringIO()
    call_command("guardrails", "signals", stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    # Project signals first (a throwaway app of an earlier test may add its own among them).
    project = next(i for i, line in enumerate(lines) if line.startswith("broken.signals."))
    third_party = next(i for i, line in enumerate(lines) if "[third-party]" in line)
    assert project < third_party
    assert lines[project].startswith("broken.signals.invoice_paid")
    assert "[third-party] django.contrib.auth.models.update_last_login" in text
    assert "needs attention: W401, W405" in text
    assert text.rstrip().splitlines()[-1].endswith("need attention (manage.py guardrails signals)")
    out = StringIO()
    call_command("guardrails", "signals", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    [touch] = [row for row in rows if row["receiver"] == "broken.signals.touch_customer"]
    assert touch["findings"] == ["W401", "W405"]
    assert touch["sender"] == "broken.Invoice" and touch["project"] is True
    assert touch["connected_at"].endswith(
        f"broken/signals.py:{line_of(BROKEN_SIGNALS, '@receiver(post_save, sender=Invoice)')}"
    )


def test_runserver_prints_the_summary_line_once(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "testproject.settings.development",
        "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "127.0.0.1:0", "--noreload"],
        cwd=TESTPROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "Quit the server with" in line or len(lines) > 500:
                break
    finally:
        process.terminate()
        process.wait(timeout=10)
    summary = [line for line in lines if "signal receivers in" in line]
    assert len(summary) == 1, "".join(lines)
    assert summary[0].startswith("guardrails: ")
    assert summary[0].rstrip().endswith("6 need attention (manage.py guardrails signals)"), summary[
        0
    ]


def test_a_signal_found_through_a_connection_is_named_where_it_is_defined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watching: None
) -> None:
    # A library's signal, defined in one module and re-exported by its package (a shorter
    # name): the module whose source assigns it names it.
    package = tmp_path / "hooklib_naming"
    package.mkdir()
    (package / "__init__.py").write_text("from hooklib_naming.definitions import changed\n")
    (package / "definitions.py").write_text(
        "from django.dispatch import Signal\n\nchanged = Signal()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    hooklib_naming = importlib.import_module("hooklib_naming")

    def on_change(sender: object, **kwargs: Any) -> None:
        pass

    hooklib_naming.changed.connect(on_change)
    try:
        assert discover_signals()[hooklib_naming.changed] == "hooklib_naming.definitions.changed"
    finally:
        hooklib_naming.changed.disconnect(on_change)
        for name in ("hooklib_naming", "hooklib_naming.definitions"):
            sys.modules.pop(name, None)


# A project whose apps connect to the signals of a library (a package that is not an app, as
# django-structlog's Celery signals are), each signal by one app, at two moments: early_app when
# its package is imported (Celery's Django layout: the package imports the module that
# connects), late_app in its ready(). Neither binds the signal to a name of its own module
# (``@receiver(signals.bind_extra_task_metadata)``).
ORDER_PROJECT = {
    "pinglib/__init__.py": (
        "from django.dispatch import Signal\n\npinged = Signal()\nponged = Signal()\n"
    ),
    "early_app/__init__.py": "from early_app import hooks  # noqa: F401\n",
    "early_app/hooks.py": (
        "import pinglib\nfrom django.dispatch import receiver\n\n\n"
        "@receiver(pinglib.pinged)\ndef on_ping(sender, **kwargs):\n    pass\n"
    ),
    "late_app/__init__.py": "",
    "late_app/apps.py": (
        "from django.apps import AppConfig\n\n\nclass LateConfig(AppConfig):\n"
        '    name = "late_app"\n\n    def ready(self):\n'
        "        from late_app import hooks  # noqa: F401\n"
    ),
    "late_app/hooks.py": (
        "import pinglib\nfrom django.dispatch import receiver\n\n\n"
        "@receiver(pinglib.ponged)\ndef on_pong(sender, **kwargs):\n    pass\n"
    ),
}

ORDER_PROBE = """
import json
from io import StringIO

import django
from django.core.management import call_command

django.setup()
text, rows = StringIO(), StringIO()
call_command("guardrails", "signals", stdout=text)
call_command("guardrails", "signals", "--format", "json", stdout=rows)
print(json.dumps({"text": text.getvalue(), "rows": json.loads(rows.getvalue())}))
"""


@pytest.mark.parametrize(
    "installed_apps",
    [
        ["django_guardrails", "early_app", "late_app"],
        ["early_app", "django_guardrails", "late_app"],
        ["early_app", "late_app", "django_guardrails"],  # last, as the README shows it
    ],
    ids=["first", "between", "last"],
)
def test_receivers_are_listed_wherever_guardrails_is_installed(
    tmp_path: Path, installed_apps: list[str]
) -> None:
    for name, text in ORDER_PROJECT.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    apps = ["django.contrib.contenttypes", "django.contrib.auth", *installed_apps]
    (tmp_path / "order_settings.py").write_text(
        f'SECRET_KEY = "{"k" * 50}"\nINSTALLED_APPS = {apps!r}\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}\n'
        'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"\nUSE_TZ = True\n'
    )
    found = run_python(
        ORDER_PROBE,
        tmp_path,
        {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "order_settings",
            "PYTHONPATH": str(tmp_path),
        },
    )
    rows = {row["receiver"]: row for row in found["rows"] if row["signal"].startswith("pinglib.")}
    assert sorted(rows) == ["early_app.hooks.on_ping", "late_app.hooks.on_pong"]
    for app, signal in (("early_app", "pinged"), ("late_app", "ponged")):
        row = rows[f"{app}.hooks.on_{signal[:4]}"]
        assert row["signal"] == f"pinglib.{signal}"
        assert row["project"] is True and row["app"] == app
        # Where it was connected, also when that was before guardrails was imported.
        assert row["connected_at"] == f"{app}/hooks.py:5"
        assert row["connected_in"] == "<module>"
        assert row["findings"] == ["W401"]
    text = found["text"]
    for app, signal in (("early_app", "pinged"), ("late_app", "ponged")):
        assert f"pinglib.{signal} (1 receiver)\n  {app}.hooks.on_{signal[:4]}\n" in text
        assert f"connected {app}/hooks.py:5 (in <module>)" in text


EARLY_HOOKS = """\
import hooklib_early
from django.dispatch import receiver


@receiver(hooklib_early.fired)
def decorated(sender, **kwargs):
    pass


@receiver(hooklib_early.fired, sender=int)
@receiver(hooklib_early.fired, sender=str)
def twice(sender, **kwargs):
    pass


def plain(sender, **kwargs):
    pass


hooklib_early.fired.connect(plain)
"""


def test_receivers_connected_before_the_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Connected while no watch runs (as before guardrails' app module is imported): a library's
    # signal with receivers is audited all the same, one without receivers is not; the one
    # @receiver line naming the signal is where it was connected, anything else is unknown.
    (tmp_path / "hooklib_early.py").write_text(
        "from django.dispatch import Signal\n\nfired = Signal()\nquiet = Signal()\n"
    )
    (tmp_path / "earlyhooks.py").write_text(EARLY_HOOKS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(Signal, "connect", connections._original_connect)
    earlyhooks = importlib.import_module("earlyhooks")
    library = sys.modules["hooklib_early"]
    try:
        signals = discover_signals()
        assert signals[library.fired] == "hooklib_early.fired"
        assert library.quiet not in signals
        found = sorted(
            (r.qualname, r.connected_at, r.connected_in)
            for r in inventory(signals)
            if r.signal == "hooklib_early.fired"
        )
        decorated = line_of(tmp_path / "earlyhooks.py", "@receiver(hooklib_early.fired)")
        assert found == [
            ("earlyhooks.decorated", f"{tmp_path / 'earlyhooks.py'}:{decorated}", "<module>"),
            ("earlyhooks.plain", None, None),
            ("earlyhooks.twice", None, None),  # two @receiver lines: which one is unknown
            ("earlyhooks.twice", None, None),
        ]
    finally:
        for function in (earlyhooks.decorated, earlyhooks.plain):
            library.fired.disconnect(function)
        library.fired.disconnect(earlyhooks.twice, sender=int)
        library.fired.disconnect(earlyhooks.twice, sender=str)
        for name in ("earlyhooks", "hooklib_early"):
            sys.modules.pop(name, None)


def test_a_signal_subclass_without_a_lock_is_read_without_one() -> None:
    """A library's Signal subclass that sets up its own state (no ``lock``) is still asked
    whether it has receivers, never an AttributeError that fails the audit."""
    from django_guardrails.audit import receivers

    class Bare(Signal):
        def __init__(self) -> None:  # no super().__init__(): no lock
            self.receivers = [object()]

    assert receivers._has_receivers(Bare())


def test_guardrails_own_receivers_are_never_in_the_inventory() -> None:
    """The middleware connects guardrails' instrumentation to connection_created before the
    server's first request: the runserver line and `guardrails signals` count the same."""
    from django_guardrails.query import capture

    capture._instrument_connections()
    assert not [r for r in inventory() if r.qualname.startswith("django_guardrails.")]
