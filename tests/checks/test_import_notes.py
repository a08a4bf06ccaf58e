"""noting_imports(): the import times the migration store trusts, noted only while checks run."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from django_guardrails.checks.migrations import import_notes as imports


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_no_finder_outside_a_check_run() -> None:
    assert not imports.noting()
    assert not any(isinstance(f, imports._ImportNotes) for f in sys.meta_path)


def test_a_module_imported_inside_is_noted_and_the_finder_leaves(packages: Path) -> None:
    (packages / "notedmod.py").write_text("VALUE = 1\n")
    started = time.time_ns()
    with imports.noting_imports():
        assert imports.noting()
        import notedmod  # type: ignore[import-not-found]  # noqa: F401

    assert not imports.noting()
    assert imports.imported_by("notedmod") >= started


def test_a_module_imported_outside_is_taken_as_imported_at_the_earliest(packages: Path) -> None:
    (packages / "unnotedmod.py").write_text("VALUE = 1\n")
    import unnotedmod  # type: ignore[import-not-found]  # noqa: F401

    assert imports.imported_by("unnotedmod") == imports.NOTED_SINCE_NS


def test_nested_blocks_share_one_finder_and_an_error_still_removes_it() -> None:
    with pytest.raises(RuntimeError), imports.noting_imports():
        with imports.noting_imports():
            assert sys.meta_path.count(imports._notes) == 1
        assert imports.noting()
        raise RuntimeError("a check that fails")
    assert not imports.noting()


def test_the_finder_never_changes_what_is_imported(packages: Path) -> None:
    (packages / "plainpkg").mkdir()
    (packages / "plainpkg" / "__init__.py").write_text("VALUE = 42\n")
    with imports.noting_imports():
        import plainpkg  # type: ignore[import-not-found]

    assert plainpkg.VALUE == 42
