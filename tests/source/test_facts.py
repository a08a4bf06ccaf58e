from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.source import facts
from django_guardrails.source.facts import EXTRACTORS, Extractor, FactStore, store_path
from django_guardrails.source.index import SOURCE, ModuleSource, SourceIndex

ROOT = Path(__file__).resolve().parents[2]


def _definitions(source: ModuleSource) -> list[str]:
    return sorted(source.definitions)


DEFINITIONS = Extractor("test-definitions", _definitions)


@pytest.fixture
def writable_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    # This VM sets PYTHONDONTWRITEBYTECODE; the store is written only without it.
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


@pytest.fixture
def module(tmp_path: Path, writable_bytecode: None) -> Path:
    path = tmp_path / "views.py"
    path.write_text("class A:\n    pass\n")
    return path


def fresh_run(path: Path) -> tuple[object, int]:
    """The fact in a new process (a new index), and how many files that process parsed."""
    index = SourceIndex()
    found = index.facts(str(path), DEFINITIONS)
    index.save_facts()
    return found, index.parses


def test_an_unchanged_file_is_not_parsed_on_the_next_run(module: Path) -> None:
    assert fresh_run(module) == (["A"], 1)
    assert os.path.exists(store_path(str(module.parent)) or "")
    assert fresh_run(module) == (["A"], 0)


def test_a_changed_text_is_parsed_again_even_with_the_same_size_and_times(module: Path) -> None:
    fresh_run(module)
    before = module.stat()
    module.write_text("class B:\n    pass\n")  # same size
    os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert module.stat().st_size == before.st_size
    assert fresh_run(module) == (["B"], 1)


def test_facts_of_another_guardrails_or_python_are_not_read(
    module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_run(module)
    monkeypatch.setattr(facts, "code_key", lambda: "another version")
    assert fresh_run(module) == (["A"], 1)


@pytest.mark.parametrize("content", ["{not json", '{"key": 1}', "[]", '{"files": 3}'])
def test_a_corrupt_store_is_ignored_and_replaced(module: Path, content: str) -> None:
    store = Path(store_path(str(module.parent)) or "")
    store.parent.mkdir()
    store.write_text(content)
    assert fresh_run(module) == (["A"], 1)
    assert json.loads(store.read_text())["key"] == facts.code_key()


def test_a_store_that_cannot_be_written_is_no_error(
    module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (module.parent / "__pycache__").write_text("a file where the directory would go")
    assert fresh_run(module) == (["A"], 1)
    (module.parent / "__pycache__").unlink()

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr("django_guardrails.source.facts.tempfile.mkstemp", refuse)
    assert fresh_run(module) == (["A"], 1)
    assert not (module.parent / "__pycache__").exists() or not any(
        (module.parent / "__pycache__").iterdir()
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_directory_is_no_error(module: Path) -> None:
    module.parent.chmod(0o555)
    try:
        assert fresh_run(module) == (["A"], 1)
        assert fresh_run(module) == (["A"], 1)
    finally:
        module.parent.chmod(0o755)


def test_nothing_is_written_when_python_writes_no_bytecode(
    module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert fresh_run(module) == (["A"], 1)
    assert not (module.parent / "__pycache__").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    fresh_run(module)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert fresh_run(module) == (["A"], 0)  # a store already there is still read


def test_the_store_follows_the_bytecode_prefix(
    module: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "prefix"))
    fresh_run(module)
    assert not (module.parent / "__pycache__").exists()
    assert list((tmp_path / "prefix").rglob("guardrails-facts.*.json"))
    assert fresh_run(module) == (["A"], 0)


def test_files_no_longer_there_are_dropped_from_the_store(module: Path) -> None:
    other = module.parent / "other.py"
    other.write_text("def f():\n    pass\n")
    fresh_run(module)
    fresh_run(other)
    other.unlink()
    fresh_run(module.parent / "views.py")  # no change: nothing written
    module.write_text("class C:\n    pass\n")
    fresh_run(module)
    stored = json.loads(Path(store_path(str(module.parent)) or "").read_text())
    assert set(stored["files"]) == {"views.py"}


def test_a_fact_kept_in_the_store_is_the_fact_computed() -> None:
    store = FactStore("/nonexistent-directory")
    store.put("a.py", "digest", "x", [1, ["a", None], {"k": True}])
    assert store.get("a.py", "digest", "x") == (True, [1, ["a", None], {"k": True}])
    assert store.get("a.py", "other digest", "x") == (False, None)
    assert store.get("a.py", "digest", "y") == (False, None)


def test_every_extractor_has_its_own_name_and_gives_json() -> None:
    # The apps are loaded: every check module, and so every extractor, is imported.
    made = [extractor for extractor in EXTRACTORS if extractor is not DEFINITIONS]
    assert len(made) > 5
    assert len({extractor.name for extractor in EXTRACTORS}) == len(EXTRACTORS)
    index = SourceIndex()
    index.persistent = False
    seen = 0
    for path in sorted((ROOT / "testproject").rglob("*.py")):
        for extractor in made:
            fact = index.facts(str(path), extractor)
            assert json.loads(json.dumps(fact)) == fact, (path, extractor.name)
            seen += bool(fact)
    assert seen > 10


@pytest.fixture
def stored_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "prefix"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    SOURCE.clear()
    SOURCE.persistent = True
    yield
    SOURCE.persistent = False
    SOURCE.clear()


def test_the_checks_find_the_same_from_stored_facts(stored_facts: None) -> None:
    def findings() -> tuple[list[tuple[str, str, str | None, int | None]], int]:
        found = run_guardrail_checks(deploy=True)
        parses = SOURCE.parses
        SOURCE.save_facts()
        SOURCE.clear()
        return sorted((str(m.id), m.msg, m.file, m.line) for m in found), parses

    parsed, parses = findings()
    assert parsed
    stored, fewer = findings()
    assert stored == parsed
    assert fewer < parses
