"""An app that follows every guardrails rule: the checks must find nothing here."""

from __future__ import annotations
