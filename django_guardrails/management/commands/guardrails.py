"""``manage.py guardrails``: ``check`` (text, JSON, SARIF), ``baseline``, ``signals`` and
``queues`` (Celery's queue lengths, read from the broker)."""

from __future__ import annotations

import json
from argparse import SUPPRESS, ArgumentParser
from io import StringIO
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.management.base import BaseCommand, CommandError, OutputWrapper, SystemCheckError
from django.core.management.color import no_style

from django_guardrails.audit import report
from django_guardrails.audit.receivers import inventory
from django_guardrails.audit.report import findings_by_receiver
from django_guardrails.checks.framework import baseline, formats, ids
from django_guardrails.checks.framework.engine import (
    TAG,
    requested_databases,
    run_guardrail_checks,
    showing_all,
)

_FAIL_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class Command(BaseCommand):
    help = "Run django-guardrails' checks, or record today's findings as the baseline."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="{check,baseline,signals,queues}"
        )
        subcommands.required = True

        check = subcommands.add_parser("check", help="Report guardrails findings.")
        check.add_argument("app_labels", nargs="*", metavar="app_label")
        check.add_argument("--deploy", action="store_true", help="Add the deploy-only checks.")
        check.add_argument(
            "--format",
            choices=("text", "summary", "json", "sarif"),
            default="text",
            help="text: as manage.py check; summary: a count and one example per area.",
        )
        check.add_argument(
            "--fail-level",
            choices=_FAIL_LEVELS,
            default="ERROR",
            help="Exit non-zero on a finding at this level or above (default ERROR).",
        )
        check.add_argument("--output", help="Write the report to this file, not stdout.")
        check.add_argument(
            "--all",
            action="store_true",
            dest="show_all",
            help="Show every finding: those the baseline accepts and those on migrations "
            "already applied too.",
        )
        check.add_argument(
            "--database",
            action="append",
            dest="databases",
            help="Run checks that query this database alias (repeatable), as Django's check.",
        )

        record = subcommands.add_parser("baseline", help="Record today's findings as accepted.")
        record.add_argument(
            "--output", help='Baseline file to write (default: GUARDRAILS["BASELINE"]).'
        )
        signals = subcommands.add_parser(
            "signals", help="List every signal receiver: where defined and connected, sender."
        )
        signals.add_argument("--format", choices=("text", "json"), default="text")
        queues = subcommands.add_parser(
            "queues", help="The length of each Celery queue; exit non-zero when one is over --max."
        )
        queues.add_argument("--max", type=int, default=None, help="Fail over this many messages.")
        queues.add_argument(
            "--queue", action="append", default=[], help="Also this queue (repeatable)."
        )
        queues.add_argument("--format", choices=("text", "json"), default="text")
        for subparser in (check, record, signals, queues):
            _accept_common_options(subparser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "baseline":
            self._baseline(options["output"], options["verbosity"])
        elif options["subcommand"] == "signals":
            self._signals(options["format"])
        elif options["subcommand"] == "queues":
            self._queues(options["max"], options["queue"], options["format"])
        else:
            self._check(options)

    def _signals(self, output_format: str) -> None:
        receivers = inventory()
        messages = [
            message
            for message in run_guardrail_checks(None)
            if str(message.id).removeprefix(ids.PREFIX)[1:3] == "40"
        ]
        findings = findings_by_receiver(messages)
        if output_format == "json":
            self.stdout.write(json.dumps(report.as_json(receivers, findings), indent=2))
            return
        self.stdout.write(report.as_text(receivers, findings))
        self.stdout.write(report.summary_line(receivers, findings))

    def _queues(self, maximum: int | None, extra: list[str], output_format: str) -> None:
        from django_guardrails.integrations import CELERY, installed

        if not installed(CELERY):
            raise CommandError("Celery is not installed: pip install django-guardrails[celery].")
        from django_guardrails.integrations.celery.app import find_project_app
        from django_guardrails.integrations.celery.queues import (
            BrokerUnreachable,
            queue_lengths,
            queue_names,
        )

        project = find_project_app()
        if project is None:
            raise CommandError("No Celery app found: set CELERY_APP, as for celery -A.")
        try:
            lengths = queue_lengths(project.app, queue_names(project.app, extra))
        except BrokerUnreachable as error:
            raise CommandError(f"Cannot reach the Celery broker: {error}") from None
        over = [q for q in lengths if maximum is not None and q.length > maximum]
        if output_format == "json":
            rows = [
                {"queue": q.queue, "length": q.length, "exists": q.exists, "over": q in over}
                for q in lengths
            ]
            self.stdout.write(json.dumps({"max": maximum, "queues": rows}, indent=2))
        else:
            width = max(len(q.queue) for q in lengths)
            for q in lengths:
                mark = f"  over {maximum}" if q in over else ""
                self.stdout.write(f"{q.queue:<{width}}  {q.length}{mark}")
        if over:
            names = ", ".join(f"{q.queue} ({q.length})" for q in over)
            raise CommandError(f"{len(over)} queue(s) over {maximum} messages: {names}.")

    def _app_configs(self, labels: list[str]) -> list[Any] | None:
        if not labels:
            return None
        try:
            return [apps.get_app_config(label) for label in labels]
        except LookupError as error:
            raise CommandError(str(error)) from None

    def _check(self, options: dict[str, Any]) -> None:
        app_configs = self._app_configs(options["app_labels"])
        fail_level = getattr(checks, options["fail_level"])
        databases = tuple(options["databases"] or ())
        tokens = (requested_databases.set(databases), showing_all.set(options["show_all"]))
        try:
            with baseline.counting() as tally:
                if options["format"] == "text":
                    self._check_as_text(app_configs, options, fail_level)
                else:
                    self._check_as_document(app_configs, options, fail_level)
        finally:
            requested_databases.reset(tokens[0])
            showing_all.reset(tokens[1])
        self._say_what_the_baseline_hid(tally.hidden)

    def _check_as_text(
        self, app_configs: list[Any] | None, options: dict[str, Any], fail_level: int
    ) -> None:
        stdout, stderr = self.stdout, self.stderr
        captured = StringIO()
        if options["output"]:  # Django's own report, written to the file rather than stdout
            self.stdout = self.stderr = OutputWrapper(captured)
            self.style = no_style()
        try:
            self.check(
                app_configs=app_configs,
                tags=[TAG],
                display_num_errors=True,
                include_deployment_checks=options["deploy"],
                fail_level=fail_level,
                databases=options["databases"],
            )
        except SystemCheckError as error:
            if not options["output"]:
                raise
            _write(Path(options["output"]), f"{captured.getvalue()}{error}\n")
            raise SystemCheckError(
                f"guardrails findings at {options['fail_level']} or above; "
                f"the report is in {options['output']}."
            ) from None
        finally:
            self.stdout, self.stderr = stdout, stderr
        if options["output"]:
            _write(Path(options["output"]), captured.getvalue())

    def _check_as_document(  # JSON, SARIF and the summary
        self, app_configs: list[Any] | None, options: dict[str, Any], fail_level: int
    ) -> None:
        messages = run_guardrail_checks(
            app_configs, deploy=options["deploy"], databases=options["databases"]
        )
        if options["format"] == "summary":
            text = formats.as_summary(messages)
        elif options["format"] == "json":
            text = json.dumps(formats.as_json(messages), indent=2)
        else:
            text = json.dumps(formats.as_sarif(messages), indent=2)
        if options["output"]:
            _write(Path(options["output"]), text + "\n")
        else:
            self.stdout.write(text)
        failing = [m for m in messages if m.level >= fail_level]
        if failing:
            raise SystemCheckError(
                f"{len(failing)} guardrails finding(s) at {options['fail_level']} or above."
            )

    def _say_what_the_baseline_hid(self, hidden: int) -> None:
        if not hidden:
            return
        path = baseline.configured_path()
        where = f" ({path.name})" if path is not None else ""
        line = (
            f"The baseline{where} accepts {hidden} more finding(s), not shown: "
            "`manage.py guardrails check --all` shows them."
        )
        # Where Django's check writes its issues; beside a JSON or SARIF document on stdout.
        self.stderr.write(line)

    def _baseline(self, output: str | None, verbosity: int) -> None:
        path = baseline.resolve(Path(output)) if output else baseline.configured_path()
        if path is None:
            raise CommandError(
                'Say where to write the baseline: set GUARDRAILS["BASELINE"] or pass --output.'
            )
        # Every finding, summarised nowhere: those on migrations this database has applied
        # (or before MIGRATIONS_SINCE) are what CI on an empty database sees.
        token = showing_all.set(True)
        try:
            with baseline.disabled():
                # A crash silenced in SILENCED_SYSTEM_CHECKS still leaves the findings unknown.
                messages = run_guardrail_checks(None, deploy=True, keep_crashes=True)
        finally:
            showing_all.reset(token)
        crashed = [m for m in messages if m.id == ids.W002.id]
        if crashed:
            raise CommandError(
                f"Not writing a baseline: {len(crashed)} check(s) crashed, so their findings "
                f"are unknown. {crashed[0].msg} Silencing {ids.W002.id} does not change "
                "this: upgrade django-guardrails or report the crash, then write the baseline."
            )
        try:
            written = baseline.write(path, messages)
        except OSError as error:
            raise CommandError(f"Cannot write the baseline to {path}: {error.strerror}.") from None
        if verbosity:
            self.stdout.write(f"Wrote {written.recorded} finding(s) to {path}.")
            if written.dropped:
                self.stdout.write(
                    f"Dropped {written.dropped} finding(s) of the previous baseline that no "
                    "longer occur (fixed)."
                )
            if written.rewritten:
                self.stdout.write(
                    "The previous baseline copied source lines (secrets among them); this one "
                    "keeps only digests. Commit it, and remove the old file from your history "
                    "if it held a secret."
                )
        if output and baseline.configured_path() != path:
            self.stderr.write(
                f'Set GUARDRAILS["BASELINE"] = "{output}" so that checks read this file.'
            )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from None


def _accept_common_options(parser: ArgumentParser) -> None:
    """Django's own options, also after the subcommand (``guardrails check --settings=x``).

    SUPPRESS keeps a value given before the subcommand when none is given after it.
    """
    parser.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=SUPPRESS)
    for name in ("--settings", "--pythonpath"):
        parser.add_argument(name, default=SUPPRESS)
    for flag in ("--traceback", "--no-color", "--force-color"):
        parser.add_argument(flag, action="store_true", default=SUPPRESS)
