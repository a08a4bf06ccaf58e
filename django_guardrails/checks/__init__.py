"""The system checks: the framework (engine, ids, messages, baseline, formats) and one
subpackage or module per area."""
