"""when_imported(): a callback runs once a package is imported, never before, and never breaks
the import it follows."""

from __future__ import annotations

import importlib
import logging
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from django_guardrails.integrations import imports


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]
    imports._waiting.clear()


def _package(root: Path, name: str, body: str = "") -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(body + "\nREADY = True\n")
    (root / name / "part.py").write_text("VALUE = 1\n")


def test_runs_now_when_the_package_is_already_imported(packages: Path) -> None:
    calls: list[str] = []
    imports.when_imported("json", lambda: calls.append("json"))
    assert calls == ["json"]
    assert "json" not in imports._waiting


def test_runs_after_the_package_has_run_and_only_then(packages: Path) -> None:
    _package(packages, "hookedpkg")
    seen: list[bool] = []
    imports.when_imported("hookedpkg", lambda: seen.append(sys.modules["hookedpkg"].READY))
    importlib.import_module("json.decoder")  # another module: nothing yet
    assert seen == []
    import hookedpkg.part  # type: ignore[import-not-found]  # noqa: F401

    assert seen == [True]  # the package's __init__ had run to its end
    assert "hookedpkg" not in imports._waiting
    # Left in place, idle: removing it could make another thread's import skip a finder.
    assert imports._watcher in sys.meta_path
    assert imports._watcher.find_spec("hookedpkg", None) is None
    importlib.reload(sys.modules["hookedpkg"])
    assert seen == [True]  # once


def test_the_callback_may_import_the_package_s_submodules(packages: Path) -> None:
    _package(packages, "nestedpkg")
    values: list[int] = []
    imports.when_imported(
        "nestedpkg", lambda: values.append(importlib.import_module("nestedpkg.part").VALUE)
    )
    importlib.import_module("nestedpkg")
    assert values == [1]


def test_a_failing_callback_is_logged_and_the_import_succeeds(
    packages: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _package(packages, "failingpkg")

    def broken() -> None:
        raise RuntimeError("hook bug")

    after: list[str] = []
    imports.when_imported("failingpkg", broken)
    imports.when_imported("failingpkg", lambda: after.append("ran"))
    with caplog.at_level(logging.ERROR, logger="django_guardrails"):
        module = importlib.import_module("failingpkg")
    assert module.READY is True
    assert after == ["ran"]
    assert "failingpkg integration could not be set up" in caplog.text


def test_a_package_that_fails_to_import_keeps_its_callback_waiting(packages: Path) -> None:
    (packages / "badpkg").mkdir()
    init = packages / "badpkg" / "__init__.py"
    init.write_text("raise ImportError('not today')\n")
    calls: list[str] = []
    imports.when_imported("badpkg", lambda: calls.append("ran"))
    with pytest.raises(ImportError):
        importlib.import_module("badpkg")
    assert calls == []
    sys.modules.pop("badpkg", None)
    init.write_text("READY = True\n")
    importlib.invalidate_caches()
    importlib.import_module("badpkg")
    assert calls == ["ran"]


def test_a_package_in_a_zip_archive(packages: Path) -> None:
    archive = packages / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zippedpkg/__init__.py", "from . import part\nREADY = True\n")
        bundle.writestr("zippedpkg/part.py", "VALUE = 2\n")
    sys.path.insert(0, str(archive))
    try:
        seen: list[bool] = []
        imports.when_imported("zippedpkg", lambda: seen.append(sys.modules["zippedpkg"].READY))
        importlib.import_module("zippedpkg")
        # The archive's one loader ran part.py inside the package's import: only the package
        # itself counts.
        assert seen == [True]
    finally:
        sys.path.remove(str(archive))


def test_a_submodule_is_watched_on_its_own(packages: Path) -> None:
    _package(packages, "subpkg")
    seen: list[int] = []
    imports.when_imported("subpkg.part", lambda: seen.append(sys.modules["subpkg.part"].VALUE))
    importlib.import_module("subpkg")
    assert seen == []
    importlib.import_module("subpkg.part")
    assert seen == [1]
