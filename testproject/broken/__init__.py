"""An app that breaks guardrails' rules on purpose, so the demo and the tests have findings."""

from __future__ import annotations
