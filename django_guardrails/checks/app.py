"""0xx: the app itself - its setting, its baseline file and its inline ignore comments."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.core.checks import CheckMessage

from django_guardrails.checks import baseline, ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.messages import SourceLocation, display_path
from django_guardrails.conf import SETTING_NAME, config_problems
from django_guardrails.source.files import python_files
from django_guardrails.source.settings_modules import setting_location, settings_sources


def check_setting(scope: CheckScope) -> Iterator[CheckMessage]:
    """E001: every invalid part of ``GUARDRAILS``, named by key."""
    file, line = setting_location(SETTING_NAME)
    for problem in config_problems():
        yield ids.E001.message(
            problem.message, hint=problem.hint, obj=SETTING_NAME, file=file, line=line
        )
    for name in scope.config.apps or ():
        if not any(name in (a.label, a.name) for a in apps.get_app_configs()):
            yield ids.E001.message(
                f"{SETTING_NAME}[\"APPS\"] names '{name}', which is not an installed app.",
                hint="Use an app label or dotted name from INSTALLED_APPS, or remove it.",
                obj=SETTING_NAME,
                file=file,
                line=line,
            )


def check_baseline_file(scope: CheckScope) -> Iterator[CheckMessage]:
    """E004: a configured baseline file that exists but cannot be used."""
    path = baseline.configured_path()
    if path is None:
        return
    try:
        baseline.load(path)
    except baseline.BaselineError as error:
        file, line = setting_location(SETTING_NAME)
        yield ids.E004.message(
            f"The baseline file {display_path(str(path))} cannot be used: {error}.",
            hint="Regenerate it with `manage.py guardrails baseline`, "
            f'or fix {SETTING_NAME}["BASELINE"].',
            obj=SETTING_NAME,
            file=file,
            line=line,
        )


def check_ignore_comments(scope: CheckScope) -> Iterator[CheckMessage]:
    """W003: ``# guardrails: ignore`` comments that name no ID, or an unknown one.

    Read in the own apps and in the settings modules, where 1xx findings point.
    """
    paths = list(python_files(scope.app_configs))
    if scope.whole_project:
        paths += [s.path for _, s in settings_sources() if s.path not in paths]
    for path in paths:
        for line, directive in sorted(scope.source.ignores(path).items()):
            if directive.is_blanket:
                msg = "This guardrails ignore comment names no check ID, so it ignores nothing."
            elif directive.unknown:
                unknown = ", ".join(directive.unknown)
                msg = f"This guardrails ignore comment names unknown check IDs: {unknown}."
            else:
                continue
            yield ids.W003.message(
                msg,
                hint="Name the IDs to silence, e.g. `# guardrails: ignore[W201] -- reason`; "
                "see the check reference for valid IDs.",
                obj=SourceLocation(path, line, "ignore comment"),
                file=path,
                line=line,
            )
