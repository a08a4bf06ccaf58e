from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from django_guardrails.source.index import SOURCE

_counter = itertools.count()

# Facts stay in memory: a store on disk would make a test's parse counts depend on earlier runs
# (tests/source/test_facts.py turns it on where the store itself is tested).
SOURCE.persistent = False

MakeApp = Callable[[str], Path]


@pytest.fixture(autouse=True)
def _fresh_source_index() -> Iterator[None]:
    SOURCE.clear()
    yield
    SOURCE.clear()


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeApp]:
    """Install a throwaway app whose models.py is the given source; returns that file's path.

    Each app gets a unique label, so its models never collide with another test's.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    overrides: list[override_settings] = []

    def make(models_source: str) -> Path:
        label = f"tmpapp{next(_counter)}"
        package = tmp_path / label
        package.mkdir()
        (package / "__init__.py").write_text("")
        models_py = package / "models.py"
        models_py.write_text(textwrap.dedent(models_source))
        override = override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, label])
        override.enable()
        overrides.append(override)
        return models_py

    yield make
    for override in reversed(overrides):
        override.disable()


pytest_plugins = ["pytester"]
