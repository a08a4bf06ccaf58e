"""QA settings that copy a staging secret (guardrails.W111 on purpose; the value is fake)."""

from __future__ import annotations

from .staging import *  # noqa: F403

STRIPE_API_KEY = "sk_live_51FakeKeyForTheDemo00000000000000"
