from __future__ import annotations

import re
from pathlib import Path

from django.core import checks

from django_guardrails.checks.framework import ids

ROOT = Path(__file__).resolve().parents[2]


def test_ids_are_well_formed_and_unique() -> None:
    codes = [check_id.code for check_id in ids.ALL]
    assert len(codes) == len(set(codes))
    numbers = [check_id.number for check_id in ids.LIVE]
    assert len(numbers) == len(set(numbers)), "a number is used once across letters"
    for check_id in ids.ALL:
        assert re.fullmatch(r"[EWI]\d{3}", check_id.code)
        if check_id.retired:  # a retired number lives on only in the ID that replaced it
            others = [c for c in ids.ALL if c.number == check_id.number and c is not check_id]
            assert [c.code for c in others] == (
                [check_id.replaced_by] if check_id.replaced_by else []
            )
        else:
            assert check_id.replaced_by is None


def test_retired_ids_silence_nothing() -> None:
    assert ids.E001.retired and ids.E002.retired and ids.E004.retired
    assert ids.lookup("E002") is None
    assert ids.lookup("E001") is None
    assert ids.lookup("W001") is ids.W001


def test_levels_follow_the_letter() -> None:
    assert ids.W001.level == checks.WARNING
    assert ids.W002.level == checks.WARNING
    assert ids.W201.level == checks.WARNING
    assert ids.W201.id == "guardrails.W201"


def test_lookup_accepts_prefix_and_case() -> None:
    assert ids.lookup("W201") is ids.W201
    assert ids.lookup("guardrails.w201") is ids.W201
    assert ids.lookup(" W120 ") is ids.W120
    assert ids.lookup("W999") is None


def test_every_id_is_defined_in_one_place() -> None:
    defined = {name for name, value in vars(ids).items() if isinstance(value, ids.CheckId)}
    assert defined == {check_id.code for check_id in ids.ALL}


def test_every_id_has_a_docs_entry() -> None:
    docs = "\n".join(p.read_text() for p in (ROOT / "docs" / "checks").glob("*.md"))
    headings = set(re.findall(r"^## (guardrails\.[EWI]\d{3})\s*$", docs, re.MULTILINE))
    missing = [c.id for c in ids.ALL if not c.retired and c.id not in headings]
    assert missing == []


def test_every_id_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [c.id for c in ids.ALL if not c.retired and f"`{c.id}`" not in readme]
    assert missing == []
