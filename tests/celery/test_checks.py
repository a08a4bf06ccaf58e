"""7xx: the Celery app's configuration and the project's tasks, on the testproject's app (set up
as the checks want it) and on throwaway apps configured to break each rule."""

from __future__ import annotations

import pytest

pytest.importorskip("celery", reason="an optional extra: django-guardrails[celery]")

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope, run_guardrail_checks
from django_guardrails.conf import get_config
from django_guardrails.integrations.celery import atomic_sends as celery_sends
from django_guardrails.integrations.celery import checks as celery_checks
from django_guardrails.integrations.celery.app import (
    find_project_app,
    own_tasks,
    setting_location,
    setting_name,
)
from django_guardrails.source.index import SOURCE
from tests.celery.conftest import MakeCelery
from tests.python_process import run_python

MakeApp = Callable[[str], Path]
TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"
BROKEN = TESTPROJECT / "broken"
CODES = {f"guardrails.W70{n}" for n in range(1, 7)}


def scope(*labels: str, whole: bool = True) -> CheckScope:
    app_configs = [apps.get_app_config(label) for label in labels or ("broken", "clean")]
    return CheckScope(app_configs, whole, get_config(), SOURCE)


def line_of(path: Path, text: str) -> int:
    [number] = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


def codes(messages: list[CheckMessage]) -> list[str]:
    return [str(m.id) for m in messages]


def test_the_testproject_app_is_found_with_its_tasks_at_their_def_lines() -> None:
    project = find_project_app()
    assert project is not None
    assert project.label == "testproject.celery.app"
    assert project.line == line_of(TESTPROJECT / "testproject" / "celery.py", "app = Celery(")
    tasks = {task.name: task for task in own_tasks(project, scope().app_configs)}
    assert set(tasks) == {
        "broken.tasks.send_invoice",
        "broken.tasks.archive_invoices",
        "broken.tasks.report_totals",
        "clean.tasks.describe_book",
        "clean.tasks.catalogue_lines",
    }
    send = tasks["broken.tasks.send_invoice"]
    assert (Path(send.file or ""), send.line) == (
        BROKEN / "tasks.py",
        line_of(BROKEN / "tasks.py", "def send_invoice("),
    )


def test_the_testproject_finds_only_the_broken_apps_tasks() -> None:
    found = {
        (str(m.id), getattr(m.obj, "name", str(m.obj)), m.line)
        for m in run_guardrail_checks(None, deploy=True)
        if m.id in CODES
    }
    tasks_py = BROKEN / "tasks.py"
    assert found == {
        ("guardrails.W703", "broken.tasks.send_invoice", line_of(tasks_py, "def send_invoice(")),
        (
            "guardrails.W703",
            "broken.tasks.archive_invoices",
            line_of(tasks_py, "def archive_invoices("),
        ),
        (
            "guardrails.W704",
            "broken.tasks.archive_invoices",
            line_of(tasks_py, "def archive_invoices("),
        ),
        ("guardrails.W705", "mark_sent()", line_of(BROKEN / "billing.py", "send_invoice.delay(")),
    }


def test_checks_import_the_task_modules_once_without_running_the_checks_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Celery's Django fixup runs the system checks on import_modules: not again from ours."""
    project = find_project_app()
    assert project is not None
    from django_guardrails.integrations.celery import app as celery_app

    monkeypatch.setattr(celery_app, "_imported", type(celery_app._imported)())
    calls = []
    original = project.app.loader.import_default_modules

    def counting() -> object:
        calls.append(1)
        return original()

    monkeypatch.setattr(project.app.loader, "import_default_modules", counting)
    run_guardrail_checks(None, deploy=True)
    run_guardrail_checks(None, deploy=True)
    assert calls == [1]


def test_w701_fires_when_the_app_acks_early_and_lists_the_tasks(make_celery: MakeCelery) -> None:
    make_celery(task_acks_late=False)
    [message] = celery_checks.check_acks_late(scope("broken"))
    assert message.id == ids.W701.id
    assert "acknowledges each task before it runs" in message.msg
    assert message.hint is not None
    assert "task_acks_late = True" in message.hint
    assert "broken.tasks.archive_invoices" in message.hint


def test_w701_is_silent_with_acks_late_or_on_another_apps_scope(make_celery: MakeCelery) -> None:
    make_celery(task_acks_late=True)
    assert list(celery_checks.check_acks_late(scope())) == []
    make_celery(task_acks_late=False)
    assert list(celery_checks.check_acks_late(scope("broken", whole=False))) == []


def test_w701_is_silent_when_every_task_acks_late(
    make_celery: MakeCelery, make_app: MakeApp
) -> None:
    models_py = make_app("")
    (models_py.parent / "tasks.py").write_text(
        textwrap.dedent(
            """
            from celery import shared_task

            @shared_task(acks_late=True, reject_on_worker_lost=True)
            def tidy(pk: int) -> None:
                pass
            """
        )
    )
    label = models_py.parent.name
    __import__(f"{label}.tasks")
    make_celery(task_acks_late=False, task_reject_on_worker_lost=False)
    assert list(celery_checks.check_acks_late(scope(label))) == []
    assert list(celery_checks.check_reject_on_worker_lost(scope(label))) == []


def test_w702_fires_without_reject_on_worker_lost(make_celery: MakeCelery) -> None:
    make_celery(task_acks_late=True, task_reject_on_worker_lost=False)
    [message] = celery_checks.check_reject_on_worker_lost(scope())
    assert message.id == ids.W702.id
    assert "worker process is killed" in message.msg
    assert message.hint is not None
    if celery_checks._retry_available():
        assert "task_retry_on_worker_lost = True" in message.hint
        assert "loops" in message.hint
    else:
        assert "task_reject_on_worker_lost = True" in message.hint


def test_w702_is_silent_with_reject_on_worker_lost(make_celery: MakeCelery) -> None:
    make_celery(task_reject_on_worker_lost=True)
    assert list(celery_checks.check_reject_on_worker_lost(scope())) == []


def test_settings_are_named_and_located_as_the_project_writes_them() -> None:
    """The testproject's app reads the CELERY_ namespace of Django's settings."""
    project = find_project_app()
    assert project is not None
    assert setting_name(project, "task_acks_late") == "CELERY_TASK_ACKS_LATE"
    base = TESTPROJECT / "testproject" / "settings" / "base.py"
    file, line = setting_location(project, "task_reject_on_worker_lost")
    assert (Path(file or ""), line) == (base, line_of(base, "CELERY_TASK_REJECT_ON_WORKER_LOST ="))
    # A key the settings do not set: the line that defines the app.
    assert setting_location(project, "task_always_eager") == (project.file, project.line)


def test_w703_names_the_parameter_and_what_it_takes(make_app: MakeApp) -> None:
    models_py = make_app("")
    (models_py.parent / "tasks.py").write_text(
        textwrap.dedent(
            """
            from __future__ import annotations

            from typing import TYPE_CHECKING

            from celery import shared_task

            if TYPE_CHECKING:
                from clean.models import Book

            @shared_task
            def one(book: Book) -> None:
                pass

            @shared_task(bind=True)
            def many(self, books: list[Book] | None = None) -> None:
                pass

            @shared_task
            def fine(book_id: int, note: str = "") -> None:
                pass
            """
        )
    )
    label = models_py.parent.name
    __import__(f"{label}.tasks")
    found = {
        (getattr(m.obj, "name", ""), m.msg)
        for m in celery_checks.check_task_signatures(scope(label))
    }
    assert found == {
        (
            f"{label}.tasks.one",
            f"Task {label}.tasks.one takes a model instance (book: Book): it is serialized when "
            "sent and stale when the worker runs.",
        ),
        (
            f"{label}.tasks.many",
            f"Task {label}.tasks.many takes a model instance (books: list[Book] | None): it is "
            "serialized when sent and stale when the worker runs.",
        ),
    }


def test_w703_is_silent_on_tasks_that_take_ids() -> None:
    assert list(celery_checks.check_task_signatures(scope("clean"))) == []


def test_w704_fires_when_the_app_accepts_pickle(make_celery: MakeCelery) -> None:
    make_celery(accept_content=["json", "pickle"], task_serializer="json")
    messages = [
        m for m in celery_checks.check_pickle(scope("clean")) if str(m.obj).startswith("tests.")
    ]
    [message] = messages
    assert message.id == ids.W704.id
    assert "accepts pickle (accept_content)" in message.msg


def test_w704_fires_on_a_task_sent_with_pickle_and_not_on_json(make_celery: MakeCelery) -> None:
    make_celery(accept_content=["json"])
    assert [getattr(m.obj, "name", "") for m in celery_checks.check_pickle(scope())] == [
        "broken.tasks.archive_invoices"
    ]
    assert list(celery_checks.check_pickle(scope("clean"))) == []


def test_w705_fires_inside_atomic_and_not_after_commit(make_app: MakeApp) -> None:
    models_py = make_app("")
    code = textwrap.dedent(
        """
        from django.db import transaction

        from clean.tasks import describe_book


        @transaction.atomic
        def decorated(pk):
            describe_book.apply_async((pk,))


        def blocks(pk):
            with transaction.atomic(using="default"):
                describe_book.delay(pk)
                transaction.on_commit(lambda: describe_book.delay(pk))
                describe_book.delay_on_commit(pk)

                def later():
                    describe_book.delay(pk)
            describe_book.delay(pk)
        """
    )
    path = models_py.parent / "publishing.py"
    path.write_text(code)
    messages = list(celery_sends.check_sends_in_atomic(scope(models_py.parent.name)))
    assert [(getattr(m, "line", None), m.msg) for m in messages] == [
        (
            line_of(path, "describe_book.apply_async((pk,))"),
            "decorated() calls describe_book.apply_async() inside transaction.atomic(): the "
            "worker can run before the rows it needs are committed.",
        ),
        (
            line_of(path, 'with transaction.atomic(using="default"):') + 1,
            "blocks() calls describe_book.delay() inside transaction.atomic(): the worker can "
            "run before the rows it needs are committed.",
        ),
    ]
    assert messages[0].hint == (
        "Send it once the transaction commits: describe_book.apply_async_on_commit(...) "
        "(Celery 5.4+), or transaction.on_commit(lambda: describe_book.apply_async(...))."
    )


def test_w705_is_silent_on_the_clean_app() -> None:
    assert list(celery_sends.check_sends_in_atomic(scope("clean"))) == []


def test_w706_fires_when_tasks_run_eagerly_and_only_under_deploy(make_celery: MakeCelery) -> None:
    make_celery(task_always_eager=True)
    [message] = celery_checks.check_always_eager(scope())
    assert message.id == ids.W706.id
    assert "runs every task eagerly" in message.msg
    assert not [m for m in run_guardrail_checks(None) if m.id == ids.W706.id]
    assert [m for m in run_guardrail_checks(None, deploy=True) if m.id == ids.W706.id]


def test_w706_is_silent_when_tasks_go_to_the_broker(make_celery: MakeCelery) -> None:
    make_celery(task_always_eager=False)
    assert list(celery_checks.check_always_eager(scope())) == []


# A project laid out as HackSoftware's Django-Styleguide-Example: settings in ``config``, the
# Celery app in an installed app of its own, ``styleguide/tasks/celery.py`` (celery -A
# styleguide.tasks), and tasks in another app.
_STYLEGUIDE = {
    "config/__init__.py": "",
    "config/settings.py": """
        SECRET_KEY = "x" * 50
        INSTALLED_APPS = [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django_guardrails",
            "styleguide.users",
            "styleguide.tasks",
        ]
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
        ROOT_URLCONF = "config.urls"
        CELERY_BROKER_URL = "memory://"
    """,
    "config/urls.py": "urlpatterns = []\n",
    "styleguide/__init__.py": "",
    "styleguide/users/__init__.py": "",
    "styleguide/users/tasks.py": """
        from celery import shared_task

        @shared_task
        def email_user(user_id: int) -> None:
            pass
    """,
    "styleguide/tasks/__init__.py": "from .celery import app as celery_app\n",
    "styleguide/tasks/celery.py": """
        from celery import Celery

        app = Celery("styleguide")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.autodiscover_tasks()
    """,
}

_CHECK = """
import json, sys
import django
django.setup()
from django.core.checks import run_checks
from django_guardrails.checks.framework.messages import display_path
print(json.dumps({
    "found": sorted(
        (str(m.id), display_path(m.file) if getattr(m, "file", None) else None,
         getattr(m, "line", None), m.msg, m.hint)
        for m in run_checks()
        if str(m.id)[len("guardrails.") + 1:].startswith("7") or m.id == "guardrails.W002"
    ),
    "celery_imported": "celery" in sys.modules,
}))
"""


def run_project(root: Path, files: dict[str, str], **env: str) -> Any:
    """The 7xx findings of a project made of ``files``, checked in a fresh process."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    environment.pop("CELERY_APP", None)
    environment.update(env)
    return run_python(_CHECK, root, environment)


@pytest.mark.parametrize("imported", [True, False], ids=["imported at start-up", "not imported"])
def test_the_app_of_one_of_the_projects_own_apps_is_found(tmp_path: Path, imported: bool) -> None:
    """Nothing beside the settings: the app created at start-up, or the celery module of an
    installed app of the project's, is found, and the findings point at its definition."""
    files = dict(_STYLEGUIDE)
    if not imported:
        files["styleguide/tasks/__init__.py"] = ""
    found = run_project(tmp_path, files)["found"]
    celery_py = tmp_path / "styleguide" / "tasks" / "celery.py"
    at = ["styleguide/tasks/celery.py", line_of(celery_py, "app = Celery(")]
    assert [[code, file, line] for code, file, line, _, _ in found] == [
        ["guardrails.W701", *at],
        ["guardrails.W702", *at],
    ]
    [w701, _] = found
    assert w701[3].startswith("Celery app styleguide.tasks.celery.app acknowledges each task")
    assert w701[4].endswith("these tasks lack it: styleguide.users.tasks.email_user.")


def test_celery_used_without_an_app_found_is_said_once(tmp_path: Path) -> None:
    files = dict(_STYLEGUIDE)
    del files["styleguide/tasks/celery.py"]
    files["styleguide/tasks/__init__.py"] = "from celery import shared_task\n"
    found = run_project(tmp_path, files)["found"]
    assert found == [
        [
            "guardrails.I707",
            None,
            None,
            "The project uses Celery but no Celery app was found: W701-W704 and W706 did not run.",
            "Set the CELERY_APP environment variable to what celery -A is given, e.g. "
            "CELERY_APP=proj.tasks, where the checks run, with what its module needs to import.",
        ]
    ]
    named = run_project(tmp_path, files, CELERY_APP="styleguide.nowhere")["found"]
    assert [message for _, _, _, message, _ in named] == [
        "The project uses Celery but CELERY_APP=styleguide.nowhere names no Celery app: "
        "W701-W704 and W706 did not run."
    ]


def test_an_app_module_that_fails_to_import_is_named_once_not_a_crash(tmp_path: Path) -> None:
    """A celery.py that reads an environment variable the checks' run lacks: one I707 that
    names the module and the exception's class (never its message), no W002 per check."""
    files = dict(_STYLEGUIDE)
    files["styleguide/tasks/__init__.py"] = ""
    files["styleguide/tasks/celery.py"] = (
        "import os\nfrom celery import Celery\n\nBROKER = os.environ['BROKER_PASSWORD']\n"
        "app = Celery('styleguide')\n"
    )
    found = run_project(tmp_path, files)["found"]
    assert [code for code, *_ in found] == ["guardrails.I707"]
    assert "importing styleguide.tasks.celery raised KeyError" in found[0][3]


def test_a_project_without_celery_gets_no_note_and_celery_is_not_imported(
    tmp_path: Path,
) -> None:
    files = dict(_STYLEGUIDE)
    del files["styleguide/tasks/celery.py"]
    del files["styleguide/users/tasks.py"]
    files["styleguide/tasks/__init__.py"] = ""
    assert run_project(tmp_path, files) == {"found": [], "celery_imported": False}
