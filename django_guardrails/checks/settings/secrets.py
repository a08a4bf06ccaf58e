"""1xx: secrets in settings source (W110 literals, W111 reused, W112 env defaults).

The settings module, what it star-imports and its sibling modules in a settings package are
read with ``ast``. No message, hint or object carries a value: only names, lines and reasons.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation, display_path
from django_guardrails.source.secrets import SecretFinding, scan
from django_guardrails.source.settings_modules import (
    is_development_module,
    settings_package_sources,
)


def _environment_name(name: str) -> str:
    return name.split("[")[0] if "[" not in name else name.rsplit("'", 2)[-2]


def check_settings_secrets(scope: CheckScope) -> Iterator[CheckMessage]:
    """W110, W111, W112 over every settings module of the project."""
    if not scope.whole_project:
        return
    first_seen: dict[str, tuple[str, SecretFinding, str]] = {}
    for module, source in settings_package_sources():
        if source.tree is None:
            continue
        development = is_development_module(module)
        for finding in scan(source.tree, development=development):
            location = SourceLocation(source.path, finding.line, finding.name)
            # A placeholder fallback repeated ("changeme") is no secret shared between modules.
            if not finding.placeholder:
                earlier = first_seen.setdefault(finding.digest, (module, finding, source.path))
                if earlier[0] != module:
                    yield ids.W111.message(
                        f"{finding.name} in {module} has the same secret as {earlier[1].name} "
                        f"in {earlier[0]} ({display_path(earlier[2])}:{earlier[1].line}).",
                        hint="Give each environment its own secret, read from that environment; "
                        "rotate the one that was shared.",
                        obj=location,
                        file=source.path,
                        line=finding.line,
                    )
            if finding.kind == "literal":
                variable = _environment_name(finding.name)
                yield ids.W110.message(
                    f"{finding.name} in {module} is a secret written as a literal "
                    f"({finding.reason}).",
                    hint=f'Read it from the environment: os.environ["{variable}"] (or '
                    "env()/config()), and rotate it: it is in version control.",
                    obj=location,
                    file=source.path,
                    line=finding.line,
                )
            elif not development:
                read = finding.read or "the variable"
                fix = f"{finding.read} without a default" if finding.read else "no default"
                yield ids.W112.message(
                    f"{finding.name} in {module} falls back to a literal default, a working "
                    f"credential wherever {read} is missing ({finding.reason}).",
                    hint=f"Read it with {fix}, so a missing value fails at start-up; keep "
                    "defaults in the development settings only.",
                    obj=location,
                    file=source.path,
                    line=finding.line,
                )
