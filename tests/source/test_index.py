from __future__ import annotations

import ast
import os
import textwrap
import time
from pathlib import Path

from django_guardrails.source.ignores import parse_directive
from django_guardrails.source.index import SourceIndex, may_mention, parse_module

MODULE = """\
import functools

LIMIT = 3


class Outer:  # guardrails: ignore[W201] -- a fixture
    class Inner:
        pass

    def method(self):
        def helper():
            pass


# guardrails: ignore[guardrails.W201, W120]
@functools.total_ordering
@functools.lru_cache
class Decorated:
    pass


async def coroutine():
    pass
"""


def test_definitions_by_qualname_and_line() -> None:
    source = parse_module("m.py", MODULE)
    found = {name: (d.kind, d.line, d.first_line) for name, d in source.definitions.items()}
    assert found == {
        "Outer": ("class", 6, 6),
        "Outer.Inner": ("class", 7, 7),
        "Outer.method": ("function", 10, 10),
        "Outer.method.<locals>.helper": ("function", 11, 11),
        "Decorated": ("class", 18, 16),
        "coroutine": ("function", 22, 22),
    }
    assert source.assignments == {"LIMIT": 3}
    assert source.line_text(6).startswith("class Outer:")
    assert source.line_text(0) == source.line_text(999) == ""


def test_ignore_comment_on_the_line_or_the_line_above() -> None:
    source = parse_module("m.py", MODULE)
    assert source.ignored_codes(6) == {"W201"}  # same line
    assert source.ignored_codes(7) == frozenset()  # a trailing comment covers its own line
    assert source.ignored_codes(8) == frozenset()
    # Above the first decorator of a decorated class.
    assert source.ignored_codes(18) == {"W201", "W120"}


def test_ignore_directive_parsing() -> None:
    directive = parse_directive(1, "# guardrails: ignore[W201, guardrails.w120, X1] -- legacy")
    assert directive is not None
    assert directive.named == ("W201", "W120", "X1")  # which are check IDs: W003's to say
    assert directive.reason == "legacy"
    blanket = parse_directive(1, "#guardrails:ignore")
    assert blanket is not None and blanket.is_blanket
    assert parse_directive(1, "# an ordinary comment about guardrails") is None
    # Ignore syntax inside a string is not a comment.
    source = parse_module("m.py", 'TEXT = "# guardrails: ignore[W201]"\n')
    assert source.ignores == {}


def test_syntax_error_gives_an_empty_index_not_an_exception() -> None:
    source = parse_module("broken.py", "class (:\n  # guardrails: ignore[W201]\n")
    assert source.tree is None
    assert source.definitions == {}


def test_each_file_is_parsed_once_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "models.py"
    path.write_text("class A:\n    pass\n")
    index = SourceIndex()
    first = index.module(str(path))
    assert index.module(str(path)) is first
    assert index.parses == 1
    path.write_text("\n\nclass A:\n    pass\n")
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))
    second = index.module(str(path))
    assert index.parses == 2
    assert second is not None and second.definitions["A"].line == 3


def test_unreadable_files_are_skipped(tmp_path: Path) -> None:
    index = SourceIndex()
    assert index.module(str(tmp_path / "missing.py")) is None
    binary = tmp_path / "blob.py"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    source = index.module(str(binary))  # undecodable or unparsable, never an exception
    assert source is None or source.tree is None


def test_a_trailing_comment_does_not_reach_the_next_line() -> None:
    source = parse_module("m.py", "LIMIT = 3  # guardrails: ignore[W201]\nclass A:\n    pass\n")
    assert source.ignored_codes(1) == {"W201"}
    assert source.ignored_codes(2) == frozenset()


def test_lines_split_like_ast_counts_them() -> None:
    source = parse_module("m.py", "\f\nclass A:\n    pass\n")
    assert source.definitions["A"].line == 2
    assert source.line_text(2) == "class A:"


def test_text_alone_answers_names_and_ignore_comments(tmp_path: Path) -> None:
    plain = tmp_path / "plain.py"
    plain.write_text("def f(request):\n    return 1\n")
    index = SourceIndex()
    assert index.module_mentioning(str(plain), ["mark_safe"]) is None
    assert index.ignores(str(plain)) == {}
    assert index.ignored_codes(str(plain), 1) == frozenset()
    assert index.line_text(str(plain), 2) == "    return 1"
    assert index.parses == 0
    source = index.module_mentioning(str(plain), ["request"])
    assert source is not None and "f" in source.definitions
    assert index.parses == 1


def test_ignore_comments_are_read_without_a_parse_until_one_is_asked_about(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.py"
    path.write_text("class A:  # guardrails: ignore[W201] -- a fixture\n    pass\n")
    index = SourceIndex()
    assert set(index.ignores(str(path))) == {1}
    assert index.parses == 0
    assert index.ignored_codes(str(path), 1) == {"W201"}
    assert index.parses == 1


def test_only_ascii_text_can_rule_a_name_out() -> None:
    # Python folds look-alike characters into identifiers: this calls mark_safe.
    folded = "\uff4dark_safe(value)\n"
    [call] = [n for n in ast.walk(ast.parse(folded)) if isinstance(n, ast.Call)]
    assert isinstance(call.func, ast.Name) and call.func.id == "mark_safe"
    assert may_mention(folded, ["mark_safe"])
    assert not may_mention("escape(value)\n", ["mark_safe"])


def test_nodes_are_those_of_ast_walk_in_its_order() -> None:
    source = parse_module("m.py", MODULE + "x = [f(a, *b, k=c) for a in d if a] or {1: (2, 3)}\n")
    assert source.tree is not None
    expected = list(ast.walk(source.tree))
    assert len(source.nodes()) == len(expected)
    assert all(a is b for a, b in zip(source.nodes(), expected, strict=True))
    assert source.nodes() is source.nodes()


def test_statements_are_those_of_ast_walk_in_its_order() -> None:
    text = MODULE + textwrap.dedent(
        """\
        try:
            import a
        except ImportError:
            b = 1
        else:
            c = 2
        finally:
            d = 3
        for e in f:
            match e:
                case [g]:
                    h = lambda: 4
                case _:
                    pass
        with open(i) as j, k:
            while j:
                break
        """
    )
    source = parse_module("m.py", text)
    assert source.tree is not None
    expected = [node for node in ast.walk(source.tree) if isinstance(node, ast.stmt)]
    assert len(source.statements()) == len(expected) > 20
    assert all(a is b for a, b in zip(source.statements(), expected, strict=True))
