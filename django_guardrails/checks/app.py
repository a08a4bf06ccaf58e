"""0xx: the app itself - its setting, its baseline file, its inline ignore comments, the
Django version, and its own mode in production.

None of them is an error: guardrails' own configuration never stops ``runserver`` or
``migrate``. A bad value falls back to its default and is reported as a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

import django
from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage

from django_guardrails.checks.framework import baseline, ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation, display_path
from django_guardrails.conf import SETTING_NAME, config_problems
from django_guardrails.source.files import python_files
from django_guardrails.source.settings_modules import setting_location, settings_sources
from django_guardrails.version import OLDEST_DJANGO


def check_setting(scope: CheckScope) -> Iterator[CheckMessage]:
    """W001: every invalid part of ``GUARDRAILS``, named by key."""
    file, line = setting_location(SETTING_NAME)
    for problem in config_problems():
        yield ids.W001.message(
            problem.message, hint=problem.hint, obj=SETTING_NAME, file=file, line=line
        )
    for name in scope.config.apps or ():
        if not any(name in (a.label, a.name) for a in apps.get_app_configs()):
            yield ids.W001.message(
                f"{SETTING_NAME}[\"APPS\"] names '{name}', which is not an installed app.",
                hint="Use an app label or dotted name from INSTALLED_APPS, or remove it.",
                obj=SETTING_NAME,
                file=file,
                line=line,
            )


def check_baseline_file(scope: CheckScope) -> Iterator[CheckMessage]:
    """W004: the configured baseline file is missing, cannot be used, or holds source text."""
    path = baseline.configured_path()
    if path is None:
        return
    shown = display_path(str(path))
    problem = hint = None
    try:
        accepted = baseline.load(path)
    except baseline.BaselineError as error:
        problem = f"The baseline file {shown} cannot be used, so it hides nothing: {error}."
        hint = "Regenerate it with `manage.py guardrails baseline`, "
    else:
        if accepted is None:
            problem = f"The baseline file {shown} does not exist, so it hides nothing."
            hint = "Write it with `manage.py guardrails baseline` and commit it, "
        elif accepted.holds_source_text:
            problem = (
                f"The baseline file {shown} is in the old format, which copies source lines "
                "into it, secrets among them."
            )
            hint = "Rewrite it with `manage.py guardrails baseline`, then commit it, "
    if problem is not None and hint is not None:
        file, line = setting_location(SETTING_NAME)
        yield ids.W004.message(
            problem,
            hint=f'{hint}or fix {SETTING_NAME}["BASELINE"].',
            obj=SETTING_NAME,
            file=file,
            line=line,
        )


def check_django_version(scope: CheckScope) -> Iterator[CheckMessage]:
    """E006: guardrails runs on a Django it does not support (an install that forced it)."""
    if django.VERSION[:2] >= OLDEST_DJANGO:
        return
    found = ".".join(str(part) for part in django.VERSION[:3])
    yield ids.E006.message(
        f"django-guardrails needs Django 5.2 or newer and found {found}; its query guard is "
        "off in this process and its checks do not run.",
        hint="Upgrade Django to 5.2 LTS or newer, or pin django-guardrails to a release that "
        "supports this Django, or remove django_guardrails from INSTALLED_APPS.",
        obj="django",
    )


def check_production_mode(scope: CheckScope) -> Iterator[CheckMessage]:
    """W007 (deploy): ``MODE`` asks the query guard to raise or warn where ``DEBUG`` is off."""
    mode = scope.config.mode
    if mode not in ("raise", "warn") or settings.DEBUG:
        return
    file, line = setting_location(SETTING_NAME)
    effect = (
        "acts as log here (a raise would turn every page with an N+1 into a 500)"
        if mode == "raise"
        else "issues Python warnings, which a warnings filter can turn into errors"
    )
    yield ids.W007.message(
        f'{SETTING_NAME}["MODE"] is "{mode}" in deploy settings: with DEBUG off it {effect}.',
        hint=f'Set "MODE": "{mode}" in the development or test settings only, and "log" (or '
        "leave it unset) in production.",
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
            if directive.near_miss:
                msg = (
                    "This comment looks meant to silence guardrails, but guardrails reads only "
                    "`# guardrails: ignore[...]`, so it ignores nothing."
                )
            elif directive.is_blanket:
                msg = "This guardrails ignore comment names no check ID, so it ignores nothing."
            elif unknown := [code for code in directive.named if ids.lookup(code) is None]:
                msg = (
                    f"This guardrails ignore comment names unknown check IDs: {', '.join(unknown)}."
                )
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
